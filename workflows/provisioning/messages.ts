import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ProvisioningState } from './state.js';

/** The one provisioning workflow of a cluster. */
export function provisioningWorkflowId(clusterName: string): string {
  return `provisioner/${clusterName}`;
}

/** Pods the watcher saw unschedulable (`namespace/name`); repeats are harmless. Sent with signal-with-start. */
export const podsPendingSignal = defineSignal<[string[]]>('podsPending');
/** Stops planning new NodeClaims until resumed (pending pods keep accumulating). */
export const pauseSignal = defineSignal<[{ reason?: string }?]>('pause');
export const resumeSignal = defineSignal<[]>('resume');
export const provisioningStateQuery = defineQuery<ProvisioningState>('state');
