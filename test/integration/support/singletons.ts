import { WorkflowNotFoundError, type Client } from '@temporalio/client';

/**
 * The provisioner and the disruption loop are per-cluster singletons (one workflow id per cluster). A suite that
 * runs its own worker terminates whatever an earlier suite left running, so the next signal-with-start begins a
 * fresh one on this suite's task queue.
 */
export async function terminateSingletons(client: Client, workflowIds: string[], reason: string): Promise<void> {
  for (const id of workflowIds) {
    try {
      await client.workflow.getHandle(id).terminate(reason);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err; // none running: nothing to end
    }
  }
}
