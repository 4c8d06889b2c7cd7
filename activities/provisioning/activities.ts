import { Context } from '@temporalio/activity';
import type { CloudProvider, NodePoolLike } from '../../core/cloudprovider/cloudprovider.js';
import { nodeClaimManifest, nodeClaimName } from '../../core/provisioning/nodeclaim-manifest.js';
import { nominatedPods, nominationsByPod, type NominatedPods } from '../../core/provisioning/nominations.js';
import { podKey, schedulingView, type NominationRef } from '../../core/provisioning/snapshot.js';
import { solve } from '../../core/scheduling/index.js';
import type { LaunchChoice } from '../../core/scheduling/types.js';
import type { ClusterSnapshotSource } from '../../adapters/kubernetes/cluster-snapshot.js';
import { noopMetrics, type AutoscalerMetrics } from '../metrics.js';
import { provisioningCatalogue } from './catalogue.js';

export interface PlannedClaim {
  name: string;
  nodePool: string;
  manifest: Record<string, unknown>;
  pods: string[];
  launch: LaunchChoice;
  instanceTypeOptions: number;
}

export interface PodEvent {
  pod: string;
  uid: string;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** A batch's plan: compact, plain JSON, small enough for workflow history. */
export interface ProvisioningPlan {
  nodeClaims: PlannedClaim[];
  /** Every nomination that holds after this round (earlier ones still valid plus this round's). */
  nominations: Record<string, NominationRef>;
  events: PodEvent[];
  pendingPods: number;
  nominatedPods: number;
  unschedulable: number;
  hourlyCost: number;
  solveMs: number;
  /** Where the activity's time went, ms: cluster snapshot read, instance-type catalogue, scheduling view, solve. */
  timings?: { snapshotMs: number; catalogueMs: number; viewMs: number; solveMs: number };
  /** NodePools whose instance types could not be read, with why (e.g. their EC2NodeClass is not Ready). */
  skippedNodePools: { nodePool: string; reason: string }[];
}

/** A NodeClaim of a round, without its pods (they are in the round's `nominated`). */
export type PlannedClaimSummary = Omit<PlannedClaim, 'pods'> & { podCount: number };

/**
 * A batch's plan in the form whose size grows by one pod key per pod: the pods are listed once, grouped by the
 * NodeClaim they are nominated to or by the reason none fits, and their Events are written from that by
 * `recordRoundEvents`. (The per-pod `ProvisioningPlan` of older provisioner runs put a 10,000-pod round over
 * Temporal's 2 MB payload limit.)
 */
export interface RoundPlan {
  nodeClaims: PlannedClaimSummary[];
  /** Every nomination that holds after this round (earlier ones still valid plus this round's), by NodeClaim. */
  nominated: NominatedPods;
  /** Pods no NodePool can take, by why. */
  unschedulable: Record<string, string[]>;
  pendingPods: number;
  nominatedPods: number;
  unschedulableCount: number;
  hourlyCost: number;
  solveMs: number;
  timings: { snapshotMs: number; catalogueMs: number; viewMs: number; solveMs: number };
  skippedNodePools: { nodePool: string; reason: string }[];
}

export type CreateResult = 'created' | 'exists' | 'conflict';

/** The writes provisioning makes to Kubernetes. Implemented in adapters/kubernetes/provisioning.ts. */
export interface ProvisioningKubernetes {
  /** Creates the NodeClaim; `exists` when a NodeClaim of the same plan is already there, `conflict` if another is. */
  createNodeClaim(manifest: Record<string, unknown>): Promise<CreateResult>;
  recordEvent(event: PodEvent, name: string): Promise<void>;
}

function nominatedEvent(pod: string, uid: string, nodeClaim: string): PodEvent {
  return { pod, uid, type: 'Normal', reason: 'Nominated', message: `Pod should schedule on: nodeclaim/${nodeClaim}` };
}

function unschedulableEvent(pod: string, uid: string, reason: string): PodEvent {
  return { pod, uid, type: 'Warning', reason: 'FailedScheduling', message: `Failed to schedule pod, ${reason}` };
}

function nodePoolOf(manifest: Record<string, unknown>): string {
  const labels = (manifest.metadata as { labels?: Record<string, string> } | undefined)?.labels;
  return labels?.['karpenter.sh/nodepool'] ?? '';
}

export function createProvisioningActivities(deps: {
  snapshot: ClusterSnapshotSource;
  cloud: CloudProvider;
  kube: ProvisioningKubernetes;
  startNodeClaimWorkflow: (nodeClaimName: string) => Promise<void>;
  metrics?: AutoscalerMetrics;
  /** Shared with the worker's warm-up; one over `cloud` when not given. */
  catalogue?: ReturnType<typeof provisioningCatalogue>;
}) {
  const metrics = deps.metrics ?? noopMetrics;
  const catalogue = deps.catalogue ?? provisioningCatalogue(deps.cloud);

  async function writePodEvents(events: PodEvent[], round: number, provisionerKey: string): Promise<void> {
    // A few in flight at once: thousands of pods in one batch must not hold the next round for long.
    const concurrency = 16;
    for (let start = 0; start < events.length; start += concurrency) {
      await Promise.all(
        events.slice(start, start + concurrency).map((event, j) => {
          const name = `${event.pod.split('/')[1]}.kt-${provisionerKey.slice(0, 8)}-${round}-${start + j}`;
          return deps.kube.recordEvent(event, name);
        })
      );
      Context.current().heartbeat(start);
    }
  }
  /**
   * Reads the cluster, solves the pending pods, and names the NodeClaims to create from the round: what both plan
   * forms are made of. Each pod appears once, in `nominated` or `unschedulable`.
   */
  async function planRound(provisionerKey: string, roundNumber: number, byPod: Record<string, NominationRef>) {
    const ms = (since: number): number => Math.round((performance.now() - since) * 10) / 10;
    const began = performance.now();
    const snapshot = await deps.snapshot.read();
    const snapshotMs = ms(began);
    Context.current().heartbeat('snapshot read');
    const catalogueBegan = performance.now();
    const pools = snapshot.nodePools as unknown as (NodePoolLike & { metadata: { deletionTimestamp?: string } })[];
    const { types, skippedNodePools } = await catalogue.read(pools);
    const catalogueMs = ms(catalogueBegan);
    const viewBegan = performance.now();
    const view = schedulingView(snapshot, byPod, types);
    const viewMs = ms(viewBegan);
    const uidOf = new Map(snapshot.pods.map((p) => [podKey(p), p.metadata?.uid ?? '']));
    const nominated = nominatedPods(view.activeNominations);
    // A pod planned onto a NodeClaim (new or still launching) is nominated to it, and told so by an Event.
    const newlyNominated: [string, readonly string[]][] = [];
    const nominate = (pods: readonly string[], nodeClaim: string): void => {
      if (pods.length === 0) return;
      nominated[nodeClaim] = [...(nominated[nodeClaim] ?? []), ...pods];
      newlyNominated.push([nodeClaim, pods]);
    };
    const summary = (
      nodeClaims: PlannedClaimSummary[],
      podsOf: Map<string, string[]>,
      pendingPods: number,
      solveMs: number
    ) => ({
      nodeClaims,
      podsOf,
      pendingPods,
      nominatedPods: view.nominatedPods,
      hourlyCost: Math.round(nodeClaims.reduce((sum, c) => sum + c.launch.price, 0) * 1e4) / 1e4,
      solveMs,
      timings: { snapshotMs, catalogueMs, viewMs, solveMs },
      skippedNodePools,
    });
    if (view.input.pods.length === 0)
      return { plan: summary([], new Map(), 0, 0), nominated, newlyNominated, unschedulable: [], uidOf };

    const started = performance.now();
    const solved = solve(view.input);
    const solveMs = ms(started);
    metrics.schedulingDuration(solveMs / 1000);
    Context.current().heartbeat('solved');

    const poolByName = new Map(snapshot.nodePools.map((p) => [(p as { metadata: { name: string } }).metadata.name, p]));
    const podsOf = new Map<string, string[]>();
    const nodeClaims = solved.nodeClaims.map((planned, index): PlannedClaimSummary => {
      const name = nodeClaimName(planned.nodePool, provisionerKey, roundNumber, index);
      const pool = poolByName.get(planned.nodePool) as unknown as Parameters<typeof nodeClaimManifest>[1];
      nominate(planned.pods, name);
      podsOf.set(name, [...planned.pods]);
      return {
        name,
        nodePool: planned.nodePool,
        manifest: nodeClaimManifest(planned, pool, name, `${provisionerKey}/${roundNumber}/${index}`),
        podCount: planned.pods.length,
        launch: planned.launch,
        instanceTypeOptions: planned.instanceTypes.length,
      };
    });
    for (const placement of solved.existingNodes) {
      if (!placement.name.startsWith('nodeclaim/')) continue; // a Ready node: kube-scheduler binds these
      nominate(placement.pods, placement.name.slice('nodeclaim/'.length));
    }
    const plan = summary(nodeClaims, podsOf, view.input.pods.length, solveMs);
    Context.current().log.info('planned provisioning round', {
      round: roundNumber,
      pods: plan.pendingPods,
      nodeClaims: nodeClaims.length,
      ...plan.timings,
    });
    return { plan, nominated, newlyNominated, unschedulable: solved.unschedulable, uidOf };
  }
  return {
    /** Plans a round for a provisioner run that carries nominations per pod (runs started before `RoundPlan`). */
    async planProvisioning(input: {
      provisionerKey: string;
      round: number;
      nominations: Record<string, NominationRef>;
    }): Promise<ProvisioningPlan> {
      const round = await planRound(input.provisionerKey, input.round, input.nominations);
      const nominations = nominationsByPod(round.nominated);
      const events: PodEvent[] = [
        ...round.newlyNominated.flatMap(([nodeClaim, pods]) =>
          pods.map((pod) => nominatedEvent(pod, round.uidOf.get(pod) ?? '', nodeClaim))
        ),
        ...round.unschedulable.map(({ pod, reason }) => unschedulableEvent(pod, round.uidOf.get(pod) ?? '', reason)),
      ];
      const { podsOf, ...summary } = round.plan;
      return {
        ...summary,
        nodeClaims: round.plan.nodeClaims.map(({ podCount: _count, ...claim }) => ({
          ...claim,
          pods: podsOf.get(claim.name) ?? [],
        })),
        nominations,
        events,
        unschedulable: round.unschedulable.length,
      };
    },

    /** Reads the cluster, solves the pending pods, and names the NodeClaims to create from the round. */
    async planBatch(input: { provisionerKey: string; round: number; nominated: NominatedPods }): Promise<RoundPlan> {
      const round = await planRound(input.provisionerKey, input.round, nominationsByPod(input.nominated));
      const unschedulable: Record<string, string[]> = {};
      for (const { pod, reason } of round.unschedulable) (unschedulable[reason] ??= []).push(pod);
      const { podsOf: _pods, ...summary } = round.plan;
      return { ...summary, nominated: round.nominated, unschedulable, unschedulableCount: round.unschedulable.length };
    },

    /** Creates each NodeClaim (idempotent by name and plan) and starts its lifecycle workflow. */
    async createNodeClaims(
      claims: { name: string; manifest: Record<string, unknown> }[]
    ): Promise<Record<string, CreateResult>> {
      const results: Record<string, CreateResult> = {};
      // Each NodeClaim's create-then-start is independent of the others': a few run at once, so a round's last
      // NodeClaim does not wait for every earlier one's two round trips.
      const one = async (claim: { name: string; manifest: Record<string, unknown> }): Promise<void> => {
        const began = performance.now();
        const result = await deps.kube.createNodeClaim(claim.manifest);
        results[claim.name] = result;
        const createMs = Math.round(performance.now() - began);
        // Only a NodeClaim this call made: a retry that finds its own NodeClaim (`exists`) counts nothing twice.
        if (result === 'created') metrics.nodeClaimCreated(nodePoolOf(claim.manifest), 'provisioned');
        if (result !== 'conflict') await deps.startNodeClaimWorkflow(claim.name);
        Context.current().log.info('created nodeclaim', {
          nodeClaim: claim.name,
          result,
          createMs,
          startMs: Math.round(performance.now() - began) - createMs,
        });
        Context.current().heartbeat(claim.name);
      };
      let next = 0;
      const lane = async (): Promise<void> => {
        while (next < claims.length) await one(claims[next++]!);
      };
      await Promise.all(Array.from({ length: Math.min(8, claims.length) }, lane));
      return results;
    },

    /** Events on pods: which NodeClaim each was nominated to, or why none fits. Best effort, idempotent by name. */
    async recordPodEvents(events: PodEvent[], round: number, provisionerKey: string): Promise<void> {
      await writePodEvents(events, round, provisionerKey);
    },

    /** The Events of a `RoundPlan`: the pods newly nominated, by NodeClaim, and the unschedulable ones, by reason. */
    async recordRoundEvents(
      pods: { nominated: NominatedPods; unschedulable: Record<string, string[]> },
      round: number,
      provisionerKey: string
    ): Promise<void> {
      const snapshot = await deps.snapshot.read();
      const uidOf = new Map(snapshot.pods.map((p) => [podKey(p), p.metadata?.uid ?? '']));
      const events = [
        ...Object.entries(pods.nominated).flatMap(([nodeClaim, keys]) =>
          keys.map((pod) => nominatedEvent(pod, uidOf.get(pod) ?? '', nodeClaim))
        ),
        ...Object.entries(pods.unschedulable).flatMap(([reason, keys]) =>
          keys.map((pod) => unschedulableEvent(pod, uidOf.get(pod) ?? '', reason))
        ),
      ];
      await writePodEvents(events, round, provisionerKey);
    },
  };
}

export type ProvisioningActivities = ReturnType<typeof createProvisioningActivities>;
