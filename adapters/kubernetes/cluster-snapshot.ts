import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  StorageV1Api,
  type KubeConfig,
  type V1Pod,
} from '@kubernetes/client-node';
import type { ProvisioningSnapshot } from '../../core/provisioning/snapshot.js';

export interface ClusterSnapshotSource {
  /** Everything the provisioner solves against, read in one pass. */
  read(): Promise<ProvisioningSnapshot>;
}

/**
 * Reads the snapshot from the API server; the lists are served from its watch cache. `pods`, when given and
 * answering, supplies the pods from a watch cache in this process instead (the pending-pod watcher's): listing and
 * decoding every pod of a large cluster cost the provisioner ~0.5 s per round at 2,000 pods, more under load, and
 * objects that stay the same between rounds let the solver reuse what it derived from each pod.
 */
export function kubernetesClusterSnapshot(
  kubeConfig: KubeConfig,
  options: { pods?: () => V1Pod[] | undefined } = {}
): ClusterSnapshotSource {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  const storage = kubeConfig.makeApiClient(StorageV1Api);
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const items = async (call: Promise<unknown>) => ((await call) as { items: Record<string, unknown>[] }).items;
  return {
    async read() {
      const cached = options.pods?.();
      const [pods, nodes, nodeClaims, nodePools, daemonSets, pvcs, pvs, storageClasses] = await Promise.all([
        cached ? { items: cached } : core.listPodForAllNamespaces(),
        core.listNode(),
        items(custom.listClusterCustomObject({ group: 'karpenter.sh', version: 'v1', plural: 'nodeclaims' })),
        items(custom.listClusterCustomObject({ group: 'karpenter.sh', version: 'v1', plural: 'nodepools' })),
        apps.listDaemonSetForAllNamespaces(),
        core.listPersistentVolumeClaimForAllNamespaces(),
        core.listPersistentVolume(),
        storage.listStorageClass(),
      ]);
      return {
        pods: pods.items,
        nodes: nodes.items,
        nodeClaims,
        nodePools,
        daemonSets: daemonSets.items,
        persistentVolumeClaims: pvcs.items,
        persistentVolumes: pvs.items,
        storageClasses: storageClasses.items,
      };
    },
  };
}
