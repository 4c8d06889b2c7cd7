import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PolicyV1Api,
  type KubeConfig,
  type V1Node,
  type V1Pod,
} from '@kubernetes/client-node';
import { kubeConfigFor } from '../../../testbed/clients.js';
import { requirePart, type TestbedEndpoints } from '../../../testbed/endpoints.js';
import { eventually } from './wait.js';

const NODECLAIMS = { group: 'karpenter.sh', version: 'v1', plural: 'nodeclaims' } as const;
const NODEPOOLS = { group: 'karpenter.sh', version: 'v1', plural: 'nodepools' } as const;
const EC2NODECLASSES = { group: 'karpenter.k8s.aws', version: 'v1', plural: 'ec2nodeclasses' } as const;

/** What a test says about its NodePool; the rest comes from {@link testNodePool}. */
export interface TestNodePoolSpec {
  limits?: Record<string, string>;
  weight?: number;
  template?: { metadata?: Record<string, unknown>; spec?: Record<string, unknown> };
  disruption?: Record<string, unknown>;
}

/**
 * A NodePool on the test bed's EC2NodeClass that neither expires nor consolidates its nodes (a test that wants
 * either says so in `spec`), so a node lives exactly as long as the test that made it.
 */
export function testNodePool(name: string, spec: TestNodePoolSpec = {}) {
  return {
    apiVersion: 'karpenter.sh/v1',
    kind: 'NodePool',
    metadata: { name },
    spec: {
      ...spec,
      template: {
        ...spec.template,
        spec: {
          nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' },
          expireAfter: 'Never',
          ...spec.template?.spec,
        },
      },
      disruption: { consolidateAfter: 'Never', ...spec.disruption },
    },
  };
}

export interface NodeClaimObject {
  metadata: {
    name: string;
    uid: string;
    finalizers?: string[];
    deletionTimestamp?: string;
    labels?: Record<string, string>;
  };
  spec: Record<string, unknown>;
  status?: {
    providerID?: string;
    nodeName?: string;
    capacity?: Record<string, string>;
    allocatable?: Record<string, string>;
    conditions?: { type: string; status: string; reason: string; message: string }[];
  };
}

/** Kubernetes helpers for tests that act as a user would with kubectl. */
export function cluster(endpoints: TestbedEndpoints) {
  const kc: KubeConfig = kubeConfigFor(requirePart(endpoints, 'kubernetes'));
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const policy = kc.makeApiClient(PolicyV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const notFound = (err: unknown) => (err as { code?: number }).code === 404;

  return {
    kc,
    core,
    apps,
    policy,
    custom,
    /** The test bed's EC2NodeClass: its network by discovery tag, AL2023 via the public SSM alias. */
    async applyNodeClass(name = 'default'): Promise<void> {
      const body = {
        apiVersion: 'karpenter.k8s.aws/v1',
        kind: 'EC2NodeClass',
        metadata: { name },
        spec: {
          role: 'KarpenterNodeRole-testbed',
          amiSelectorTerms: [{ alias: 'al2023@latest' }],
          subnetSelectorTerms: [{ tags: { 'karpenter.sh/discovery': endpoints.clusterName } }],
          securityGroupSelectorTerms: [{ tags: { 'karpenter.sh/discovery': endpoints.clusterName } }],
        },
      };
      try {
        await custom.createClusterCustomObject({ ...EC2NODECLASSES, body });
      } catch (err) {
        if ((err as { code?: number }).code !== 409) throw err;
      }
    },
    /** Creates {@link testNodePool}`(name, spec)`. */
    async createNodePool(name: string, spec: TestNodePoolSpec = {}): Promise<void> {
      await custom.createClusterCustomObject({ ...NODEPOOLS, body: testNodePool(name, spec) });
    },
    /** Deletes a NodePool; one already gone is fine (clean-up after a test that failed half-way). */
    async deleteNodePool(name: string): Promise<void> {
      try {
        await custom.deleteClusterCustomObject({ ...NODEPOOLS, name });
      } catch (err) {
        if (!notFound(err)) throw err;
      }
    },
    async createNodeClaim(
      name: string,
      spec: Record<string, unknown>,
      labels: Record<string, string> = {}
    ): Promise<NodeClaimObject> {
      return (await custom.createClusterCustomObject({
        ...NODECLAIMS,
        body: { apiVersion: 'karpenter.sh/v1', kind: 'NodeClaim', metadata: { name, labels }, spec },
      })) as NodeClaimObject;
    },
    async nodeClaim(name: string): Promise<NodeClaimObject | undefined> {
      try {
        return (await custom.getClusterCustomObject({ ...NODECLAIMS, name })) as NodeClaimObject;
      } catch (err) {
        if (notFound(err)) return undefined;
        throw err;
      }
    },
    async deleteNodeClaim(name: string): Promise<void> {
      await custom.deleteClusterCustomObject({ ...NODECLAIMS, name });
    },
    async node(name: string): Promise<V1Node | undefined> {
      try {
        return await core.readNode({ name });
      } catch (err) {
        if (notFound(err)) return undefined;
        throw err;
      }
    },
    async podsOn(nodeName: string, namespace: string): Promise<V1Pod[]> {
      return (await core.listNamespacedPod({ namespace, fieldSelector: `spec.nodeName=${nodeName}` })).items;
    },
    /** Waits until the NodeClaim has every listed condition True. */
    async awaitConditions(name: string, types: string[], timeoutMs = 90_000): Promise<NodeClaimObject> {
      return eventually(
        `NodeClaim ${name} conditions ${types.join(', ')} True`,
        async () => {
          const claim = await this.nodeClaim(name);
          const ok = types.every((t) => claim?.status?.conditions?.some((c) => c.type === t && c.status === 'True'));
          return ok ? claim : undefined;
        },
        timeoutMs
      );
    },
    async awaitGone(name: string, timeoutMs = 90_000): Promise<void> {
      await eventually(
        `NodeClaim ${name} to be gone`,
        async () => (await this.nodeClaim(name)) === undefined,
        timeoutMs
      );
    },
  };
}
