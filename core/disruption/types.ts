import type { RequirementSpec } from '../cloudprovider/types.js';
import type { Budget } from './budgets.js';

/** Karpenter's disruption reasons (budgets name the first three), plus expiration, which we route through budgets. */
export type DisruptionReason = 'Empty' | 'Drifted' | 'Underutilized' | 'Expired';

/** The methods in the order the disruption loop tries them; the first that yields a command wins the pass. */
export const METHODS = [
  'emptiness',
  'expiration',
  'drift',
  'multi-node-consolidation',
  'single-node-consolidation',
] as const;
export type DisruptionMethod = (typeof METHODS)[number];

export const REASON_OF: Record<DisruptionMethod, DisruptionReason> = {
  emptiness: 'Empty',
  expiration: 'Expired',
  drift: 'Drifted',
  'multi-node-consolidation': 'Underutilized',
  'single-node-consolidation': 'Underutilized',
};

/** A pod on a candidate node, reduced to what disruption decides on. */
export interface DisruptionPod {
  /** `namespace/name`. */
  key: string;
  /** False for DaemonSet, mirror and terminal pods: they do not move and do not make a node non-empty. */
  reschedulable: boolean;
  /** An active `karpenter.sh/do-not-disrupt` on the pod. */
  doNotDisrupt: boolean;
  /** Why its PodDisruptionBudgets forbid an eviction now (none allows one, or several cover it); undefined if not. */
  blockedByBudget?: string;
  /** Karpenter's per-pod disruption cost (deletion cost and priority), ≥ 0 counted. */
  cost: number;
}

export interface DisruptionNode {
  nodeClaim: string;
  nodeName: string;
  nodePool: string;
  instanceType: string;
  zone: string;
  capacityType: string;
  /** USD per hour of its offering (cheapest compatible offering in its zone and capacity type). */
  price: number;
  createdAt: string;
  initialized: boolean;
  ready: boolean;
  /** Being deleted, or already tainted `karpenter.sh/disrupted` by a command. */
  deleting: boolean;
  /** Node annotation `karpenter.sh/do-not-disrupt: "true"`. */
  doNotDisrupt: boolean;
  pods: DisruptionPod[];
  /** Why the node drifted from its NodePool or node class; undefined when it has not. */
  drifted?: string;
  /** When `expireAfter` is reached; undefined for `Never`. */
  expiresAt?: string;
  /** Last time a pod was added to or removed from the node (Karpenter's `lastPodEventTime`). */
  lastPodEventAt: string;
}

export interface DisruptionPool {
  name: string;
  consolidationPolicy: 'WhenEmpty' | 'WhenEmptyOrUnderutilized' | 'Balanced';
  /** Null for `Never`: no consolidation at all, emptiness included. */
  consolidateAfterMs: number | null;
  budgets: Budget[];
  /** With a terminationGracePeriod, blocking pods do not keep drift (and expiration) from choosing a node. */
  hasTerminationGracePeriod: boolean;
}

export interface DisruptionView {
  nodes: DisruptionNode[];
  pools: DisruptionPool[];
}

/** A replacement NodeClaim a command launches before its candidates drain. */
export interface Replacement {
  nodePool: string;
  /** Instance types it may launch, cheapest first, already limited to strictly cheaper ones for consolidation. */
  instanceTypes: string[];
  requirements: RequirementSpec[];
  requests: Record<string, number>;
  pods: string[];
  /** USD per hour in the worst case: the dearest offering it might get. */
  worstCasePrice: number;
  /** USD per hour of the cheapest option, what a launch (cheapest first) normally buys. */
  expectedPrice: number;
}

export interface CandidateSummary {
  nodeClaim: string;
  nodeName: string;
  nodePool: string;
  instanceType: string;
  capacityType: string;
  zone: string;
  price: number;
  pods: number;
}

/** One decision to act on: which nodes go, what replaces them, why, and what it saves. */
export interface DisruptionCommand {
  method: DisruptionMethod;
  reason: DisruptionReason;
  candidates: CandidateSummary[];
  replacements: Replacement[];
  /** Candidates' price minus the replacements' expected price, USD per hour (negative when drift costs more). */
  savingsPerHour: number;
  /** One line an operator reads in the UI and in Events. */
  summary: string;
}

export interface MethodOutcome {
  method: DisruptionMethod;
  candidates: number;
  outcome: string;
}

/** What one pass of the loop found: the command, if any, and why every method produced or did not. */
export interface DisruptionDecision {
  at: string;
  command?: DisruptionCommand;
  methods: MethodOutcome[];
  /** Nodes that are not candidates at all, with the first reason. */
  excluded: { nodeClaim: string; why: string }[];
  /**
   * A digest of everything consolidation decided on (its candidates, every node's last pod event, the pools), set
   * when consolidation ran and found nothing: until it changes, another search would find nothing too.
   */
  consolidatedFingerprint?: string;
}

/** The scheduling simulation the methods ask for: can these nodes' pods go elsewhere, and onto what new capacity. */
export interface SimulationResult {
  /** Pods of the candidates that fit nowhere, with why. */
  unschedulable: { pod: string; reason: string }[];
  /** New NodeClaims the pods need, before any price filter. */
  newNodeClaims: {
    nodePool: string;
    instanceTypes: string[];
    requirements: RequirementSpec[];
    requests: Record<string, number>;
    pods: string[];
  }[];
}
export type Simulate = (candidates: DisruptionNode[]) => SimulationResult;

/** Worst-case price of launching `type` under `requirements`; undefined when no offering is allowed. */
export type PriceOf = (type: string, requirements: RequirementSpec[]) => number | undefined;
