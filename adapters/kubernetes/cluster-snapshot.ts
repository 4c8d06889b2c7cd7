import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  StorageV1Api,
  type KubeConfig,
  type V1DaemonSet,
  type V1Node,
  type V1PersistentVolume,
  type V1PersistentVolumeClaim,
  type V1Pod,
  type V1StorageClass,
} from '@kubernetes/client-node';

/** Everything the provisioner solves against, read in one pass (plain objects from the API). */
export interface ClusterSnapshot {
  pods: V1Pod[];
  nodes: V1Node[];
  nodeClaims: Record<string, unknown>[];
  nodePools: Record<string, unknown>[];
  daemonSets: V1DaemonSet[];
  persistentVolumeClaims: V1PersistentVolumeClaim[];
  persistentVolumes: V1PersistentVolume[];
  storageClasses: V1StorageClass[];
}

export interface ClusterSnapshotSource {
  read(): Promise<ClusterSnapshot>;
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
