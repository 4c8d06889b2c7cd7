import type { DisruptionCommand, DisruptionMethod, MethodOutcome } from '../../core/disruption/types.js';
import type { PodEventMemory } from '../../core/disruption/view.js';

export interface DisruptionSettings {
  /** Karpenter polls every 10 s when a pass started nothing, and loops at once after an action. */
  pollIntervalMs: number;
  /** Karpenter's `commandValidationDelay`: consolidation re-checks its command after 15 s before acting. */
  validationDelayMs: number;
  /** How long replacements may take to be Initialized before the command is rolled back. */
  replacementTimeoutMs: number;
  /** How long the loop waits for a command's nodes to be gone before the next pass (a drain held by a PDB). */
  drainWaitMs: number;
  /** Record decisions without acting on them. */
  dryRun: boolean;
  /** Karpenter's `SpotToSpotConsolidation` feature gate. */
  spotToSpot: boolean;
}

export const DEFAULT_DISRUPTION_SETTINGS: DisruptionSettings = {
  pollIntervalMs: 10_000,
  validationDelayMs: 15_000,
  replacementTimeoutMs: 20 * 60_000,
  drainWaitMs: 10 * 60_000,
  dryRun: false,
  spotToSpot: false,
};

export type DecisionOutcome = 'executed' | 'dry-run' | 'invalidated' | 'rolled back' | 'refused';

/** One command the loop decided on, and what became of it: the audit trail shown in the UI and the state query. */
export interface DecisionRecord {
  pass: number;
  at: string;
  outcome: DecisionOutcome;
  method: DisruptionMethod;
  summary: string;
  savingsPerHour: number;
  candidates: string[];
  replacements: string[];
  /** Why it was invalidated, rolled back or refused. */
  why?: string;
  /** How each method fared in the pass that produced it. */
  methods: MethodOutcome[];
}

export interface DisruptionState {
  clusterName: string;
  settings: DisruptionSettings;
  paused?: { reason: string; at: string };
  podEvents: PodEventMemory;
  passes: number;
  commands: number;
  /** The most recent decisions, newest last. */
  decisions: DecisionRecord[];
  /** The last pass, whatever it found: for "why is nothing happening". */
  lastPass?: { pass: number; at: string; methods: MethodOutcome[]; excluded: { nodeClaim: string; why: string }[] };
  /** Sum of savings of executed commands, USD per hour. */
  savedPerHour: number;
  /** The last pass whose consolidation found nothing, and when: trusted for 5 minutes (Karpenter's forced re-check). */
  consolidated?: { fingerprint: string; at: string };
  /** The command in progress, if any. */
  current?: { key: string; command: DisruptionCommand; step: string };
}

export interface DisruptionWorkflowInput {
  clusterName: string;
  settings?: Partial<DisruptionSettings>;
  state?: DisruptionState;
}
