/** Taints and tolerations with kube-scheduler semantics (`k8s.io/api/core/v1` ToleratesTaint). */
import type { Taint, Toleration } from './types.js';

export function tolerates(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect !== undefined && toleration.effect !== '' && toleration.effect !== taint.effect) return false;
  if (toleration.key !== undefined && toleration.key !== '' && toleration.key !== taint.key) return false;
  const operator = toleration.operator ?? 'Equal';
  if (operator === 'Exists') return true;
  // An empty key with Equal is invalid in the API; treat it as matching nothing rather than everything.
  if (toleration.key === undefined || toleration.key === '') return false;
  return (toleration.value ?? '') === (taint.value ?? '');
}

/**
 * The first taint the pod does not tolerate. Like Karpenter (`scheduling.Taints.ToleratesPod`), PreferNoSchedule
 * counts too: it is a preference, so it is hard until relaxation adds a toleration for it.
 */
export function firstUntoleratedTaint(
  taints: readonly Taint[] | undefined,
  tolerations: readonly Toleration[] | undefined,
  ignorePreferNoSchedule = false
): Taint | undefined {
  if (taints === undefined) return undefined;
  for (const taint of taints) {
    if (taint.effect === 'PreferNoSchedule' && ignorePreferNoSchedule) continue;
    if (!(tolerations ?? []).some((toleration) => tolerates(toleration, taint))) return taint;
  }
  return undefined;
}

export function formatTaint(taint: Taint): string {
  return `${taint.key}${taint.value ? `=${taint.value}` : ''}:${taint.effect}`;
}

/** Taints a node carries while it starts; Karpenter ignores them for placement until initialization. */
export function isEphemeralTaint(taint: Taint): boolean {
  return (
    (taint.key === 'node.kubernetes.io/not-ready' && (taint.effect === 'NoSchedule' || taint.effect === 'NoExecute')) ||
    (taint.key === 'node.kubernetes.io/unreachable' && taint.effect === 'NoSchedule') ||
    (taint.key === 'node.cloudprovider.kubernetes.io/uninitialized' && taint.effect === 'NoSchedule') ||
    taint.key === 'karpenter.sh/unregistered' ||
    taint.key.startsWith('readiness.k8s.io/')
  );
}
