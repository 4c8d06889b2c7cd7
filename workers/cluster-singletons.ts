import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { disruptionWorkflowId } from '../workflows/disruption/messages.js';
import type { DisruptionSettings, DisruptionWorkflowInput } from '../workflows/disruption/state.js';
import { garbageCollectionScheduleId } from '../workflows/garbage-collection/messages.js';
import { interruptionWorkflowId } from '../workflows/interruption/messages.js';

/**
 * Starts the cluster's long-lived workflows if they are not running: the disruption loop and the interruption
 * consumer (fixed ids: a second worker finds them running and does nothing), and the garbage-collection Schedule
 * (created, or pointed at this worker's task queue and interval).
 */
export async function ensureClusterSingletons(
  client: Client,
  options: {
    clusterName: string;
    taskQueue: string;
    disruption: Partial<DisruptionSettings>;
    gcIntervalSeconds: number;
    interruption: boolean;
  }
): Promise<void> {
  const { clusterName, taskQueue } = options;
  const input: DisruptionWorkflowInput = { clusterName, settings: options.disruption };
  await client.workflow.start('disruptionWorkflow', {
    workflowId: disruptionWorkflowId(clusterName),
    taskQueue,
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    staticSummary: `Disruption loop of cluster ${clusterName}`,
    staticDetails: 'Emptiness, expiration, drift, multi-node and single-node consolidation, within NodePool budgets.',
  });
  if (options.interruption) {
    await client.workflow.start('interruptionWorkflow', {
      workflowId: interruptionWorkflowId(clusterName),
      taskQueue,
      args: [{ clusterName }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      staticSummary: `Interruption queue consumer of cluster ${clusterName}`,
    });
  }
  const scheduleId = garbageCollectionScheduleId(clusterName);
  const action = {
    type: 'startWorkflow' as const,
    workflowType: 'garbageCollectionWorkflow',
    workflowId: `${scheduleId}/run`,
    taskQueue,
    args: [],
    // A run whose worker went away must not hold the schedule (overlap SKIP) for ever.
    workflowExecutionTimeout: '10 minutes',
  };
  const spec = { intervals: [{ every: `${options.gcIntervalSeconds} seconds` }] };
  try {
    await client.schedule.create({
      scheduleId,
      spec,
      action,
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
      memo: { purpose: 'orphaned instances and NodeClaims without instances' },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec, action }));
  }
}
