import { ApplicationFailure } from '@temporalio/common';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { DisruptOutcome } from '../activities/disruption/activities.js';
import { disruptUpdate, nodeClaimWorkflowId, type DisruptRequest } from '../workflows/nodeclaim/messages.js';

/**
 * Asks a NodeClaim's workflow to drain and terminate through its `disrupt` update, and says whether it agreed:
 * the workflow refuses (type `DisruptionBlocked`) when a do-not-disrupt pod appeared since the decision.
 */
export function temporalNodeClaimDisrupter(client: Client) {
  return async (name: string, request: DisruptRequest): Promise<DisruptOutcome> => {
    try {
      const result = await client.workflow
        .getHandle(nodeClaimWorkflowId(name))
        .executeUpdate(disruptUpdate, { args: [request] });
      return result.alreadyDisrupting ? { accepted: true, why: 'already disrupting' } : { accepted: true };
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) {
        const cause = err.cause;
        if (cause instanceof ApplicationFailure) return { accepted: false, why: `${cause.type}: ${cause.message}` };
        return { accepted: false, why: err.message };
      }
      if (err instanceof WorkflowNotFoundError) return { accepted: false, why: `no running workflow for ${name}` };
      throw err;
    }
  };
}
