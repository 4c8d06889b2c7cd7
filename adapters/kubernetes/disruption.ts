import {
  CoreV1Api,
  CustomObjectsApi,
  PolicyV1Api,
  type KubeConfig,
  type V1PodDisruptionBudget,
} from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import { recordKubernetesEvent } from './events.js';

export interface ObjectRef {
  kind: 'Node' | 'NodeClaim';
  name: string;
  uid?: string;
}

/** The reads and writes disruption makes beyond the lifecycle's and provisioning's. */
export interface DisruptionKubernetes {
  listPodDisruptionBudgets(): Promise<V1PodDisruptionBudget[]>;
  /** The NodePools, for the templates replacements are made from. */
  listNodePools(): Promise<Record<string, unknown>[]>;
  /** A Kubernetes Event on a cluster-scoped object; the name derives from the content, so a retry writes it once. */
  recordEvent(object: ObjectRef, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void>;
  /** The NodeClaim whose `status.providerID` names this EC2 instance, with its Node. */
  findNodeClaimByInstanceId(
    instanceId: string
  ): Promise<{ nodeClaim: string; nodeName?: string; nodePool?: string } | undefined>;
}

export function kubernetesDisruption(kubeConfig: KubeConfig): DisruptionKubernetes {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const policy = kubeConfig.makeApiClient(PolicyV1Api);
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  return {
    async findNodeClaimByInstanceId(instanceId) {
      const claims = (await custom.listClusterCustomObject({
        group: 'karpenter.sh',
        version: 'v1',
        plural: 'nodeclaims',
      })) as {
        items: {
          metadata: { name: string; labels?: Record<string, string> };
          status?: { providerID?: string; nodeName?: string };
        }[];
      };
      const claim = claims.items.find((c) => c.status?.providerID?.endsWith(`/${instanceId}`));
      const nodePool = claim?.metadata.labels?.['karpenter.sh/nodepool'];
      return claim
        ? {
            nodeClaim: claim.metadata.name,
            ...(claim.status?.nodeName ? { nodeName: claim.status.nodeName } : {}),
            ...(nodePool ? { nodePool } : {}),
          }
        : undefined;
    },
    async listNodePools() {
      const pools = (await custom.listClusterCustomObject({
        group: 'karpenter.sh',
        version: 'v1',
        plural: 'nodepools',
      })) as { items: Record<string, unknown>[] };
      return pools.items;
    },
    async listPodDisruptionBudgets() {
      return (await policy.listPodDisruptionBudgetForAllNamespaces()).items;
    },
    async recordEvent(object, type, reason, message) {
      // Events on cluster-scoped objects live in `default`, as kubectl describe expects.
      const digest = createHash('sha256').update(`${object.kind}/${object.name}/${reason}/${message}`).digest('hex');
      await recordKubernetesEvent(core, {
        name: `${object.name}.${digest.slice(0, 16)}`,
        namespace: 'default',
        involvedObject: {
          kind: object.kind,
          apiVersion: object.kind === 'Node' ? 'v1' : 'karpenter.sh/v1',
          name: object.name,
          ...(object.uid ? { uid: object.uid } : {}),
        },
        type,
        reason,
        message,
      });
    },
  };
}
