import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { CreateResult, PodEvent, ProvisioningKubernetes } from '../../activities/provisioning/activities.js';
import { PLAN_ANNOTATION } from '../../core/provisioning/nodeclaim-manifest.js';
import { recordKubernetesEvent } from './events.js';

const code = (err: unknown): number | undefined => (err as { code?: number }).code;

export function kubernetesProvisioning(kubeConfig: KubeConfig): ProvisioningKubernetes {
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const NODECLAIMS = { group: 'karpenter.sh', version: 'v1', plural: 'nodeclaims' } as const;
  return {
    async createNodeClaim(manifest): Promise<CreateResult> {
      const meta = manifest.metadata as { name: string; annotations: Record<string, string> };
      try {
        await custom.createClusterCustomObject({ ...NODECLAIMS, body: manifest });
        return 'created';
      } catch (err) {
        if (code(err) !== 409) throw err;
        // Already there: ours if it carries the same plan reference (a retried or replayed round).
        const existing = (await custom.getClusterCustomObject({ ...NODECLAIMS, name: meta.name })) as {
          metadata: { annotations?: Record<string, string> };
        };
        return existing.metadata.annotations?.[PLAN_ANNOTATION] === meta.annotations[PLAN_ANNOTATION]
          ? 'exists'
          : 'conflict';
      }
    },
    async recordEvent(event: PodEvent, name: string): Promise<void> {
      const [namespace, podName] = event.pod.split('/') as [string, string];
      await recordKubernetesEvent(core, {
        name,
        namespace,
        involvedObject: {
          kind: 'Pod',
          apiVersion: 'v1',
          namespace,
          name: podName,
          ...(event.uid ? { uid: event.uid } : {}),
        },
        type: event.type,
        reason: event.reason,
        message: event.message,
      });
    },
  };
}
