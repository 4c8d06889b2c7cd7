import type { V1Pod } from '@kubernetes/client-node';
import type { InstanceType, RequirementSpec } from '../cloudprovider/types.js';
import { isProvisionable, podKey, schedulingView, type ProvisioningSnapshot } from '../provisioning/snapshot.js';
import { solve } from '../scheduling/index.js';
import type { Pod, SchedulingPlan } from '../scheduling/types.js';
import { allows } from './replacement.js';
import type { DisruptionNode, PriceOf, Simulate, SimulationResult } from './types.js';

/** Launch capacity type as the provider picks it (spot when allowed and offered), and its dearest offering. */
export function worstCasePrice(type: InstanceType | undefined, requirements: RequirementSpec[]): number | undefined {
  if (!type) return undefined;
  const offerings = type.offerings.filter(
    (o) => o.available && allows(requirements, 'topology.kubernetes.io/zone', o.zone)
  );
  for (const capacityType of ['spot', 'on-demand'] as const) {
    if (!allows(requirements, 'karpenter.sh/capacity-type', capacityType)) continue;
    const prices = offerings.filter((o) => o.capacityType === capacityType).map((o) => o.price);
    if (prices.length > 0) return Math.max(...prices);
  }
  return undefined;
}

/** A candidate's pod as the provisioner sees it once its node is gone: unbound, pending, marked Unschedulable. */
function asPending(pod: V1Pod): V1Pod {
  const { nodeName: _bound, ...spec } = pod.spec!;
  return {
    ...pod,
    spec,
    status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] },
  } as V1Pod;
}

/** The pods of `candidates` that move: their reschedulable pods, by key. */
const movingKeys = (candidates: DisruptionNode[]): Set<string> =>
  new Set(candidates.flatMap((c) => c.pods.filter((p) => p.reschedulable).map((p) => p.key)));

/** The snapshot with `candidates` gone: their pods pending again, every other pending pod left to the provisioner. */
export function withoutCandidates(snapshot: ProvisioningSnapshot, candidates: DisruptionNode[]): ProvisioningSnapshot {
  const nodes = new Set(candidates.map((c) => c.nodeName));
  const claims = new Set(candidates.map((c) => c.nodeClaim));
  const moving = movingKeys(candidates);
  const pods = snapshot.pods.flatMap((pod) => {
    if (moving.has(podKey(pod))) return [asPending(pod)];
    if (pod.spec?.nodeName && nodes.has(pod.spec.nodeName)) return []; // DaemonSet pods go with their node
    if (!pod.spec?.nodeName) return []; // pending pods are the provisioner's
    return [pod];
  });
  return {
    ...snapshot,
    pods,
    nodes: snapshot.nodes.filter((n) => !nodes.has(n.metadata?.name ?? '')),
    nodeClaims: snapshot.nodeClaims.filter((c) => !claims.has((c as { metadata: { name: string } }).metadata.name)),
  };
}

/** Prices from an instance-type catalogue, as the consolidation price rule reads them (worst case). */
export function cataloguePrices(types: ReadonlyMap<string, InstanceType>): PriceOf {
  return (type, requirements) => worstCasePrice(types.get(type), requirements);
}

function simulationResult(plan: SchedulingPlan): SimulationResult {
  return {
    unschedulable: plan.unschedulable,
    newNodeClaims: plan.nodeClaims.map((c) => ({
      nodePool: c.nodePool,
      instanceTypes: c.instanceTypes,
      requirements: c.requirements,
      requests: c.requests,
      pods: c.pods,
    })),
  };
}

/**
 * The scheduling simulation, rebuilt from the snapshot for every call: the cluster without the candidates
 * (`withoutCandidates`), turned into solver input (`schedulingView`), solved. The reference `schedulingSimulation`
 * must agree with (core/disruption/simulation.property.test.ts), and the "before" of bench:disruption.
 */
export function fullRebuildSimulation(snapshot: ProvisioningSnapshot, catalogue: InstanceType[]): Simulate {
  return (candidates) =>
    simulationResult(solve(schedulingView(withoutCandidates(snapshot, candidates), {}, catalogue).input));
}

/**
 * The scheduling simulation disruption asks for: the cluster without the candidates, their pods pending, solved by the
 * provisioner's solver against the same catalogue. Pure; the caller reads the snapshot.
 *
 * Incremental: the solver input of the whole cluster (no pending pods: those are the provisioner's) is built once;
 * each simulation takes it, drops the candidates' nodes and adds their moving pods back as pending, in snapshot
 * order. The nodes left are the same objects every time, so the solver's per-node and per-pod memos hold across the
 * pass, and a pass over N candidates no longer rebuilds the cluster N times. Same answers as `fullRebuildSimulation`
 * given what Kubernetes guarantees, that pod keys (namespace/name) are unique in a snapshot.
 */
export function schedulingSimulation(snapshot: ProvisioningSnapshot, catalogue: InstanceType[]): Simulate {
  const base = schedulingView(withoutCandidates(snapshot, []), {}, catalogue).input;
  const boundTo = new Map<string, { pod: V1Pod; index: number }[]>();
  snapshot.pods.forEach((pod, index) => {
    const node = pod.spec?.nodeName;
    if (!node) return;
    let pods = boundTo.get(node);
    if (pods === undefined) boundTo.set(node, (pods = []));
    pods.push({ pod, index });
  });
  // One pending form per pod for the whole pass, so the solver's per-pod memo holds across simulations too.
  const pendingForm = new Map<V1Pod, V1Pod>();
  return (candidates) => {
    const nodes = new Set(candidates.map((c) => c.nodeName));
    const moving = movingKeys(candidates);
    const pods: { pod: V1Pod; index: number }[] = [];
    for (const node of nodes)
      for (const entry of boundTo.get(node) ?? []) if (moving.has(podKey(entry.pod))) pods.push(entry);
    pods.sort((a, b) => a.index - b.index);
    const pending = pods
      .map(({ pod }) => {
        let form = pendingForm.get(pod);
        if (form === undefined) pendingForm.set(pod, (form = asPending(pod)));
        return form;
      })
      .filter(isProvisionable);
    return simulationResult(
      solve({
        ...base,
        pods: pending as unknown as Pod[],
        existingNodes: (base.existingNodes ?? []).filter((n) => !nodes.has(n.name)),
      })
    );
  };
}
