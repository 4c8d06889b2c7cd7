import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { NodeObservation } from '../../core/lifecycle/node-observation.js';
import type { NodeClaimState } from './state.js';

/** Workflow id of a NodeClaim's lifecycle: one workflow per NodeClaim name. */
export function nodeClaimWorkflowId(nodeClaimName: string): string {
  return `nodeclaim/${nodeClaimName}`;
}

export interface DisruptRequest {
  /** Why, in words an operator will read later in the UI and the NodeClaim's events. Required. */
  reason: string;
  /** Disrupt even when pods or the node are protected by `karpenter.sh/do-not-disrupt`. */
  force?: boolean;
  /** Who asked: `cli`, `disruption/consolidation`, `interruption`... */
  requestedBy?: string;
}

export interface DisruptResult {
  accepted: true;
  /** True when a disruption was already under way; the request changed nothing. */
  alreadyDisrupting: boolean;
  phase: string;
}

/**
 * Disrupt this node: drain it and terminate its instance. An update, not a signal, because the caller must know
 * whether it was refused (a do-not-disrupt pod without --force) or accepted. Idempotent.
 */
export const disruptUpdate = defineUpdate<DisruptResult, [DisruptRequest]>('disrupt');

/** The whole lifecycle state: phase, conditions, instance, node, timings, decisions with reasons. */
export const stateQuery = defineQuery<NodeClaimState>('state');

/** The cluster watcher saw the NodeClaim's Node (by providerID) appear or change. */
export const nodeObservedSignal = defineSignal<[NodeObservation]>('nodeObserved');
/** The NodeClaim got a deletionTimestamp (e.g. `kubectl delete nodeclaim`). */
export const nodeClaimDeletingSignal = defineSignal<[]>('nodeClaimDeleting');
/** The NodeClaim's Node got a deletionTimestamp (e.g. `kubectl delete node`). */
export const nodeDeletingSignal = defineSignal<[]>('nodeDeleting');
/** The cluster's lifecycle sweep found the NodeClaim's instance gone (terminated outside Karpenter). */
export const instanceGoneSignal = defineSignal<[]>('instanceGone');
