import { defineQuery } from '@temporalio/workflow';
import type { HandledMessage } from '../../activities/interruption/activities.js';

/** Workflow id of the cluster's interruption-queue consumer. */
export function interruptionWorkflowId(clusterName: string): string {
  return `interruption/${clusterName}`;
}

export interface InterruptionState {
  clusterName: string;
  handled: number;
  malformed: number;
  /** The most recent messages and what was done about each. */
  recent: HandledMessage[];
}

export const interruptionStateQuery = defineQuery<InterruptionState>('state');
