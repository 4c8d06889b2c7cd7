import type { FaultKind } from './plan.js';
import { FAULT_KINDS } from './plan.js';

export interface ChaosResult {
  command: string;
  faults: Record<FaultKind, number>;
  rounds: number;
  workloadActions: number;
  workloadActionsFailed: number;
  convergeMs: number[];
  leaked: number;
  duplicate: number;
  lost: number;
  workflowMismatches: number;
  podsNotRunning: number;
  stuck: number;
  pdbViolations: number;
  guardedPodsTakenAway: number;
  replayed: number;
  replayFailures: number;
  unexpectedWorkerExits: number;
  failures: string[];
  passed: boolean;
  durationMs: number;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** The run as a Markdown table: faults by kind, each invariant's result, convergence times. */
export function resultTable(r: ChaosResult): string {
  const s = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : '—');
  const ok = (n: number) => (n === 0 ? '0 ✓' : `${n} ✗`);
  const rows: [string, string][] = [
    ...FAULT_KINDS.map((k): [string, string] => [`faults: ${k}`, String(r.faults[k])]),
    ['faults in all', String(FAULT_KINDS.reduce((n, k) => n + r.faults[k], 0))],
    ['rounds (faults, then converge and check)', String(r.rounds)],
    ['workload actions (failed while a part was down)', `${r.workloadActions} (${r.workloadActionsFailed})`],
    ['leaked instances (running, no NodeClaim)', ok(r.leaked)],
    ['duplicate instances / NodeClaims', ok(r.duplicate)],
    ['NodeClaims whose instance was lost', ok(r.lost)],
    ['NodeClaims without exactly one running workflow', ok(r.workflowMismatches)],
    ['pods that fit but are not Running', ok(r.podsNotRunning)],
    ['NodeClaims stuck past their timeout', ok(r.stuck)],
    [`PDB violations (guarded pods taken away: ${r.guardedPodsTakenAway})`, ok(r.pdbViolations)],
    [
      'histories replayed on current code (failures)',
      `${r.replayed} (${r.replayFailures === 0 ? '0 ✓' : `${r.replayFailures} ✗`})`,
    ],
    ['worker exits nobody asked for', String(r.unexpectedWorkerExits)],
    [
      'converge time p50 / p95 / max',
      `${s(percentile(r.convergeMs, 50))} / ${s(percentile(r.convergeMs, 95))} / ${s(Math.max(...r.convergeMs))}`,
    ],
    ['run time', `${(r.durationMs / 60_000).toFixed(1)} min`],
    ['result', r.passed ? 'PASS' : 'FAIL'],
  ];
  return ['| measure | value |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
}
