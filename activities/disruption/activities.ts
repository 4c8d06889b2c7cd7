import { Context } from '@temporalio/activity';
import type { V1Node } from '@kubernetes/client-node';
import type { ClusterSnapshotSource } from '../../adapters/kubernetes/cluster-snapshot.js';
import type { DisruptionKubernetes } from '../../adapters/kubernetes/disruption.js';
import type { CloudProvider, NodeClaimLike, NodePoolLike } from '../../core/cloudprovider/cloudprovider.js';
import { catalogueOfferingPrice } from '../../core/cloudprovider/instancetype.js';
import type { InstanceType } from '../../core/cloudprovider/types.js';
import { decide, revalidate, DEFAULT_DECIDE_OPTIONS, type DecideOptions } from '../../core/disruption/methods.js';
import {
  nodePoolDrift,
  type NodeClaimDriftView,
  type NodePoolTemplateView,
} from '../../core/disruption/nodepool-drift.js';
import type { DisruptionCommand, DisruptionDecision, Simulate } from '../../core/disruption/types.js';
import { cataloguePrices, schedulingSimulation } from '../../core/disruption/simulation.js';
import { disruptionView, type PodEventMemory } from '../../core/disruption/view.js';
import { nodeClaimManifest, nodeClaimName } from '../../core/provisioning/nodeclaim-manifest.js';
import type { PlannedNodeClaim } from '../../core/scheduling/types.js';
import type { LifecycleKubernetes } from '../nodeclaim/ports.js';
import { DISRUPTED_TAINT } from '../nodeclaim/activities.js';
import type { ProvisioningKubernetes } from '../provisioning/activities.js';
import { noopMetrics, reasonLabel, type AutoscalerMetrics } from '../metrics.js';

export interface DisruptOutcome {
  accepted: boolean;
  /** Why the NodeClaim's workflow refused (a do-not-disrupt pod appeared) or could not be reached. */
  why?: string;
}

export interface DisruptionDeps {
  snapshot: ClusterSnapshotSource;
  cloud: CloudProvider;
  kube: DisruptionKubernetes;
  lifecycle: Pick<LifecycleKubernetes, 'addNodeTaint' | 'removeNodeTaint' | 'getNodeClaim'>;
  provisioning: Pick<ProvisioningKubernetes, 'createNodeClaim'>;
  startNodeClaimWorkflow(name: string): Promise<void>;
  /** Asks a NodeClaim's workflow to drain and terminate (its `disrupt` update). */
  disruptNodeClaim(
    name: string,
    request: { reason: string; requestedBy: string; force?: boolean }
  ): Promise<DisruptOutcome>;
  options?: Partial<DecideOptions>;
  now?: () => Date;
  metrics?: AutoscalerMetrics;
}

export interface DecideInput {
  podEvents: PodEventMemory;
  /** The last "nothing to consolidate" fingerprint, while it is fresh enough to trust (see DecideOptions). */
  consolidatedFingerprint?: string;
}

export interface DecideOutput {
  decision: DisruptionDecision;
  podEvents: PodEventMemory;
  /** Nodes whose stale `karpenter.sh/disrupted` taint was removed (left by a command that never finished). */
  untainted: string[];
}

export function createDisruptionActivities(deps: DisruptionDeps) {
  const now = deps.now ?? (() => new Date());
  const options: DecideOptions = { ...DEFAULT_DECIDE_OPTIONS, ...deps.options };
  const metrics = deps.metrics ?? noopMetrics;
  // Provider drift costs EC2 calls; Karpenter re-checks it every 5 minutes, and so do we.
  const providerDrift = new Map<string, { at: number; reason: string }>();

  async function readWorld(podEvents: PodEventMemory) {
    const [snapshot, pdbs] = await Promise.all([deps.snapshot.read(), deps.kube.listPodDisruptionBudgets()]);
    Context.current().heartbeat('snapshot read');
    const types = new Map<string, InstanceType>();
    const pools = (
      snapshot.nodePools as unknown as (NodePoolLike & { metadata: { deletionTimestamp?: string } })[]
    ).filter((p) => !p.metadata.deletionTimestamp);
    for (const pool of pools) {
      try {
        for (const type of await deps.cloud.getInstanceTypes(pool))
          if (!types.has(type.name)) types.set(type.name, type);
      } catch {
        // A pool whose node class is not ready offers no replacements; its nodes are still priced from others' types.
      }
    }
    const poolByName = new Map(pools.map((p) => [p.metadata.name, p as unknown as NodePoolTemplateView]));
    const drift: Record<string, string | undefined> = {};
    const at = now();
    for (const claim of snapshot.nodeClaims as unknown as (NodeClaimDriftView & NodeClaimLike)[]) {
      const name = claim.metadata.name;
      const pool = poolByName.get(claim.metadata.labels?.['karpenter.sh/nodepool'] ?? '');
      if (!pool || !claim.status?.providerID) continue;
      const fromPool = nodePoolDrift(claim, pool);
      if (fromPool) {
        drift[name] = fromPool;
        continue;
      }
      const cached = providerDrift.get(name);
      if (!cached || at.getTime() - cached.at > 5 * 60_000) {
        const reason = await deps.cloud.isDrifted(claim).catch(() => '');
        providerDrift.set(name, { at: at.getTime(), reason });
      }
      const reason = providerDrift.get(name)!.reason;
      if (reason) drift[name] = reason;
    }
    const offeringPrice = catalogueOfferingPrice(types);
    const built = disruptionView({ snapshot, pdbs, offeringPrice, drift, podEvents, now: at });
    const priceOf = cataloguePrices(types);
    const simulateOn = schedulingSimulation(snapshot, [...types.values()]);
    const simulate: Simulate = (candidates) => {
      // A pass may run many simulations back to back: each one tells Temporal the worker is alive.
      Context.current().heartbeat(`simulating ${candidates.length} node(s)`);
      return simulateOn(candidates);
    };
    return { snapshot, at, built, priceOf, simulate, poolByName };
  }

  /** The same Event on the candidate's NodeClaim and its Node, where `kubectl describe` of either shows it. */
  const tell = async (
    candidate: { nodeClaim: string; nodeName: string },
    type: 'Normal' | 'Warning',
    reason: string,
    message: string
  ): Promise<void> => {
    for (const object of [
      { kind: 'NodeClaim' as const, name: candidate.nodeClaim },
      { kind: 'Node' as const, name: candidate.nodeName },
    ])
      await deps.kube.recordEvent(object, type, reason, message).catch(() => undefined);
  };

  return {
    /** One pass: read the cluster, try the methods in order, return the decision (with a command or not). */
    async decideDisruption(input: DecideInput): Promise<DecideOutput> {
      const { snapshot, at, built, priceOf, simulate } = await readWorld(input.podEvents);
      // Crash recovery (Karpenter does this at the top of every pass): a disrupted taint on a node whose NodeClaim
      // is not being deleted was left by a command that never finished, since this loop runs one at a time.
      const untainted: string[] = [];
      const deletingClaims = new Set(
        (snapshot.nodeClaims as { metadata: { deletionTimestamp?: string }; status?: { nodeName?: string } }[])
          .filter((c) => c.metadata.deletionTimestamp)
          .map((c) => c.status?.nodeName)
      );
      for (const node of snapshot.nodes as V1Node[]) {
        const name = node.metadata?.name ?? '';
        if (!node.spec?.taints?.some((t) => t.key === DISRUPTED_TAINT.key)) continue;
        if (deletingClaims.has(name) || node.metadata?.deletionTimestamp) continue;
        await deps.lifecycle.removeNodeTaint(name, DISRUPTED_TAINT);
        untainted.push(name);
      }
      const view = untainted.length
        ? {
            ...built.view,
            nodes: built.view.nodes.map((n) => (untainted.includes(n.nodeName) ? { ...n, deleting: false } : n)),
          }
        : built.view;
      const started = Date.now();
      const limits: Partial<Record<string, number>> = {
        'multi-node-consolidation': 60_000,
        'single-node-consolidation': 180_000,
      };
      const decision = decide(view, at, simulate, priceOf, {
        ...options,
        outOfTime: (method) => Date.now() - started > (limits[method] ?? Number.POSITIVE_INFINITY),
        ...(input.consolidatedFingerprint ? { consolidatedFingerprint: input.consolidatedFingerprint } : {}),
      });
      decision.excluded.push(...built.unpriced);
      return { decision, podEvents: built.podEvents, untainted };
    },

    /** Karpenter's re-check after the validation delay; returns why the command no longer holds, or null. */
    async validateCommand(command: DisruptionCommand, podEvents: PodEventMemory): Promise<string | null> {
      const { at, built, priceOf, simulate } = await readWorld(podEvents);
      return revalidate(command, built.view, at, simulate, priceOf, options) ?? null;
    },

    /**
     * Starts a command, in Karpenter's order: taint the candidates so nothing new lands on them, then create the
     * replacements (named from the command, so a retry creates each once) and start their workflows.
     */
    async startCommand(input: { commandKey: string; command: DisruptionCommand }): Promise<string[]> {
      const { commandKey, command } = input;
      for (const candidate of command.candidates) {
        await deps.lifecycle.addNodeTaint(candidate.nodeName, { ...DISRUPTED_TAINT });
        await tell(candidate, 'Normal', 'DisruptionLaunching', command.summary);
      }
      // Only the NodePools: a replacement is made from its pool's template (and emptiness needs none).
      const nodePools = command.replacements.length > 0 ? await deps.kube.listNodePools() : [];
      const pools = new Map(nodePools.map((p) => [(p as { metadata: { name: string } }).metadata.name, p]));
      const names: string[] = [];
      for (const [index, replacement] of command.replacements.entries()) {
        const pool = pools.get(replacement.nodePool);
        if (!pool) throw new Error(`NodePool ${replacement.nodePool} of a replacement no longer exists`);
        const name = nodeClaimName(replacement.nodePool, commandKey, 0, index);
        const planned: PlannedNodeClaim = {
          name,
          nodePool: replacement.nodePool,
          instanceTypes: replacement.instanceTypes,
          launch: {
            instanceType: replacement.instanceTypes[0] ?? '',
            zone: '',
            capacityType: '',
            price: replacement.worstCasePrice,
          },
          requirements: replacement.requirements,
          pods: replacement.pods,
          requests: replacement.requests,
        };
        const manifest = nodeClaimManifest(
          planned,
          pool as unknown as Parameters<typeof nodeClaimManifest>[1],
          name,
          `${commandKey}/${index}`
        );
        const created = await deps.provisioning.createNodeClaim(manifest);
        if (created === 'conflict') throw new Error(`a different NodeClaim named ${name} exists`);
        if (created === 'created') metrics.nodeClaimCreated(replacement.nodePool, reasonLabel(command.reason));
        await deps.startNodeClaimWorkflow(name);
        names.push(name);
        Context.current().heartbeat(name);
      }
      return names;
    },

    /** Waits (heartbeating) until every replacement is Initialized; a replacement that fails or vanishes ends it. */
    async awaitReplacements(names: string[], pollMs = 2000): Promise<{ ok: boolean; why?: string }> {
      for (;;) {
        let ready = 0;
        for (const name of names) {
          const claim = await deps.lifecycle.getNodeClaim(name);
          if (!claim) return { ok: false, why: `replacement ${name} was deleted` };
          const conditions = claim.status?.conditions ?? [];
          const launched = conditions.find((c) => c.type === 'Launched');
          if (launched?.status === 'False')
            return { ok: false, why: `replacement ${name} failed to launch: ${launched.message ?? launched.reason}` };
          if (claim.metadata.deletionTimestamp) return { ok: false, why: `replacement ${name} is being deleted` };
          if (conditions.some((c) => c.type === 'Initialized' && c.status === 'True')) ready++;
        }
        Context.current().heartbeat(`${ready}/${names.length} initialized`);
        if (ready === names.length) return { ok: true };
        await new Promise((resolve) => setTimeout(resolve, pollMs));
      }
    },

    /** Undoes a command that will not finish: the candidates lose their disrupted taint and stay. */
    async rollBack(command: DisruptionCommand, why: string): Promise<void> {
      for (const candidate of command.candidates) {
        await deps.lifecycle.removeNodeTaint(candidate.nodeName, DISRUPTED_TAINT);
        await tell(candidate, 'Warning', 'DisruptionBlocked', `${command.reason}: rolled back, ${why}`);
      }
    },

    /** Hands each candidate to its NodeClaim workflow to drain and terminate; a refusal un-taints that node. */
    async disruptCandidates(command: DisruptionCommand): Promise<Record<string, DisruptOutcome>> {
      const outcomes: Record<string, DisruptOutcome> = {};
      for (const candidate of command.candidates) {
        const outcome = await deps.disruptNodeClaim(candidate.nodeClaim, {
          reason: command.summary,
          requestedBy: `disruption/${command.method}`,
        });
        outcomes[candidate.nodeClaim] = outcome;
        if (outcome.accepted) metrics.nodeClaimDisrupted(candidate.nodePool, reasonLabel(command.reason));
        if (!outcome.accepted) await deps.lifecycle.removeNodeTaint(candidate.nodeName, DISRUPTED_TAINT);
        await tell(
          candidate,
          outcome.accepted ? 'Normal' : 'Warning',
          outcome.accepted ? 'DisruptionTerminating' : 'DisruptionBlocked',
          outcome.accepted ? command.summary : `${command.reason}: ${outcome.why}`
        );
        Context.current().heartbeat(candidate.nodeClaim);
      }
      if (Object.values(outcomes).some((o) => o.accepted)) {
        metrics.disruptionDecision(
          command.replacements.length > 0 ? 'replace' : 'delete',
          reasonLabel(command.reason),
          command.savingsPerHour
        );
      }
      return outcomes;
    },

    /** Waits (heartbeating) until the NodeClaims are gone, or `maxMs` passed; returns those still there. */
    async awaitGone(names: string[], maxMs: number, pollMs = 2000): Promise<string[]> {
      const deadline = Date.now() + maxMs;
      for (;;) {
        const left: string[] = [];
        for (const name of names) if (await deps.lifecycle.getNodeClaim(name)) left.push(name);
        Context.current().heartbeat(`${left.length} left`);
        if (left.length === 0 || Date.now() >= deadline) return left;
        await new Promise((resolve) => setTimeout(resolve, pollMs));
      }
    },
  };
}

export type DisruptionActivities = ReturnType<typeof createDisruptionActivities>;
