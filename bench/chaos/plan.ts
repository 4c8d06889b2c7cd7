import type { ChaosOptions } from './options.js';
import type { Prng } from './prng.js';

export const FAULT_KINDS = [
  'worker-kill',
  'temporal-restart',
  'apiserver-restart',
  'etcd-restart',
  'ec2-restart',
  'aws-errors',
  'slow-kube',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const WORKLOAD_KINDS = ['scale', 'disrupt', 'drift', 'interrupt'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

export interface Planned<K> {
  kind: K;
  /** Milliseconds into the round's window. */
  atMs: number;
}

export interface Round {
  faults: Planned<FaultKind>[];
  workload: Planned<WorkloadKind>[];
}

/**
 * The whole run, fixed by the seed: how many faults of each kind (every kind but worker kills gets about 1 in 26,
 * at least one; the rest are kills), in what order, at which moments, and the workload actions between them.
 */
export function planRounds(options: ChaosOptions, prng: Prng): Round[] {
  const others = FAULT_KINDS.filter((k) => k !== 'worker-kill');
  const each = Math.max(1, Math.floor(options.faults / 26));
  const kinds: FaultKind[] = others.flatMap((k) => Array<FaultKind>(each).fill(k));
  while (kinds.length < options.faults) kinds.push('worker-kill');
  const order = prng.shuffle(kinds);
  const windowMs = options.windowSeconds * 1000;
  const rounds: Round[] = [];
  for (let i = 0; i < order.length; i += options.perRound) {
    const faults = order
      .slice(i, i + options.perRound)
      .map((kind) => ({ kind, atMs: prng.int(0, windowMs) }))
      .sort((a, b) => a.atMs - b.atMs);
    // Every round scales; disrupts, drift and interruptions come at random, drift least often (it replaces every node).
    const workload: Planned<WorkloadKind>[] = [{ kind: 'scale', atMs: prng.int(0, windowMs / 2) }];
    if (prng.next() < 0.6) workload.push({ kind: 'scale', atMs: prng.int(windowMs / 2, windowMs) });
    if (prng.next() < 0.6) workload.push({ kind: 'disrupt', atMs: prng.int(0, windowMs) });
    if (prng.next() < 0.5) workload.push({ kind: 'interrupt', atMs: prng.int(0, windowMs) });
    if (prng.next() < 0.25 || i === 0) workload.push({ kind: 'drift', atMs: prng.int(0, windowMs) });
    rounds.push({ faults, workload: workload.sort((a, b) => a.atMs - b.atMs) });
  }
  return rounds;
}
