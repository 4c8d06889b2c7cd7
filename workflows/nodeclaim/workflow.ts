import {
  ActivityFailure,
  type ActivityOptions,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { NodeClaimActivities } from '../../activities/nodeclaim/activities.js';
import type { NodeClaimSnapshot } from '../../activities/nodeclaim/ports.js';
import { ConditionTypes, setCondition, type Condition } from '../../core/lifecycle/conditions.js';
import { initializationBlocker } from '../../core/lifecycle/node-observation.js';
import { toQuantities } from '../../core/lifecycle/resource-quantities.js';
import {
  CapacityTypeKey,
  InstanceTypeKey,
  NodeClaimKey,
  NodePoolKey,
  PhaseKey,
  ZoneKey,
} from '../search-attributes.js';
import {
  disruptUpdate,
  instanceGoneSignal,
  nodeClaimDeletingSignal,
  nodeDeletingSignal,
  nodeObservedSignal,
  stateQuery,
  type DisruptRequest,
  type DisruptResult,
} from './messages.js';
import {
  DEFAULT_LIFECYCLE_SETTINGS,
  parseKarpenterDuration,
  recordDecision,
  type NodeClaimState,
  type NodeClaimWorkflowInput,
} from './state.js';
import {
  bounded,
  checkDisruptRequest,
  checkNodeObservation,
  describeProblem,
  invalidPayload,
  LIMITS,
} from '../payloads.js';

const TERMINATION_FINALIZER = 'karpenter.sh/termination';
const UNREGISTERED_TAINT = { key: 'karpenter.sh/unregistered', effect: 'NoExecute' };

// Kubernetes reads and writes: short, retried with backoff until they succeed (the apiserver may be briefly away).
const kube = proxyActivities<NodeClaimActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', backoffCoefficient: 2 },
});
// The same short reads and writes, run by the worker inside the workflow task (no task-queue round trip).
const kubeLocal = proxyLocalActivities<NodeClaimActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', backoffCoefficient: 2 },
});
// A drain step evicts many pods and heartbeats while it does, so a dead worker is noticed in 10 s.
const drain = proxyActivities<NodeClaimActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', backoffCoefficient: 2 },
});
// Cloud create: typed failures come back at once; transient ones get a few quick retries, then the workflow's own
// loop records Launched=Unknown and tries again until the launch timeout.
const LAUNCH_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  // The launch heartbeats while CreateFleet runs: a worker killed mid-launch is noticed in 10 s, not 2 min.
  heartbeatTimeout: '10 seconds',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '10 seconds',
    maximumAttempts: 3,
    nonRetryableErrorTypes: ['InsufficientCapacity', 'NodeClassNotReady', 'CreateError'],
  },
};
const launch = proxyActivities<NodeClaimActivities>(LAUNCH_OPTIONS);
// Terminate-until-gone loops inside the activity and heartbeats, so a dead worker is noticed within 30 s.
const TERMINATE_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '30 seconds' },
};
const terminate = proxyActivities<NodeClaimActivities>(TERMINATE_OPTIONS);

function failureType(err: unknown): { type?: string; message: string; details: unknown[] } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure)
    return { type: cause.type ?? undefined, message: cause.message, details: cause.details ?? [] };
  return { message: (cause as Error)?.message ?? String(cause), details: [] };
}

/** Rejects a bad `disrupt` before it enters history: a typed failure naming the field, never a task failure. */
function validateDisrupt(request: unknown, state: NodeClaimState): void {
  const checked = checkDisruptRequest(request);
  if (!checked.ok) throw invalidPayload('disrupt', checked);
  if (state.phase === 'Terminated') {
    throw ApplicationFailure.create({
      type: 'NodeClaimTerminated',
      nonRetryable: true,
      message: `disrupt: NodeClaim ${state.name} is already terminated`,
    });
  }
}

/**
 * The whole life of one NodeClaim, as Karpenter's lifecycle and termination controllers run it: launch, register,
 * initialize, run until disrupted / expired / deleted, drain, terminate. Every wait is a durable timer or a
 * signal; every side effect is an idempotent activity; the NodeClaim's conditions mirror each step.
 */
export async function nodeClaimWorkflow(input: NodeClaimWorkflowInput): Promise<NodeClaimState> {
  const now = (): Date => new Date();
  const state: NodeClaimState = input.state ?? {
    name: input.nodeClaimName,
    phase: 'Launching',
    conditions: [],
    launchAttempted: false,
    timings: { startedAt: now().toISOString() },
    decisions: [],
    settings: { ...DEFAULT_LIFECYCLE_SETTINGS, ...input.settings },
  };
  const settings = state.settings;
  let claim: NodeClaimSnapshot | undefined;

  const terminationRequested = (): boolean =>
    Boolean(state.terminationReason || state.disruption || state.externalDeletion);

  const markExternalDeletion = (what: 'NodeClaim' | 'Node' | 'Instance'): void => {
    if (state.externalDeletion) return;
    state.externalDeletion = { what, at: now().toISOString() };
    recordDecision(
      state,
      `${what} deletion observed`,
      `the ${what.toLowerCase()} is being deleted outside this workflow`,
      now()
    );
  };

  setHandler(stateQuery, () => state);
  setHandler(nodeObservedSignal, (payload: unknown) => {
    // Only the checked copy is stored: a malformed taint kept in state would fail every later workflow task.
    const checked = checkNodeObservation(payload);
    if (!checked.ok) {
      log.warn('ignored a malformed nodeObserved signal', {
        nodeClaim: state.name,
        problem: describeProblem('nodeObserved', checked),
      });
      return;
    }
    const observation = checked.value;
    if (state.launched && observation.providerID !== state.launched.providerID) return;
    state.node = observation;
    if (observation.deleting && state.nodeName === observation.name) markExternalDeletion('Node');
  });
  setHandler(nodeClaimDeletingSignal, () => markExternalDeletion('NodeClaim'));
  setHandler(nodeDeletingSignal, () => {
    if (state.nodeName) markExternalDeletion('Node');
  });
  setHandler(instanceGoneSignal, () => {
    if (state.launched) markExternalDeletion('Instance');
  });
  setHandler(
    disruptUpdate,
    async (request: DisruptRequest): Promise<DisruptResult> => {
      if (terminationRequested()) return { accepted: true, alreadyDisrupting: true, phase: state.phase };
      if (!request.force && state.nodeName) {
        const blockers = await kube.disruptionBlockers(state.nodeName);
        if (blockers.length > 0) {
          throw ApplicationFailure.create({
            type: 'DisruptionBlocked',
            nonRetryable: true,
            message: `NodeClaim ${state.name} is protected by karpenter.sh/do-not-disrupt: ${blockers.join(', ')}; disrupt with force to override`,
          });
        }
      }
      if (terminationRequested()) return { accepted: true, alreadyDisrupting: true, phase: state.phase };
      state.disruption = {
        reason: request.reason.trim(),
        force: Boolean(request.force),
        // Bounded here too: a request accepted before the validator bounded it replays through this handler.
        requestedBy: bounded(request.requestedBy ?? 'unknown', LIMITS.requestedBy),
        at: now().toISOString(),
      };
      recordDecision(
        state,
        'disruption accepted',
        `${request.reason.trim()} (by ${state.disruption.requestedBy}${request.force ? ', forced' : ''})`,
        now()
      );
      return { accepted: true, alreadyDisrupting: false, phase: state.phase };
    },
    { validator: (request: DisruptRequest) => validateDisrupt(request, state) }
  );

  const publish = (): void => {
    const pairs = [
      { key: NodeClaimKey, value: state.name },
      { key: PhaseKey, value: state.phase },
      ...(state.nodePool ? [{ key: NodePoolKey, value: state.nodePool }] : []),
      ...(state.instanceType ? [{ key: InstanceTypeKey, value: state.instanceType }] : []),
      ...(state.zone ? [{ key: ZoneKey, value: state.zone }] : []),
      ...(state.capacityType ? [{ key: CapacityTypeKey, value: state.capacityType }] : []),
    ];
    upsertSearchAttributes(pairs);
    setCurrentDetails(describe(state));
  };

  const writeCondition = async (
    type: string,
    status: Condition['status'],
    reason: string,
    message: string,
    extra: Record<string, unknown> = {}
  ): Promise<void> => {
    state.conditions = setCondition(state.conditions, type, status, reason, message, now());
    await kube.writeNodeClaimStatus(state.name, { conditions: state.conditions, ...extra });
  };

  const beginTermination = async (reason: string, why: string): Promise<void> => {
    if (state.phase === 'Draining' || state.phase === 'Terminating' || state.phase === 'Terminated') return;
    state.terminationReason ??= reason;
    state.timings.disruptionAt ??= now().toISOString();
    recordDecision(state, `terminate: ${reason}`, why, now());
    const deletionTimestamp = await kube.deleteNodeClaim(state.name);
    if (deletionTimestamp) state.deletionTimestamp = deletionTimestamp;
    if (state.disruption) {
      // The disruption loop's requests carry its reason (Empty, Drifted, Underutilized, Expired) first.
      const loop = /^(Empty|Drifted|Underutilized|Expired|Interrupted)\b/.exec(state.disruption.reason);
      const kind = loop && state.disruption.requestedBy !== 'cli' ? loop[1]! : 'ManualDisruption';
      await writeCondition(ConditionTypes.DisruptionReason, 'True', kind, state.disruption.reason);
    }
    // Without a registered Node there is nothing to drain; an instance that vanished cannot be drained either.
    state.phase = state.nodeName && state.externalDeletion?.what !== 'Instance' ? 'Draining' : 'Terminating';
    publish();
  };

  const terminationCause = (): [string, string] => {
    if (state.disruption) return ['Disrupted', state.disruption.reason];
    if (state.externalDeletion)
      return [`${state.externalDeletion.what}Deleted`, `the ${state.externalDeletion.what} was deleted`];
    return [state.terminationReason ?? 'Terminated', state.terminationReason ?? 'terminated'];
  };

  const absorb = (snapshot: NodeClaimSnapshot): void => {
    claim = snapshot;
    state.uid = snapshot.metadata.uid;
    state.nodePool = snapshot.metadata.labels?.['karpenter.sh/nodepool'] ?? state.nodePool;
    const expire = parseKarpenterDuration(snapshot.spec.expireAfter ?? '720h');
    if (expire !== undefined) state.expireAfterMs = expire;
    const tgp = parseKarpenterDuration(snapshot.spec.terminationGracePeriod);
    if (tgp !== undefined) state.terminationGracePeriodMs = tgp;
    if (snapshot.metadata.deletionTimestamp) state.deletionTimestamp = snapshot.metadata.deletionTimestamp;
  };

  async function launchPhase(): Promise<void> {
    // A local activity: read-and-finalize runs inside the first workflow task, so the launch is scheduled in the same
    // task instead of after an activity dispatch and a second workflow task (~0.3 s of pending -> CreateFleet on the
    // test bed). Patched: older histories scheduled it as a normal activity.
    const snapshot = patched('claim-nodeclaim-locally')
      ? await kubeLocal.claimNodeClaim(state.name)
      : await kube.claimNodeClaim(state.name);
    if (!snapshot) {
      recordDecision(state, 'nothing to manage', `NodeClaim ${state.name} does not exist`, now());
      state.phase = 'Terminated';
      return;
    }
    absorb(snapshot);
    publish();
    if (snapshot.metadata.deletionTimestamp) markExternalDeletion('NodeClaim');
    const deadline = Date.parse(state.timings.startedAt) + settings.launchTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      if (terminationRequested()) return beginTermination(...terminationCause());
      state.launchAttempted = true;
      try {
        const launched = await launch.launchInstance.executeWithOptions(
          { ...LAUNCH_OPTIONS, summary: `launch an instance for NodeClaim ${state.name}` },
          [snapshot]
        );
        state.launched = launched;
        state.instanceType = launched.labels['node.kubernetes.io/instance-type'];
        state.zone = launched.labels['topology.kubernetes.io/zone'];
        state.capacityType = launched.labels['karpenter.sh/capacity-type'];
        if (launched.price !== undefined) state.price = launched.price;
        state.timings.launchedAt = now().toISOString();
        state.conditions = setCondition(state.conditions, ConditionTypes.Launched, 'True', 'Launched', '', now());
        recordDecision(
          state,
          'launched',
          `${state.instanceType} ${state.capacityType} in ${state.zone} (${launched.providerID})`,
          now()
        );
        await kube.recordLaunch(
          state.name,
          { ...launched.labels, ...snapshot.metadata.labels },
          // The provider's annotations (e.g. the EC2NodeClass hash that static drift compares against).
          (launched as { annotations?: Record<string, string> }).annotations ?? {},
          {
            providerID: launched.providerID,
            ...(launched.imageID ? { imageID: launched.imageID } : {}),
            capacity: toQuantities(launched.capacity),
            allocatable: toQuantities(launched.allocatable),
            conditions: state.conditions,
          }
        );
        state.phase = 'Registering';
        publish();
        return;
      } catch (err) {
        const failure = failureType(err);
        if (failure.type === 'InsufficientCapacity' || failure.type === 'NodeClassNotReady') {
          await writeCondition(ConditionTypes.Launched, 'False', failure.type, failure.message);
          return beginTermination(failure.type, failure.message);
        }
        const reason =
          failure.type === 'CreateError'
            ? ((failure.details[0] as { reason?: string })?.reason ?? 'LaunchFailed')
            : 'LaunchFailed';
        await writeCondition(ConditionTypes.Launched, 'Unknown', reason, failure.message);
        const left = deadline - now().getTime();
        if (left <= 0) {
          return beginTermination(
            'LaunchTimeout',
            `not launched within ${settings.launchTimeoutMs / 1000} s: ${failure.message}`
          );
        }
        await sleep(Math.min(1000 * 2 ** attempt, 30_000, left));
      }
    }
  }

  async function registerPhase(): Promise<void> {
    const providerID = state.launched!.providerID;
    const deadline = Date.parse(state.timings.launchedAt!) + settings.registrationTimeoutMs;
    const matches = (): boolean => state.node?.providerID === providerID;
    while (!matches()) {
      if (terminationRequested()) return beginTermination(...terminationCause());
      const left = deadline - now().getTime();
      if (left <= 0) {
        const why = `no Node with providerID ${providerID} registered within ${settings.registrationTimeoutMs / 1000} s`;
        await writeCondition(ConditionTypes.Registered, 'False', 'RegistrationTimeout', why);
        return beginTermination('RegistrationTimeout', why);
      }
      if (!state.conditions.some((c) => c.type === ConditionTypes.Registered)) {
        await writeCondition(ConditionTypes.Registered, 'Unknown', 'NodeNotFound', 'Node not registered with cluster');
      }
      const signalled = await condition(
        () => matches() || terminationRequested(),
        Math.min(left, settings.observeIntervalMs)
      );
      if (!signalled) {
        const observed = await kube.findNode(providerID);
        if (observed) state.node = observed;
      }
    }
    const node = state.node!;
    state.nodeName = node.name;
    const spec = claim?.spec;
    const labels = claim?.metadata.labels ?? {};
    const syncTaints = labels['karpenter.sh/do-not-sync-taints'] !== 'true';
    await kube.syncNode(node.name, {
      labels: { ...state.launched!.labels, ...labels, 'karpenter.sh/registered': 'true' },
      annotations: claim?.metadata.annotations ?? {},
      taints: syncTaints ? [...(spec?.taints ?? []), ...(spec?.startupTaints ?? [])] : [],
      removeTaints: [UNREGISTERED_TAINT],
      finalizer: TERMINATION_FINALIZER,
      owner: { apiVersion: 'karpenter.sh/v1', kind: 'NodeClaim', name: state.name, uid: state.uid ?? '' },
    });
    // Added after the first NodeClaim workflows ran: patched, so those replay unchanged.
    if (patched('tag-registered-instance')) await kube.tagRegisteredInstance(providerID, node.name, state.name);
    state.timings.registeredAt = now().toISOString();
    recordDecision(state, 'registered', `Node ${node.name} joined with providerID ${providerID}`, now());
    await writeCondition(ConditionTypes.Registered, 'True', 'Registered', '', { nodeName: node.name });
    state.phase = 'Initializing';
    publish();
  }

  async function initializePhase(): Promise<void> {
    const startupTaints = claim?.spec.startupTaints ?? [];
    const requested = Object.keys(claim?.spec.resources?.requests ?? {});
    let lastBlocker: string | undefined;
    for (;;) {
      if (terminationRequested()) return beginTermination(...terminationCause());
      const blocker = state.node
        ? initializationBlocker(state.node, startupTaints, requested)
        : 'the node has not been observed';
      if (!blocker) break;
      if (blocker !== lastBlocker) {
        lastBlocker = blocker;
        await writeCondition(ConditionTypes.Initialized, 'Unknown', 'NotInitialized', blocker);
        setCurrentDetails(describe(state, blocker));
      }
      const before = state.node;
      const changed = await condition(
        () => state.node !== before || terminationRequested(),
        settings.observeIntervalMs
      );
      if (!changed) {
        const observed = await kube.readNode(state.nodeName!);
        if (observed) state.node = observed;
        else markExternalDeletion('Node');
      }
    }
    await kube.labelNode(state.nodeName!, { 'karpenter.sh/initialized': 'true' });
    state.timings.initializedAt = now().toISOString();
    recordDecision(state, 'initialized', `Node ${state.nodeName} is Ready with its startup taints gone`, now());
    await writeCondition(ConditionTypes.Initialized, 'True', 'Initialized', '');
    state.phase = 'Running';
    publish();
  }

  async function runPhase(): Promise<void> {
    const created = claim?.metadata.creationTimestamp ?? state.timings.startedAt;
    const expiresAt = state.expireAfterMs !== undefined ? Date.parse(created) + state.expireAfterMs : undefined;
    // A running node no longer re-reads the truth on its own timer: one cluster-wide sweep (the garbage-collection
    // pass) signals the few whose NodeClaim, Node or instance vanished. Thousands of idle workflows cost nothing.
    // Patched, so NodeClaims that entered Running before it replay their reconcile timers unchanged.
    const sweptByCluster = patched('reconcile-by-cluster-sweep');
    for (;;) {
      if (terminationRequested()) return beginTermination(...terminationCause());
      if (workflowInfo().continueAsNewSuggested) {
        await condition(allHandlersFinished);
        await continueAsNew<typeof nodeClaimWorkflow>({ nodeClaimName: state.name, state });
      }
      const wakeUp = () => terminationRequested() || workflowInfo().continueAsNewSuggested;
      const untilExpiry =
        expiresAt === undefined || state.expiredAt ? undefined : Math.max(1, expiresAt - now().getTime());
      if (sweptByCluster) {
        if (untilExpiry === undefined) {
          await condition(wakeUp);
          continue;
        }
        if (await condition(wakeUp, untilExpiry)) continue;
      } else {
        const woke = await condition(wakeUp, Math.min(settings.reconcileIntervalMs, untilExpiry ?? Infinity));
        if (woke) continue;
      }
      if (expiresAt !== undefined && !state.expiredAt && now().getTime() >= expiresAt) {
        const why = `expireAfter of ${Math.round(state.expireAfterMs! / 1000)} s reached`;
        // Added with the disruption loop: patched, so NodeClaims that expired before it replay unchanged.
        if (settings.expiration === 'budgeted' && patched('expiration-through-disruption-budgets')) {
          state.expiredAt = now().toISOString();
          recordDecision(
            state,
            'expired',
            `${why}; the disruption loop replaces it within its NodePool's budget`,
            now()
          );
          publish();
        } else {
          return beginTermination('Expired', why);
        }
      }
      if (sweptByCluster) continue;
      // The slow path of NodeClaims from before the sweep: re-read the truth in case a watcher signal was lost.
      const [current, node, instanceExists] = await Promise.all([
        kube.readNodeClaim(state.name),
        kube.readNode(state.nodeName!),
        kube.instanceExists(state.launched!.providerID),
      ]);
      if (!current || current.metadata.deletionTimestamp) markExternalDeletion('NodeClaim');
      else if (!node || node.deleting) markExternalDeletion('Node');
      else if (!instanceExists) markExternalDeletion('Instance');
      if (node) state.node = node;
    }
  }

  async function drainPhase(): Promise<void> {
    const nodeName = state.nodeName!;
    state.drain ??= { startedAt: now().toISOString(), tainted: false };
    if (!state.drain.tainted) {
      await kube.taintDisrupted(nodeName);
      state.drain.tainted = true;
    }
    const deadline =
      state.terminationGracePeriodMs !== undefined && state.deletionTimestamp
        ? new Date(Date.parse(state.deletionTimestamp) + state.terminationGracePeriodMs).toISOString()
        : null;
    let backoff = 1000;
    for (;;) {
      const progress = await drain.drainStep(nodeName, deadline);
      if (progress.nodeGone) break;
      const elapsed = now().getTime() - Date.parse(state.drain.startedAt);
      if (progress.remaining === 0 && elapsed >= settings.minDrainTimeMs) break;
      const blocked = [
        progress.blockedByBudget.length
          ? `refused by a PodDisruptionBudget: ${progress.blockedByBudget.join(', ')}`
          : '',
        progress.blockedByDoNotDisrupt.length ? `do-not-disrupt: ${progress.blockedByDoNotDisrupt.join(', ')}` : '',
      ].filter(Boolean);
      const message = `${progress.remaining} pod(s) left${progress.tier ? ` in tier ${progress.tier}` : ''}${blocked.length ? `; ${blocked.join('; ')}` : ''}`;
      if (message !== state.drain.lastProgress) {
        state.drain.lastProgress = message;
        await writeCondition(ConditionTypes.Drained, 'Unknown', 'Draining', message);
        setCurrentDetails(describe(state, message));
      }
      const madeProgress = progress.evicted.length > 0 || progress.forceDeleted.length > 0;
      backoff = madeProgress ? 1000 : Math.min(backoff * 2, settings.drainRetryMaxMs);
      const wait = progress.remaining === 0 ? Math.max(1, settings.minDrainTimeMs - elapsed) : backoff;
      await sleep(wait);
      if (workflowInfo().continueAsNewSuggested) {
        await condition(allHandlersFinished);
        await continueAsNew<typeof nodeClaimWorkflow>({ nodeClaimName: state.name, state });
      }
    }
    state.timings.drainedAt = now().toISOString();
    recordDecision(state, 'drained', `every evictable pod left Node ${nodeName}`, now());
    await writeCondition(ConditionTypes.Drained, 'True', 'Drained', '');
    for (;;) {
      const attachments = await kube.volumeAttachments(nodeName);
      if (attachments.length === 0) {
        await writeCondition(ConditionTypes.VolumesDetached, 'True', 'VolumesDetached', '');
        break;
      }
      if (deadline && now().getTime() >= Date.parse(deadline)) {
        await writeCondition(
          ConditionTypes.VolumesDetached,
          'False',
          'TerminationGracePeriodElapsed',
          attachments.join(', ')
        );
        break;
      }
      await writeCondition(
        ConditionTypes.VolumesDetached,
        'Unknown',
        'AwaitingVolumeDetachment',
        attachments.join(', ')
      );
      await sleep(2000);
    }
    state.phase = 'Terminating';
    publish();
  }

  async function terminatePhase(): Promise<void> {
    if (state.launchAttempted && claim) {
      await writeCondition(ConditionTypes.InstanceTerminating, 'True', 'InstanceTerminating', '');
      await terminate.terminateInstance.executeWithOptions(
        { ...TERMINATE_OPTIONS, summary: `terminate the instance of ${state.name}` },
        [
          {
            ...claim,
            status: { ...claim.status, ...(state.launched ? { providerID: state.launched.providerID } : {}) },
          },
          settings.terminatePollMs,
        ]
      );
      recordDecision(
        state,
        'instance terminated',
        state.launched?.providerID ?? 'no instance had been launched',
        now()
      );
    }
    if (state.nodeName) await kube.releaseNode(state.nodeName);
    await kube.releaseNodeClaim(state.name);
    state.timings.terminatedAt = now().toISOString();
    state.phase = 'Terminated';
    publish();
  }

  // After continue-as-new the NodeClaim object is read again; the phase carries on where it was.
  if (input.state && state.phase !== 'Terminated') {
    const snapshot = await kube.readNodeClaim(state.name);
    if (snapshot) absorb(snapshot);
  }
  publish();
  while (state.phase !== 'Terminated') {
    switch (state.phase) {
      case 'Launching':
        await launchPhase();
        break;
      case 'Registering':
        await registerPhase();
        break;
      case 'Initializing':
        await initializePhase();
        break;
      case 'Running':
        await runPhase();
        break;
      case 'Draining':
        await drainPhase();
        break;
      case 'Terminating':
        await terminatePhase();
        break;
    }
  }
  await condition(allHandlersFinished);
  return state;
}

/** The workflow's current details in plain words, shown in the Temporal UI. */
function describe(state: NodeClaimState, detail?: string): string {
  const lines = [
    `**${state.phase}** — NodeClaim \`${state.name}\`${state.nodePool ? ` of NodePool \`${state.nodePool}\`` : ''}`,
  ];
  if (state.instanceType)
    lines.push(
      `Instance: ${state.instanceType} (${state.capacityType}) in ${state.zone}, ${state.launched?.providerID}`
    );
  if (state.nodeName) lines.push(`Node: ${state.nodeName}`);
  if (state.terminationReason) lines.push(`Terminating because: ${state.terminationReason}`);
  if (detail) lines.push(detail);
  const last = state.decisions[state.decisions.length - 1];
  if (last) lines.push(`Last decision: ${last.what} — ${last.why}`);
  return lines.join('\n\n');
}
