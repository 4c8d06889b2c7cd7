import type { NominatedPods } from '../../core/provisioning/nominations.js';

/** Karpenter's batching defaults: a batch closes after 1 s without new pods, or 10 s after it opened. */
export interface ProvisioningSettings {
  batchIdleMs: number;
  batchMaxMs: number;
}

export const DEFAULT_PROVISIONING_SETTINGS: ProvisioningSettings = { batchIdleMs: 1000, batchMaxMs: 10_000 };

/** A pod planned onto a NodeClaim that has not launched yet: it is not planned again until the claim launches. */
export interface Nomination {
  nodeClaim: string;
  since: string;
}

export interface RoundSummary {
  round: number;
  at: string;
  pods: number;
  nodeClaims: string[];
  unschedulable: number;
  hourlyCost: number;
  solveMs: number;
}

/** Plain JSON, carried across continue-as-new. */
export interface ProvisioningState {
  clusterName: string;
  settings: ProvisioningSettings;
  /** Keys signalled since the last batch closed (a set as a record). */
  pending: Record<string, true>;
  /** Pods planned onto NodeClaims that have not launched yet, by NodeClaim: not planned again until it launches. */
  nominated?: NominatedPods;
  /** The per-pod form of runs before `nominated` (its `since` was never read); read once into `nominated`. */
  nominations?: Record<string, Nomination>;
  paused?: { reason: string; at: string };
  round: number;
  /** The last rounds, newest last, for the UI and the `state` query. */
  rounds: RoundSummary[];
}

export interface ProvisioningWorkflowInput {
  clusterName: string;
  settings?: Partial<ProvisioningSettings>;
  state?: ProvisioningState;
}
