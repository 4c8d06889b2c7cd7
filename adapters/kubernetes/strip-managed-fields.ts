import type { Informer, KubernetesObject } from '@kubernetes/client-node';

/**
 * Drops `metadata.managedFields` from every object an informer caches, as controller-runtime's
 * `cache.TransformStripManagedFields` does for Karpenter: nothing here reads them, and a scheduled pod's entries (one
 * per writer: kube-controller-manager, kube-scheduler, the kubelet) are a large part of the pod. client-node caches the
 * very object it hands to its handlers, so this must be the informer's first `add`/`update` handler.
 */
export function stripManagedFields<T extends KubernetesObject, I extends Informer<T>>(informer: I): I {
  const strip = (obj: T): void => {
    if (obj.metadata?.managedFields !== undefined) delete obj.metadata.managedFields;
  };
  informer.on('add', strip);
  informer.on('update', strip);
  return informer;
}
