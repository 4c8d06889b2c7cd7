import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { DisruptionState } from './state.js';

/** Workflow id of the cluster's one disruption loop. */
export function disruptionWorkflowId(clusterName: string): string {
  return `disruption/${clusterName}`;
}

/** Stop starting commands (a command already started finishes). */
export const pauseDisruptionSignal = defineSignal<[{ reason?: string }?]>('pause');
export const resumeDisruptionSignal = defineSignal<[]>('resume');
/** Turn dry-run on or off: decisions are recorded but nothing is tainted, launched or drained. */
export const dryRunSignal = defineSignal<[boolean]>('dryRun');
/** Everything: settings, the last pass with every method's outcome, the recent decisions, savings. */
export const disruptionStateQuery = defineQuery<DisruptionState>('state');
