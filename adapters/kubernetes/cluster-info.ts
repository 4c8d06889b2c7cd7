import { VersionApi, type KubeConfig } from '@kubernetes/client-node';
import type { ClusterInfoPort } from '../../activities/preflight.js';

export function kubernetesClusterInfo(kubeConfig: KubeConfig): ClusterInfoPort {
  const version = kubeConfig.makeApiClient(VersionApi);
  return {
    async serverVersion() {
      return (await version.getCode()).gitVersion;
    },
  };
}
