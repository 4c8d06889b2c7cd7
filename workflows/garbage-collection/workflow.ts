import { patched, proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { GarbageCollectionActivities, GarbageCollected } from '../../activities/garbage-collection.js';
import type { LifecycleSweepActivities } from '../../activities/lifecycle-sweep.js';
import type { LostNodeClaimPart } from '../../core/lifecycle/lost-parts.js';

const acts = proxyActivities<GarbageCollectionActivities & LifecycleSweepActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '20 seconds', maximumAttempts: 5 },
});

/**
 * One garbage-collection pass, started by the cluster's Temporal Schedule: instances tagged for the cluster that no
 * NodeClaim claims (older than 30 s) are terminated; NodeClaims whose instance is gone are deleted; then running
 * NodeClaims whose NodeClaim, Node or instance vanished unseen are told so (the lifecycle sweep).
 */
export async function garbageCollectionWorkflow(): Promise<GarbageCollected & { lost?: LostNodeClaimPart[] }> {
  const result = await acts.collectGarbage();
  const details = [
    `Terminated ${result.terminatedInstances.length} orphaned instance(s); deleted ${result.deletedNodeClaims.length} NodeClaim(s) without an instance`,
  ];
  // Added when running NodeClaims stopped re-reading the truth on their own timers: patched for passes in flight.
  if (!patched('lifecycle-sweep')) {
    setCurrentDetails(details[0]!);
    return result;
  }
  const lost = await acts.sweepLifecycles();
  details.push(
    lost.length === 0
      ? 'Every running NodeClaim has its NodeClaim, Node and instance'
      : `Told ${lost.length} running NodeClaim(s) what they lost: ${lost.map((l) => `${l.nodeClaim} (${l.lost})`).join(', ')}`
  );
  setCurrentDetails(details.join('\n\n'));
  return { ...result, lost };
}
