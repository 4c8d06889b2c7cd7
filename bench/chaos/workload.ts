import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import {
  PatchStrategy,
  setHeaderOptions,
  type AppsV1Api,
  type CustomObjectsApi,
  type PolicyV1Api,
} from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import { disruptUpdate, nodeClaimWorkflowId } from '../../workflows/nodeclaim/messages.js';
import type { WorkloadKind } from './plan.js';
import type { Prng } from './prng.js';
import { spotInterruptionEvent } from '../../testbed/spot-interruption.js';

export const NAMESPACE = 'chaos';
export const NODEPOOL = 'chaos';
/** The deployment a PodDisruptionBudget guards; never scaled, so any loss of its pods is a disruption. */
export const GUARDED = { name: 'web', replicas: 3, minAvailable: 2 };
export const SCALED = ['batch-0', 'batch-1'];

const NODECLAIMS = { group: 'karpenter.sh', version: 'v1', plural: 'nodeclaims' } as const;
const NODECLASSES = { group: 'karpenter.k8s.aws', version: 'v1', plural: 'ec2nodeclasses' } as const;

export interface WorkloadDeps {
  apps: AppsV1Api;
  policy: PolicyV1Api;
  custom: CustomObjectsApi;
  temporal: Client;
  sqs: SQSClient;
  queueUrl: string;
  region: string;
  prng: Prng;
  pods: number;
}

export function deployment(name: string, replicas: number, cpu: string) {
  return {
    metadata: { name, namespace: NAMESPACE },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, chaos: 'true' } },
        spec: {
          terminationGracePeriodSeconds: 0,
          containers: [{ name: 'c', image: 'pause', resources: { requests: { cpu, memory: '256Mi' } } }],
        },
      },
    },
  };
}

/** Creates the guarded deployment and its PDB, and the two scaled deployments at zero. */
export async function createWorkload(deps: WorkloadDeps): Promise<void> {
  await deps.apps.createNamespacedDeployment({
    namespace: NAMESPACE,
    body: deployment(GUARDED.name, GUARDED.replicas, '500m'),
  });
  await deps.policy.createNamespacedPodDisruptionBudget({
    namespace: NAMESPACE,
    body: {
      metadata: { name: GUARDED.name, namespace: NAMESPACE },
      spec: { minAvailable: GUARDED.minAvailable, selector: { matchLabels: { app: GUARDED.name } } },
    },
  });
  for (const [i, name] of SCALED.entries())
    await deps.apps.createNamespacedDeployment({
      namespace: NAMESPACE,
      body: deployment(name, 0, i === 0 ? '700m' : '300m'),
    });
}

interface NodeClaimItem {
  metadata: { name: string; deletionTimestamp?: string };
  status?: { providerID?: string };
}

/** One workload action; returns a line for the progress log. Failures (a part is down) are the caller's to count. */
export async function runWorkload(kind: WorkloadKind, deps: WorkloadDeps): Promise<string> {
  const { prng } = deps;
  const live = async (): Promise<NodeClaimItem[]> =>
    ((await deps.custom.listClusterCustomObject({ ...NODECLAIMS })) as { items: NodeClaimItem[] }).items.filter(
      (c) => !c.metadata.deletionTimestamp
    );
  switch (kind) {
    case 'scale': {
      const name = prng.pick(SCALED);
      const budget = deps.pods - GUARDED.replicas;
      const replicas = prng.int(0, Math.ceil(budget / SCALED.length));
      await deps.apps.patchNamespacedDeploymentScale(
        { name, namespace: NAMESPACE, body: { spec: { replicas } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch)
      );
      return `scaled ${name} to ${replicas}`;
    }
    case 'disrupt': {
      const claims = await live();
      if (claims.length === 0) return 'disrupt: no NodeClaim';
      const name = prng.pick(claims).metadata.name;
      const result = await deps.temporal.workflow
        .getHandle(nodeClaimWorkflowId(name))
        .executeUpdate(disruptUpdate, { args: [{ reason: 'chaos', requestedBy: 'chaos' }] });
      return `disrupted ${name} (${result.phase}${result.alreadyDisrupting ? ', already disrupting' : ''})`;
    }
    case 'drift': {
      const value = String(prng.int(1, 1_000_000));
      await deps.custom.patchClusterCustomObject(
        { ...NODECLASSES, name: 'default', body: { spec: { tags: { 'chaos/drift': value } } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch)
      );
      return `drifted the EC2NodeClass (tag chaos/drift=${value})`;
    }
    case 'interrupt': {
      const claims = (await live()).filter((c) => c.status?.providerID);
      if (claims.length === 0) return 'interrupt: no launched NodeClaim';
      const claim = prng.pick(claims);
      const instanceId = claim.status!.providerID!.split('/').at(-1)!;
      await deps.sqs.send(
        new SendMessageCommand({
          QueueUrl: deps.queueUrl,
          MessageBody: spotInterruptionEvent(deps.region, instanceId),
        })
      );
      return `sent a spot interruption for ${claim.metadata.name} (${instanceId})`;
    }
  }
}
