import type { LaunchedNodeClaim } from '../../core/cloudprovider/cloudprovider.js';
import type { Condition } from '../../core/lifecycle/conditions.js';
import type { NodeObservation } from '../../core/lifecycle/node-observation.js';

/** Where a NodeClaim is in its life; also the `KarpenterPhase` search attribute. */
export type Phase =
  'Launching' | 'Registering' | 'Initializing' | 'Running' | 'Draining' | 'Terminating' | 'Terminated';

/** Timeouts and intervals, Karpenter's by default; tests shorten them through the worker's configuration. */
export interface LifecycleSettings {
  launchTimeoutMs: number;
  registrationTimeoutMs: number;
  /** Karpenter's MinDrainTime: a drain is not done before this, to catch pods bound just before the taint. */
  minDrainTimeMs: number;
  /**
   * How often a running node re-reads the truth (NodeClaim, Node, instance) in case a signal was missed: only in
   * workflows that entered Running before the cluster-wide lifecycle sweep took that over (every GC pass).
   */
  reconcileIntervalMs: number;
  /** How often the registration and initialization waits re-read the Node without a signal. */
  observeIntervalMs: number;
  drainRetryMaxMs: number;
  terminatePollMs: number;
  /**
   * `forceful` (Karpenter's): at expireAfter the NodeClaim is deleted at once. `budgeted`: the workflow marks it
   * expired and the cluster's disruption loop replaces it first, within its NodePool's budgets. Workers running the
   * disruption loop start NodeClaims `budgeted`.
   */
  expiration?: 'forceful' | 'budgeted';
}

export const DEFAULT_LIFECYCLE_SETTINGS: LifecycleSettings = {
  launchTimeoutMs: 5 * 60_000,
  registrationTimeoutMs: 15 * 60_000,
  minDrainTimeMs: 5_000,
  reconcileIntervalMs: 2 * 60_000,
  observeIntervalMs: 10_000,
  drainRetryMaxMs: 10_000,
  terminatePollMs: 2_000,
};

/** One recorded decision: what the workflow did and why, for the audit trail. */
export interface Decision {
  at: string;
  what: string;
  why: string;
}

/** Everything the workflow knows; plain JSON so it survives continue-as-new unchanged. */
export interface NodeClaimState {
  name: string;
  /** When expireAfter was reached while expiration is budgeted (the disruption loop takes it from there). */
  expiredAt?: string;
  uid?: string;
  nodePool?: string;
  phase: Phase;
  conditions: Condition[];
  launchAttempted: boolean;
  launched?: LaunchedNodeClaim;
  instanceType?: string;
  zone?: string;
  capacityType?: string;
  price?: number;
  nodeName?: string;
  node?: NodeObservation;
  expireAfterMs?: number;
  terminationGracePeriodMs?: number;
  deletionTimestamp?: string;
  disruption?: { reason: string; force: boolean; requestedBy: string; at: string };
  /** Set when the NodeClaim or its Node is being deleted by someone else (kubectl, GC, owner cascade). */
  externalDeletion?: { what: 'NodeClaim' | 'Node' | 'Instance'; at: string };
  terminationReason?: string;
  drain?: { startedAt: string; tainted: boolean; lastProgress?: string };
  timings: {
    startedAt: string;
    launchedAt?: string;
    registeredAt?: string;
    initializedAt?: string;
    disruptionAt?: string;
    drainedAt?: string;
    terminatedAt?: string;
  };
  decisions: Decision[];
  settings: LifecycleSettings;
}

export interface NodeClaimWorkflowInput {
  nodeClaimName: string;
  settings?: Partial<LifecycleSettings>;
  /** Carried across continue-as-new. */
  state?: NodeClaimState;
}

const MAX_DECISIONS = 50;

export function recordDecision(state: NodeClaimState, what: string, why: string, now: Date): void {
  state.decisions.push({ at: now.toISOString(), what, why });
  if (state.decisions.length > MAX_DECISIONS) state.decisions.splice(0, state.decisions.length - MAX_DECISIONS);
}

/** Parses Karpenter's duration fields (`720h`, `1h30m`, `90s`, `Never`); undefined for Never/absent. */
export function parseKarpenterDuration(value: string | undefined): number | undefined {
  if (!value || value === 'Never') return undefined;
  let total = 0;
  for (const m of value.matchAll(/(\d+)(h|m|s)/g))
    total += Number(m[1]) * { h: 3_600_000, m: 60_000, s: 1000 }[m[2] as 'h' | 'm' | 's'];
  return total;
}
