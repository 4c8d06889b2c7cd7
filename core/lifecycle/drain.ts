import { doNotDisruptActive } from './do-not-disrupt.js';

/** A pod on a draining node, reduced to what the drain decides on (plain JSON). */
export interface DrainPod {
  namespace: string;
  name: string;
  uid: string;
  phase: string;
  ownerKind?: string;
  priorityClassName?: string;
  deletionTimestamp?: string;
  startTime?: string;
  terminationGracePeriodSeconds?: number;
  doNotDisrupt?: string;
  /** Tolerates `karpenter.sh/disrupted:NoSchedule`: it would be rescheduled onto the same node, so it is left. */
  toleratesDisruption: boolean;
  /** A static (mirror) pod, owned by the kubelet rather than the API. */
  mirror: boolean;
}

export interface DrainPlan {
  /** Pods of the current tier to evict through the Eviction API (PDBs respected). */
  evict: DrainPod[];
  /** Pods whose grace period would outlast the deadline: deleted now, bypassing PDBs and do-not-disrupt. */
  forceDelete: { pod: DrainPod; gracePeriodSeconds: number }[];
  /** Pods protected by an active do-not-disrupt annotation: not evicted, and they hold the drain. */
  blocked: DrainPod[];
  /** Drainable pods still on the node (evicting, terminating or blocked). Zero means drained. */
  remaining: number;
  /** The tier being drained: 1 non-critical, 2 non-critical DaemonSet, 3 critical, 4 critical DaemonSet. */
  tier?: number;
}

const CRITICAL = new Set(['system-cluster-critical', 'system-node-critical']);
/** Pods still terminating this long past their deletionTimestamp no longer hold the drain (Karpenter: 1 min). */
const STUCK_TERMINATING_MS = 60_000;

export function podKey(pod: { namespace: string; name: string }): string {
  return `${pod.namespace}/${pod.name}`;
}

export function drainTier(pod: DrainPod): number {
  const daemon = pod.ownerKind === 'DaemonSet';
  const critical = CRITICAL.has(pod.priorityClassName ?? '');
  return (critical ? 3 : 1) + (daemon ? 1 : 0);
}

/**
 * Karpenter's drain, one step: which pods to evict now (the lowest non-empty tier), which to force-delete because
 * the termination deadline is near, and which block. `deadline` is NodeClaim deletion + terminationGracePeriod.
 */
export function planDrain(pods: readonly DrainPod[], now: Date, deadline?: Date): DrainPlan {
  const drainable = pods.filter((pod) => {
    if (pod.phase === 'Succeeded' || pod.phase === 'Failed') return false;
    if (pod.mirror || pod.toleratesDisruption) return false;
    if (pod.deletionTimestamp && now.getTime() - Date.parse(pod.deletionTimestamp) > STUCK_TERMINATING_MS) return false;
    return true;
  });

  const forceDelete: DrainPlan['forceDelete'] = [];
  if (deadline) {
    const left = deadline.getTime() - now.getTime();
    for (const pod of drainable) {
      const grace = (pod.terminationGracePeriodSeconds ?? 30) * 1000;
      if (left <= grace) forceDelete.push({ pod, gracePeriodSeconds: Math.max(1, Math.floor(left / 1000)) });
    }
  }
  const forced = new Set(forceDelete.map((f) => f.pod.uid));

  const blocked = drainable.filter(
    (pod) =>
      !forced.has(pod.uid) &&
      doNotDisruptActive(pod.doNotDisrupt, pod.startTime ? new Date(pod.startTime) : undefined, now)
  );
  const tiers = [...new Set(drainable.map(drainTier))].sort();
  const tier = tiers[0];
  const evict =
    tier === undefined
      ? []
      : drainable.filter(
          (pod) => drainTier(pod) === tier && !pod.deletionTimestamp && !forced.has(pod.uid) && !blocked.includes(pod)
        );
  return { evict, forceDelete, blocked, remaining: drainable.length, ...(tier === undefined ? {} : { tier }) };
}
