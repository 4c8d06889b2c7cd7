import { proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { GarbageCollectionActivities, GarbageCollected } from '../../activities/garbage-collection.js';

const acts = proxyActivities<GarbageCollectionActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '20 seconds', maximumAttempts: 5 },
});

/**
 * One garbage-collection pass, started by the cluster's Temporal Schedule: instances tagged for the cluster that no
 * NodeClaim claims (older than 30 s) are terminated; NodeClaims whose instance is gone are deleted.
 */
export async function garbageCollectionWorkflow(): Promise<GarbageCollected> {
  const result = await acts.collectGarbage();
  setCurrentDetails(
    `Terminated ${result.terminatedInstances.length} orphaned instance(s); deleted ${result.deletedNodeClaims.length} NodeClaim(s) without an instance`
  );
  return result;
}
