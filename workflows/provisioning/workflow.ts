import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { ProvisioningActivities } from '../../activities/provisioning/activities.js';
import { podsPendingSignal, pauseSignal, provisioningStateQuery, resumeSignal } from './messages.js';
import {
  DEFAULT_PROVISIONING_SETTINGS,
  type ProvisioningState,
  type ProvisioningWorkflowInput,
  type RoundSummary,
} from './state.js';
import { countNominated, newNominations, nominatedPods } from '../../core/provisioning/nominations.js';
import { checkPauseRequest, checkPodKeys, describeProblem } from '../payloads.js';

const acts = proxyActivities<ProvisioningActivities>({
  // Karpenter bounds a scheduling simulation at 1 minute; the snapshot read and catalogue come on top.
  startToCloseTimeout: '3 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '20 seconds', backoffCoefficient: 2 },
});

const MAX_ROUNDS_KEPT = 20;
const ROUNDS_PER_RUN = 100;

/**
 * The cluster's one provisioner (id `provisioner/<cluster>`): collects pending pods from the watcher's signals,
 * closes a batch after 1 s without new pods or 10 s at most, plans the batch in one activity, creates the
 * planned NodeClaims (whose names derive from this workflow's identity and round, so a replay or retry never
 * creates one twice) and starts their workflows, nominates the pods and records Events on them.
 */
export async function provisioningWorkflow(input: ProvisioningWorkflowInput): Promise<void> {
  const state: ProvisioningState = input.state ?? {
    clusterName: input.clusterName,
    settings: { ...DEFAULT_PROVISIONING_SETTINGS, ...input.settings },
    pending: {},
    nominated: {},
    round: 0,
    rounds: [],
  };
  // Counted as keys arrive, not with Object.keys: conditions are re-checked after every signal, and 20,000 pods
  // in ~4,000 signals made that O(pods x signals) (8 s of one workflow task on the test bed, near its timeout).
  let pendingSize = Object.keys(state.pending).length;
  const pendingCount = (): number => pendingSize;
  const nominatedCount = (): number =>
    state.nominated ? countNominated(state.nominated) : Object.keys(state.nominations ?? {}).length;
  const shouldContinueAsNew = (): boolean => workflowInfo().continueAsNewSuggested;

  setHandler(podsPendingSignal, (payload: unknown) => {
    const checked = checkPodKeys(payload);
    if (!checked.ok) {
      log.warn('ignored a malformed podsPending signal', { problem: describeProblem('podsPending', checked) });
      return;
    }
    if (checked.value.dropped > 0) {
      log.warn('dropped pod keys that are not namespace/name', { dropped: checked.value.dropped });
    }
    for (const key of checked.value.keys) {
      if (state.pending[key]) continue;
      state.pending[key] = true;
      pendingSize += 1;
    }
  });
  setHandler(pauseSignal, (request: unknown) => {
    state.paused = { reason: checkPauseRequest(request).reason, at: new Date().toISOString() };
    setCurrentDetails(`**Paused**: ${state.paused.reason}. ${pendingCount()} pod(s) waiting.`);
  });
  setHandler(resumeSignal, () => {
    delete state.paused;
  });
  setHandler(provisioningStateQuery, () => state);

  const provisionerKey = workflowInfo().firstExecutionRunId;
  const eventWrites = new Set<Promise<void>>();
  // Pod Events are best effort and slow in bulk (a 1,000-pod round writes 1,000 Events: ~15 s on the test bed).
  // Written while the next batch gathers rather than before it opens, as Karpenter's asynchronous recorder does;
  // awaited before continue-as-new.
  const inBackground = (written: Promise<void>): void => {
    eventWrites.add(written);
    void written.finally(() => eventWrites.delete(written)).catch(() => undefined);
  };

  type Round = Omit<RoundSummary, 'round' | 'at'> & { skippedNodePools: { nodePool: string; reason: string }[] };

  async function planGroupedRound(): Promise<Round> {
    const previous = state.nominated ?? nominatedPods(state.nominations ?? {});
    delete state.nominations;
    const plan = await acts.planBatch({ provisionerKey, round: state.round, nominated: previous });
    state.nominated = plan.nominated;
    if (plan.nodeClaims.length > 0) {
      await acts.createNodeClaims(plan.nodeClaims.map((c) => ({ name: c.name, manifest: c.manifest })));
    }
    const told = { nominated: newNominations(previous, plan.nominated), unschedulable: plan.unschedulable };
    if (Object.keys(told.nominated).length > 0 || Object.keys(told.unschedulable).length > 0)
      inBackground(acts.recordRoundEvents(told, state.round, provisionerKey));
    return {
      pods: plan.pendingPods,
      nodeClaims: plan.nodeClaims.map(
        (c) => `${c.name} (${c.launch.instanceType} ${c.launch.capacityType}, ${c.podCount} pods)`
      ),
      unschedulable: plan.unschedulableCount,
      hourlyCost: plan.hourlyCost,
      solveMs: plan.solveMs,
      skippedNodePools: plan.skippedNodePools,
    };
  }

  /** The round as runs before `grouped-nominations` made it: kept so that their histories replay. */
  async function planPerPodRound(): Promise<Round> {
    const nominations = state.nominations ?? {};
    const plan = await acts.planProvisioning({ provisionerKey, round: state.round, nominations });
    state.nominations = Object.fromEntries(
      Object.entries(plan.nominations).map(([pod, n]) => [
        pod,
        { nodeClaim: n.nodeClaim, since: nominations[pod]?.since ?? new Date().toISOString() },
      ])
    );
    if (plan.nodeClaims.length > 0) {
      await acts.createNodeClaims(plan.nodeClaims.map((c) => ({ name: c.name, manifest: c.manifest })));
    }
    if (plan.events.length > 0) {
      // Patched: older histories awaited the Events here.
      if (patched('pod-events-in-background'))
        inBackground(acts.recordPodEvents(plan.events, state.round, provisionerKey));
      else await acts.recordPodEvents(plan.events, state.round, provisionerKey);
    }
    return {
      pods: plan.pendingPods,
      nodeClaims: plan.nodeClaims.map(
        (c) => `${c.name} (${c.launch.instanceType} ${c.launch.capacityType}, ${c.pods.length} pods)`
      ),
      unschedulable: plan.unschedulable,
      hourlyCost: plan.hourlyCost,
      solveMs: plan.solveMs,
      skippedNodePools: plan.skippedNodePools,
    };
  }

  for (let roundsThisRun = 0; ; roundsThisRun++) {
    await condition(() => (pendingCount() > 0 && !state.paused) || shouldContinueAsNew());
    if (shouldContinueAsNew() || roundsThisRun >= ROUNDS_PER_RUN) {
      await Promise.allSettled([...eventWrites]);
      await condition(allHandlersFinished);
      await continueAsNew<typeof provisioningWorkflow>({ clusterName: state.clusterName, state });
    }

    // The batch window: close after `idle` without a new pod, or `max` after it opened.
    const opened = Date.now();
    let seen = pendingCount();
    for (;;) {
      const left = state.settings.batchMaxMs - (Date.now() - opened);
      if (left <= 0) break;
      const grew = await condition(() => pendingCount() !== seen, Math.min(state.settings.batchIdleMs, left));
      if (!grew) break;
      seen = pendingCount();
    }
    const batch = pendingCount();
    state.pending = {};
    pendingSize = 0;
    state.round += 1;

    // Patched: older runs planned with one nomination record and one Event record per pod, in the activity's
    // result, which put a 10,000-pod round over Temporal's 2 MB payload limit.
    const round = patched('grouped-nominations') ? await planGroupedRound() : await planPerPodRound();
    const { skippedNodePools, ...summary } = round;
    state.rounds.push({ round: state.round, at: new Date().toISOString(), ...summary });
    if (state.rounds.length > MAX_ROUNDS_KEPT) state.rounds.splice(0, state.rounds.length - MAX_ROUNDS_KEPT);
    setCurrentDetails(
      [
        `**Round ${state.round}**: ${batch} signalled, ${round.pods} pending pod(s) solved in ${round.solveMs} ms`,
        `NodeClaims created: ${round.nodeClaims.length ? round.nodeClaims.join(', ') : 'none'} ($${round.hourlyCost}/h)`,
        `Unschedulable: ${round.unschedulable}; nominated to launching NodeClaims: ${nominatedCount()}`,
        ...(skippedNodePools.length
          ? [`Skipped NodePools: ${skippedNodePools.map((s) => `${s.nodePool} (${s.reason})`).join('; ')}`]
          : []),
      ].join('\n\n')
    );
  }
}
