// Where provisioning's reaction time goes, per pod and per stage, from timestamps that already exist: a watch of the
// pods and NodeClaims (observed at millisecond precision here; creationTimestamps only have whole seconds), the
// provisioner's and the NodeClaim workflows' Temporal histories (event times, signal payloads, activity inputs and
// results), and the worker's log lines (`signalled the provisioner`, `planned provisioning round`, `created nodeclaim`,
// `called CreateFleet`). Used by bench:e2e and the sandbox. Figures, never assertions.
import {
  CoreV1Api,
  CustomObjectsApi,
  makeInformer,
  type Informer,
  type KubeConfig,
  type KubernetesObject,
  type V1Pod,
} from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { restartOnError } from '../adapters/kubernetes/informer-restart.js';

const EventType = proto.temporal.api.enums.v1.EventType;
type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;

/** What a watch saw of one pod, in this process's clock (ms since epoch). */
export interface PodSeen {
  key: string;
  created?: number;
  pending?: number;
  bound?: number;
}

/** What a watch saw of one NodeClaim. */
export interface NodeClaimSeen {
  name: string;
  created?: number;
  launched?: number;
}

const isUnschedulable = (pod: V1Pod): boolean =>
  pod.status?.conditions?.some(
    (c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable'
  ) ?? false;

/** Watches pods (one namespace, a label selector) and all NodeClaims, noting when each stage was first observed. */
export class ProvisioningWatch {
  readonly pods = new Map<string, PodSeen>();
  readonly nodeClaims = new Map<string, NodeClaimSeen>();
  private readonly informers: Informer<KubernetesObject>[] = [];
  private stopped = false;

  constructor(
    private readonly kc: KubeConfig,
    private readonly namespace: string,
    private readonly labelSelector: string
  ) {}

  // Informers, as the worker's watchers use: after a dropped watch they resume from the last resourceVersion. A
  // watch restarted from scratch replays every object first, and at 20,000 pods on a loaded machine kube-apiserver
  // closed that replay for unresponsiveness over and over, so binds went unseen.
  async start(): Promise<void> {
    const core = this.kc.makeApiClient(CoreV1Api);
    const custom = this.kc.makeApiClient(CustomObjectsApi);
    const pods = makeInformer<V1Pod>(
      this.kc,
      `/api/v1/namespaces/${this.namespace}/pods`,
      () => core.listNamespacedPod({ namespace: this.namespace, labelSelector: this.labelSelector }),
      this.labelSelector
    );
    const seePod = (pod: V1Pod): void => {
      if (!pod.metadata?.name) return;
      const now = Date.now();
      const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
      const seen = this.pods.get(key) ?? { key };
      seen.created ??= now;
      if (!seen.pending && isUnschedulable(pod)) seen.pending = now;
      if (!seen.bound && pod.spec?.nodeName) seen.bound = now;
      this.pods.set(key, seen);
    };
    pods.on('add', seePod);
    pods.on('update', seePod);
    const nodeClaims = makeInformer<WatchedNodeClaim>(
      this.kc,
      '/apis/karpenter.sh/v1/nodeclaims',
      async () =>
        (await custom.listClusterCustomObject({ group: 'karpenter.sh', version: 'v1', plural: 'nodeclaims' })) as never
    );
    const seeNodeClaim = (claim: WatchedNodeClaim): void => {
      if (!claim.metadata?.name) return;
      const now = Date.now();
      const name = claim.metadata.name;
      const seen = this.nodeClaims.get(name) ?? { name };
      seen.created ??= now;
      if (!seen.launched && claim.status?.conditions?.some((c) => c.type === 'Launched' && c.status === 'True'))
        seen.launched = now;
      this.nodeClaims.set(name, seen);
    };
    nodeClaims.on('add', seeNodeClaim);
    nodeClaims.on('update', seeNodeClaim);
    const log = pino({ level: 'warn' });
    restartOnError(pods, 'bench pods', log, () => this.stopped);
    restartOnError(nodeClaims, 'bench nodeclaims', log, () => this.stopped);
    this.informers.push(pods as never, nodeClaims as never);
    await Promise.all([pods.start(), nodeClaims.start()]);
  }

  stop(): void {
    this.stopped = true;
    for (const informer of this.informers) void informer.stop();
  }
}

interface WatchedNodeClaim extends KubernetesObject {
  status?: { conditions?: { type: string; status: string }[] };
}

const eventMs = (e: HistoryEvent): number => {
  const t = e.eventTime;
  return t ? Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : NaN;
};
const decode = (payload: proto.temporal.api.common.v1.IPayload | undefined | null): unknown =>
  payload?.data ? JSON.parse(Buffer.from(payload.data).toString('utf8')) : undefined;

async function histories(client: Client, workflowId: string): Promise<HistoryEvent[]> {
  const runs: { runId: string; start: number }[] = [];
  for await (const wf of client.workflow.list({ query: `WorkflowId = "${workflowId}"` }))
    runs.push({ runId: wf.runId, start: wf.startTime.getTime() });
  if (runs.length === 0) {
    const h = await client.workflow.getHandle(workflowId).fetchHistory();
    return h.events ?? [];
  }
  const events: HistoryEvent[] = [];
  for (const run of runs.sort((a, b) => a.start - b.start)) {
    const h = await client.workflow.getHandle(workflowId, run.runId).fetchHistory();
    events.push(...(h.events ?? []));
  }
  return events;
}

/** One provisioning round, from the provisioner's history. */
export interface RoundTimes {
  round: number;
  windowOpened: number;
  /** The last timer of the window fired (idle or max elapsed). */
  windowClosed: number;
  planScheduled: number;
  planStarted: number;
  planCompleted: number;
  createScheduled?: number;
  createStarted?: number;
  createCompleted?: number;
  plan: {
    nodeClaims: { name: string; pods: string[] }[];
    pendingPods: number;
    solveMs: number;
    timings?: { snapshotMs: number; catalogueMs: number; viewMs: number; solveMs: number };
  };
}

/** The plan activity of a round: `planBatch` (pods grouped by NodeClaim) or, in older runs, `planProvisioning`. */
const PLAN_ACTIVITIES = new Set(['planBatch', 'planProvisioning']);

/** A plan as either activity recorded it: the NodeClaims' pods are on each claim, or in `nominated` by its name. */
type RecordedPlan = Omit<RoundTimes['plan'], 'nodeClaims'> & {
  nodeClaims: { name: string; pods?: string[] }[];
  nominated?: Record<string, string[]>;
};

function claimsWithPods(plan: RecordedPlan): RoundTimes['plan'] {
  return {
    ...plan,
    nodeClaims: plan.nodeClaims.map((c) => ({ name: c.name, pods: c.pods ?? plan.nominated?.[c.name] ?? [] })),
  };
}

/** The provisioner's workflow tasks over all its runs: what signals and replays cost it (timeout: 10 s). */
export interface WorkflowTaskFigures {
  runs: number;
  tasks: number;
  longestMs: number;
  timedOut: number;
  /** Failed tasks by Temporal's WorkflowTaskFailedCause name. */
  failedCauses: Record<string, number>;
}

/** The provisioner's rounds, the time each pod key was first signalled, and its workflow tasks. */
export async function provisionerTimeline(
  client: Client,
  workflowId: string
): Promise<{ rounds: RoundTimes[]; signalled: Map<string, number>; workflowTasks: WorkflowTaskFigures }> {
  const events = await histories(client, workflowId);
  const workflowTasks: WorkflowTaskFigures = {
    runs: 0,
    tasks: 0,
    longestMs: 0,
    timedOut: 0,
    failedCauses: {},
  };
  const taskStarted = new Map<string, number>();
  const signalled = new Map<string, number>();
  const rounds: RoundTimes[] = [];
  const scheduled = new Map<string, { type: string; at: number; input: unknown }>();
  const started = new Map<string, number>();
  let windowOpened: number | undefined;
  let lastFired: number | undefined;
  let current: Partial<RoundTimes> | undefined;
  for (const e of events) {
    const at = eventMs(e);
    switch (e.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
        workflowTasks.runs += 1;
        break;
      case EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
        // Event ids restart with each run; the run count keeps the keys apart.
        taskStarted.set(`${workflowTasks.runs}/${e.eventId}`, at);
        break;
      case EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED: {
        const started = taskStarted.get(
          `${workflowTasks.runs}/${e.workflowTaskCompletedEventAttributes!.startedEventId}`
        );
        workflowTasks.tasks += 1;
        if (started !== undefined) workflowTasks.longestMs = Math.max(workflowTasks.longestMs, at - started);
        break;
      }
      case EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
        workflowTasks.timedOut += 1;
        break;
      case EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED: {
        const cause = e.workflowTaskFailedEventAttributes?.cause;
        const name = (cause != null && proto.temporal.api.enums.v1.WorkflowTaskFailedCause[cause]) || 'unknown';
        workflowTasks.failedCauses[name] = (workflowTasks.failedCauses[name] ?? 0) + 1;
        break;
      }
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED: {
        const attrs = e.workflowExecutionSignaledEventAttributes!;
        if (attrs.signalName !== 'podsPending') break;
        const keys = decode(attrs.input?.payloads?.[0]);
        if (Array.isArray(keys)) for (const k of keys) if (!signalled.has(String(k))) signalled.set(String(k), at);
        break;
      }
      case EventType.EVENT_TYPE_TIMER_STARTED:
        windowOpened ??= at;
        break;
      case EventType.EVENT_TYPE_TIMER_FIRED:
        lastFired = at;
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: {
        const attrs = e.activityTaskScheduledEventAttributes!;
        const type = attrs.activityType?.name ?? '';
        const input = decode(attrs.input?.payloads?.[0]);
        scheduled.set(String(e.eventId), { type, at, input });
        if (PLAN_ACTIVITIES.has(type)) {
          current = {
            round: (input as { round: number }).round,
            windowOpened: windowOpened ?? at,
            windowClosed: lastFired ?? at,
            planScheduled: at,
          };
          windowOpened = undefined;
          lastFired = undefined;
        } else if (type === 'createNodeClaims' && current) current.createScheduled = at;
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED: {
        const s = scheduled.get(String(e.activityTaskStartedEventAttributes!.scheduledEventId));
        if (!s || !current) break;
        started.set(String(e.activityTaskStartedEventAttributes!.scheduledEventId), at);
        if (PLAN_ACTIVITIES.has(s.type)) current.planStarted = at;
        if (s.type === 'createNodeClaims') current.createStarted = at;
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: {
        const attrs = e.activityTaskCompletedEventAttributes!;
        const s = scheduled.get(String(attrs.scheduledEventId));
        if (!s || !current) break;
        if (PLAN_ACTIVITIES.has(s.type)) {
          current.planCompleted = at;
          current.plan = claimsWithPods(decode(attrs.result?.payloads?.[0]) as RecordedPlan);
          rounds.push(current as RoundTimes);
        }
        if (s.type === 'createNodeClaims') current.createCompleted = at;
        break;
      }
      default:
        break;
    }
  }
  return { rounds, signalled, workflowTasks };
}

/** One NodeClaim workflow: started, and its launch activity scheduled / started / completed. */
export interface NodeClaimTimes {
  workflowStarted?: number;
  launchScheduled?: number;
  launchStarted?: number;
  launchCompleted?: number;
}

export async function nodeClaimTimeline(client: Client, name: string): Promise<NodeClaimTimes> {
  const events = await client.workflow
    .getHandle(`nodeclaim/${name}`)
    .fetchHistory()
    .then((h) => h.events ?? [])
    .catch(() => [] as HistoryEvent[]);
  const times: NodeClaimTimes = {};
  let launchId: string | undefined;
  for (const e of events) {
    const at = eventMs(e);
    if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED) times.workflowStarted ??= at;
    if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED && launchId === undefined) {
      if (e.activityTaskScheduledEventAttributes?.activityType?.name === 'launchInstance') {
        launchId = String(e.eventId);
        times.launchScheduled = at;
      }
    }
    if (
      e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED &&
      String(e.activityTaskStartedEventAttributes?.scheduledEventId) === launchId
    )
      times.launchStarted ??= at;
    if (
      e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED &&
      String(e.activityTaskCompletedEventAttributes?.scheduledEventId) === launchId
    )
      times.launchCompleted ??= at;
  }
  return times;
}

/** `called CreateFleet` lines of a worker log: NodeClaim -> first call's start and answer. */
export function createFleetCalls(workerLog: string): Map<string, { called: number; answered: number }> {
  const calls = new Map<string, { called: number; answered: number }>();
  for (const line of readFileSync(workerLog, 'utf8').split('\n')) {
    if (!line.includes('"called CreateFleet"')) continue;
    try {
      const j = JSON.parse(line) as { nodeClaim?: string; calledAt: number; ms: number };
      if (j.nodeClaim && !calls.has(j.nodeClaim))
        calls.set(j.nodeClaim, { called: j.calledAt, answered: j.calledAt + j.ms });
    } catch {
      // not a JSON line
    }
  }
  return calls;
}

export const STAGES = [
  'pod seen Unschedulable',
  'signal recorded by the provisioner',
  'batch window closed',
  'solve activity scheduled',
  'solve activity started',
  'solve activity finished',
  'NodeClaim object created',
  'NodeClaim workflow started',
  'launch activity scheduled',
  'launch activity started',
  'CreateFleet called',
  'CreateFleet answered',
] as const;
export type Stage = (typeof STAGES)[number];

/** Per pod: the time each stage was reached, in ms after the pod was seen Unschedulable (the pod's "pending"). */
export interface PodTimeline {
  pod: string;
  created?: number;
  pending: number;
  nodeClaim?: string;
  round?: number;
  at: Partial<Record<Stage, number>>;
}

export async function collectTimeline(options: {
  client: Client;
  provisionerId: string;
  workerLog: string;
  watch: ProvisioningWatch;
  /** Measure from here for pods pending earlier (bench:e2e --hold: the moment the provisioner was resumed). */
  since?: number;
}): Promise<{ pods: PodTimeline[]; rounds: RoundTimes[]; workflowTasks: WorkflowTaskFigures }> {
  const { rounds, signalled, workflowTasks } = await provisionerTimeline(options.client, options.provisionerId);
  const fleet = createFleetCalls(options.workerLog);
  // A pod belongs to the first round that planned it onto a new NodeClaim.
  const claimOf = new Map<string, { claim: string; round: RoundTimes }>();
  for (const round of rounds)
    for (const c of round.plan?.nodeClaims ?? [])
      for (const p of c.pods) if (!claimOf.has(p)) claimOf.set(p, { claim: c.name, round });
  const claimTimes = new Map<string, NodeClaimTimes>();
  for (const name of new Set([...claimOf.values()].map((c) => c.claim)))
    claimTimes.set(name, await nodeClaimTimeline(options.client, name));

  const pods: PodTimeline[] = [];
  for (const seen of options.watch.pods.values()) {
    if (seen.pending === undefined) continue;
    const base = Math.max(seen.pending, options.since ?? 0);
    const rel = (t: number | undefined): number | undefined =>
      t === undefined || !Number.isFinite(t) ? undefined : t - base;
    const placed = claimOf.get(seen.key);
    const at: PodTimeline['at'] = {
      'pod seen Unschedulable': 0,
      'signal recorded by the provisioner': rel(signalled.get(seen.key)),
    };
    if (placed) {
      const r = placed.round;
      const nc = claimTimes.get(placed.claim) ?? {};
      Object.assign(at, {
        'batch window closed': rel(r.windowClosed),
        'solve activity scheduled': rel(r.planScheduled),
        'solve activity started': rel(r.planStarted),
        'solve activity finished': rel(r.planCompleted),
        'NodeClaim object created': rel(options.watch.nodeClaims.get(placed.claim)?.created),
        'NodeClaim workflow started': rel(nc.workflowStarted),
        'launch activity scheduled': rel(nc.launchScheduled),
        'launch activity started': rel(nc.launchStarted),
        'CreateFleet called': rel(fleet.get(placed.claim)?.called),
        'CreateFleet answered': rel(fleet.get(placed.claim)?.answered),
      });
    }
    pods.push({
      pod: seen.key,
      ...(seen.created !== undefined ? { created: seen.created } : {}),
      pending: seen.pending,
      ...(placed ? { nodeClaim: placed.claim, round: placed.round.round } : {}),
      at,
    });
  }
  return { pods, rounds, workflowTasks };
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const secs = (ms: number): string => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : '—');

/** A markdown table: per stage, p50 and p95 over pods of the time since pending, and the p50 step from the stage before. */
export function stageTable(pods: PodTimeline[]): string {
  const rows = [
    '| stage (per pod, from seen Unschedulable) | pods | p50 | p95 | p50 step |',
    '|---|---:|---:|---:|---:|',
  ];
  let previous = 0;
  for (const stage of STAGES) {
    const values = pods.map((p) => p.at[stage]).filter((v): v is number => v !== undefined);
    const p50 = percentile(values, 50);
    rows.push(
      `| ${stage} | ${values.length} | ${secs(p50)} | ${secs(percentile(values, 95))} | ${secs(p50 - previous)} |`
    );
    if (Number.isFinite(p50)) previous = p50;
  }
  return rows.join('\n');
}

/** A markdown table of the rounds: window, activity latencies and the solve activity's parts. */
export function roundTable(rounds: RoundTimes[], origin: number): string {
  const rows = [
    '| round | window opened | window closed | solve sched→start | solve activity | snapshot | catalogue | view | solve | NodeClaims (pods) | create activity |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|',
  ];
  const ms = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '—' : `${Math.round(v)} ms`);
  for (const r of rounds) {
    const t = r.plan?.timings;
    rows.push(
      `| ${r.round} | +${secs(r.windowOpened - origin)} | +${secs(r.windowClosed - origin)} | ${ms(r.planStarted - r.planScheduled)} | ${ms(r.planCompleted - r.planStarted)} | ${ms(t?.snapshotMs)} | ${ms(t?.catalogueMs)} | ${ms(t?.viewMs)} | ${ms(t?.solveMs ?? r.plan?.solveMs)} | ${r.plan?.nodeClaims.length ?? 0} (${r.plan?.nodeClaims.reduce((n, c) => n + c.pods.length, 0) ?? 0}) | ${r.createCompleted !== undefined && r.createScheduled !== undefined ? ms(r.createCompleted - r.createScheduled) : '—'} |`
    );
  }
  return rows.join('\n');
}

/**
 * Waits until the worker logged `warmed the instance-type catalogue` (its EC2NodeClass is Ready and every type,
 * offering and price loaded): a burst then meets a running autoscaler, as it would in a cluster, rather than one
 * still loading its catalogue. Returns the log line's `types` and `ms`, or undefined on timeout.
 */
export async function waitForWarmCatalogue(
  workerLog: string,
  timeoutMs = 120_000
): Promise<{ types: number; ms: number } | undefined> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const line = readFileSync(workerLog, 'utf8')
      .split('\n')
      .find((l) => l.includes('"warmed the instance-type catalogue"'));
    if (line) return JSON.parse(line) as { types: number; ms: number };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return undefined;
}

/** A workflow's history as lines of `+ms event-type`, from its first event (for looking into one NodeClaim). */
export async function historyLines(client: Client, workflowId: string, limit = 40): Promise<string[]> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const origin = events[0] ? eventMs(events[0]) : 0;
  return events.slice(0, limit).map((e) => {
    const type = EventType[e.eventType ?? 0] ?? String(e.eventType);
    const activity = e.activityTaskScheduledEventAttributes?.activityType?.name;
    const marker = e.markerRecordedEventAttributes?.markerName;
    return `+${String(eventMs(e) - origin).padStart(5)} ms ${type.replace('EVENT_TYPE_', '')}${activity ? ` ${activity}` : ''}${marker ? ` ${marker}` : ''}`;
  });
}
