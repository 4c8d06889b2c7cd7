import type { InstanceType, RequirementSpec } from '../cloudprovider/types.js';
import { podKey, schedulingView, type ProvisioningSnapshot } from '../provisioning/snapshot.js';
import { solve } from '../scheduling/index.js';
import { allows } from './replacement.js';
import type { DisruptionNode, PriceOf, Simulate } from './types.js';

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

/** The snapshot with `candidates` gone: their pods pending again, every other pending pod left to the provisioner. */
export function withoutCandidates(snapshot: ProvisioningSnapshot, candidates: DisruptionNode[]): ProvisioningSnapshot {
  const nodes = new Set(candidates.map((c) => c.nodeName));
  const claims = new Set(candidates.map((c) => c.nodeClaim));
  const moving = new Set(candidates.flatMap((c) => c.pods.filter((p) => p.reschedulable).map((p) => p.key)));
  const pods = snapshot.pods.flatMap((pod) => {
    if (moving.has(podKey(pod))) {
      const { nodeName: _bound, ...spec } = pod.spec!;
      return [
        {
          ...pod,
          spec,
          status: {
            phase: 'Pending',
            conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }],
          },
        } as typeof pod,
      ];
    }
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

/**
 * The scheduling simulation disruption asks for: the cluster without the candidates, their pods pending, solved by the
 * provisioner's solver against the same catalogue. Pure; the caller reads the snapshot.
 */
export function schedulingSimulation(snapshot: ProvisioningSnapshot, catalogue: InstanceType[]): Simulate {
  return (candidates) => {
    const scheduling = schedulingView(withoutCandidates(snapshot, candidates), {}, catalogue);
    const plan = solve(scheduling.input);
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
  };
}
