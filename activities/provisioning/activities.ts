import { Context } from '@temporalio/activity';
import type { CloudProvider, NodePoolLike } from '../../core/cloudprovider/cloudprovider.js';
import { nodeClaimManifest, nodeClaimName } from '../../core/provisioning/nodeclaim-manifest.js';
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

export type CreateResult = 'created' | 'exists' | 'conflict';

/** The writes provisioning makes to Kubernetes. Implemented in adapters/kubernetes/provisioning.ts. */
export interface ProvisioningKubernetes {
  /** Creates the NodeClaim; `exists` when a NodeClaim of the same plan is already there, `conflict` if another is. */
  createNodeClaim(manifest: Record<string, unknown>): Promise<CreateResult>;
  recordEvent(event: PodEvent, name: string): Promise<void>;
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
  return {
    /** Reads the cluster, solves the pending pods, and names the NodeClaims to create from the round. */
    async planProvisioning(input: {
      provisionerKey: string;
      round: number;
      nominations: Record<string, NominationRef>;
    }): Promise<ProvisioningPlan> {
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
      const view = schedulingView(snapshot, input.nominations, types);
      const viewMs = ms(viewBegan);
      const timings = (solveMs: number) => ({ snapshotMs, catalogueMs, viewMs, solveMs });
      const uidOf = new Map(snapshot.pods.map((p) => [podKey(p), p.metadata?.uid ?? '']));
      const empty = {
        nodeClaims: [],
        nominations: view.activeNominations,
        events: [],
        pendingPods: 0,
        nominatedPods: view.nominatedPods,
        unschedulable: 0,
        hourlyCost: 0,
        solveMs: 0,
        timings: timings(0),
        skippedNodePools,
      };
      if (view.input.pods.length === 0) return empty;

      const started = performance.now();
      const plan = solve(view.input);
      const solveMs = ms(started);
      metrics.schedulingDuration(solveMs / 1000);
      Context.current().heartbeat('solved');

      const poolByName = new Map(
        snapshot.nodePools.map((p) => [(p as { metadata: { name: string } }).metadata.name, p])
      );
      const nominations: Record<string, NominationRef> = { ...view.activeNominations };
      const events: PodEvent[] = [];
      // A pod planned onto a NodeClaim (new or still launching) is nominated to it, and told so by an Event.
      const nominate = (pods: readonly string[], nodeClaim: string): void => {
        for (const pod of pods) {
          nominations[pod] = { nodeClaim };
          const message = `Pod should schedule on: nodeclaim/${nodeClaim}`;
          events.push({ pod, uid: uidOf.get(pod) ?? '', type: 'Normal', reason: 'Nominated', message });
        }
      };
      const nodeClaims = plan.nodeClaims.map((planned, index): PlannedClaim => {
        const name = nodeClaimName(planned.nodePool, input.provisionerKey, input.round, index);
        const pool = poolByName.get(planned.nodePool) as unknown as Parameters<typeof nodeClaimManifest>[1];
        nominate(planned.pods, name);
        return {
          name,
          nodePool: planned.nodePool,
          manifest: nodeClaimManifest(planned, pool, name, `${input.provisionerKey}/${input.round}/${index}`),
          pods: planned.pods,
          launch: planned.launch,
          instanceTypeOptions: planned.instanceTypes.length,
        };
      });
      for (const placement of plan.existingNodes) {
        if (!placement.name.startsWith('nodeclaim/')) continue; // a Ready node: kube-scheduler binds these
        nominate(placement.pods, placement.name.slice('nodeclaim/'.length));
      }
      for (const { pod, reason } of plan.unschedulable) {
        events.push({
          pod,
          uid: uidOf.get(pod) ?? '',
          type: 'Warning',
          reason: 'FailedScheduling',
          message: `Failed to schedule pod, ${reason}`,
        });
      }
      const result: ProvisioningPlan = {
        nodeClaims,
        nominations,
        events,
        pendingPods: view.input.pods.length,
        nominatedPods: view.nominatedPods,
        unschedulable: plan.unschedulable.length,
        hourlyCost: Math.round(nodeClaims.reduce((sum, c) => sum + c.launch.price, 0) * 1e4) / 1e4,
        solveMs,
        timings: timings(solveMs),
        skippedNodePools,
      };
      Context.current().log.info('planned provisioning round', {
        round: input.round,
        pods: result.pendingPods,
        nodeClaims: result.nodeClaims.length,
        ...result.timings,
      });
      return result;
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
    },
  };
}

export type ProvisioningActivities = ReturnType<typeof createProvisioningActivities>;
