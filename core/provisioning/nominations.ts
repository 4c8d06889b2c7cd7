import type { NominationRef } from './snapshot.js';

/**
 * Pods nominated to NodeClaims that have not launched yet, by NodeClaim: `{ "default-x1": ["ns/pod-a", ...] }`.
 * The provisioner keeps these in its workflow state and hands them to every round. Grouped, each pod costs its key
 * alone (~30 bytes), where one record per pod cost ~100 and put a 10,000-pod round over Temporal's 2 MB payload
 * limit (bench:e2e: the plan activity failed on every retry).
 */
export type NominatedPods = Record<string, string[]>;

/** The per-pod form the scheduling view reads. */
export function nominationsByPod(nominated: NominatedPods): Record<string, NominationRef> {
  const byPod: Record<string, NominationRef> = {};
  for (const [nodeClaim, pods] of Object.entries(nominated)) for (const pod of pods) byPod[pod] = { nodeClaim };
  return byPod;
}

/** The grouped form of per-pod nominations (also how an older provisioner's carried state is read). */
export function nominatedPods(byPod: Record<string, NominationRef>): NominatedPods {
  const grouped: NominatedPods = {};
  for (const [pod, { nodeClaim }] of Object.entries(byPod)) (grouped[nodeClaim] ??= []).push(pod);
  return grouped;
}

/** The nominations in `next` that `previous` did not hold: the pods to tell, by an Event, where they will run. */
export function newNominations(previous: NominatedPods, next: NominatedPods): NominatedPods {
  const before = new Set(Object.entries(previous).flatMap(([claim, pods]) => pods.map((pod) => `${claim}\n${pod}`)));
  const added: NominatedPods = {};
  for (const [nodeClaim, pods] of Object.entries(next)) {
    const fresh = pods.filter((pod) => !before.has(`${nodeClaim}\n${pod}`));
    if (fresh.length > 0) added[nodeClaim] = fresh;
  }
  return added;
}

export function countNominated(nominated: NominatedPods): number {
  return Object.values(nominated).reduce((sum, pods) => sum + pods.length, 0);
}
