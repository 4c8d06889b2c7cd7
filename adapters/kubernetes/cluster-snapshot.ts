import { AppsV1Api, CoreV1Api, CustomObjectsApi, StorageV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { ProvisioningSnapshot } from '../../core/provisioning/snapshot.js';

export interface ClusterSnapshotSource {
  /** Everything the provisioner solves against, read in one pass. */
  read(): Promise<ProvisioningSnapshot>;
}

/** Reads the snapshot from the API server; the lists are served from its watch cache. */
export function kubernetesClusterSnapshot(kubeConfig: KubeConfig): ClusterSnapshotSource {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  const storage = kubeConfig.makeApiClient(StorageV1Api);
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const items = async (call: Promise<unknown>) => ((await call) as { items: Record<string, unknown>[] }).items;
  return {
    async read() {
      const [pods, nodes, nodeClaims, nodePools, daemonSets, pvcs, pvs, storageClasses] = await Promise.all([
        core.listPodForAllNamespaces(),
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
