/**
 * Compares two plans for the same scenario — ours (`simulate -o json`) and Karpenter v1.14.1's own (the Go harness in
 * bench/karpenter-harness) — in meaning, not byte for byte: which pods are placed, on which NodePool, at which
 * capacity type, on instance types both planners allow, at what cost. Pure: plans in, differences out.
 *
 * Pods of one workload are interchangeable (Karpenter breaks ties between equal pods by random UIDs), so placement is
 * compared per workload: a Deployment's pods `web-0 … web-9` are the workload `web`.
 */

/** One NodeClaim of our plan (`SimulateOutput.nodeClaims`). */
export interface OurNodeClaim {
  nodePool: string;
  instanceTypes: string[];
  launch: { instanceType: string; zone: string; capacityType: string; price: number };
  pods: string[];
}

export interface OurPlan {
  nodeClaims: OurNodeClaim[];
  unschedulable: { pod: string; reason: string }[];
}

/** One NodeClaim of the harness's plan, with the CreateFleet request the AWS provider made for it. */
export interface KarpenterNodeClaim {
  nodePool: string;
  instanceTypes: string[];
  pods: string[];
  launch?: {
    capacityType: string;
    overrides?: { instanceType: string; zone: string; price?: number }[];
    cheapest?: { instanceType: string; zone: string; capacityType: string; price: number };
  };
  launchError?: string;
}

export interface KarpenterPlan {
  scenario?: string;
  nodeClaims: KarpenterNodeClaim[];
  unschedulable: { pod: string; reason: string }[];
  error?: string;
}

export type DifferenceKind = 'placement' | 'nodepool' | 'capacity-type' | 'instance-type' | 'cost' | 'zones' | 'error';

export interface Difference {
  kind: DifferenceKind;
  /** The workload (or NodeClaim) concerned. */
  subject: string;
  ours: string;
  karpenter: string;
  /** Why they differ, in words, from what each planner said. */
  reason: string;
}

export interface Comparison {
  differences: Difference[];
  ours: { placed: number; unplaced: number; nodeClaims: number; hourlyCost: number; capacityTypes: string[] };
  karpenter: { placed: number; unplaced: number; nodeClaims: number; hourlyCost: number; capacityTypes: string[] };
}

/** Cost tolerance: ours may be at most this much dearer than Karpenter's (cheaper is fine). */
export const COST_TOLERANCE = 0.02;

/** `web-3` → `web`; a pod without a replica suffix is its own workload. */
export function workloadOf(pod: string): string {
  return pod.replace(/-\d+$/, '');
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

function describeCounts(counts: Map<string, number> | undefined): string {
  if (counts === undefined || counts.size === 0) return 'none';
  return [...counts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, n]) => `${key}×${n}`)
    .join(', ');
}

interface PodPlacement {
  pod: string;
  nodePool: string;
  capacityType: string;
  zone: string;
  claim: number;
}

function ourPlacements(plan: OurPlan): PodPlacement[] {
  return plan.nodeClaims.flatMap((claim, index) =>
    claim.pods.map((pod) => ({
      pod,
      nodePool: claim.nodePool,
      capacityType: claim.launch.capacityType,
      zone: claim.launch.zone,
      claim: index,
    }))
  );
}

function karpenterPlacements(plan: KarpenterPlan): PodPlacement[] {
  return plan.nodeClaims.flatMap((claim, index) =>
    claim.pods.map((pod) => ({
      pod,
      nodePool: claim.nodePool,
      capacityType: claim.launch?.capacityType ?? 'not launched',
      zone: claim.launch?.cheapest?.zone ?? '?',
      claim: index,
    }))
  );
}

function groupByWorkload<T extends { pod: string }>(items: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const workload = workloadOf(item.pod);
    groups.set(workload, [...(groups.get(workload) ?? []), item]);
  }
  return groups;
}

function reasonsFor(workload: string, unschedulable: { pod: string; reason: string }[]): string {
  const reasons = [...new Set(unschedulable.filter((u) => workloadOf(u.pod) === workload).map((u) => u.reason))];
  return reasons.length === 0 ? '' : reasons.join('; ');
}

/** The types a planner allowed for the pods of `workload` in `nodePool`: the union of its NodeClaims' options. */
function allowedTypes(
  claims: readonly { nodePool: string; instanceTypes: string[]; pods: string[] }[],
  nodePool: string,
  workloads: ReadonlySet<string>
): Set<string> {
  const allowed = new Set<string>();
  for (const claim of claims) {
    if (claim.nodePool !== nodePool) continue;
    if (!claim.pods.some((pod) => workloads.has(workloadOf(pod)))) continue;
    for (const type of claim.instanceTypes) allowed.add(type);
  }
  return allowed;
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/** Sorted per-zone pod counts of a workload: the shape of its spread, whichever zone got which count. */
function zoneShape(placements: readonly PodPlacement[]): string {
  return [...countBy(placements, (p) => p.zone).values()].sort((a, b) => b - a).join('/');
}

export interface CompareOptions {
  /** Workloads with a zone topology spread: their per-zone shape must match too. */
  zoneSpreadWorkloads?: ReadonlySet<string>;
}

export function comparePlans(ours: OurPlan, karpenter: KarpenterPlan, options: CompareOptions = {}): Comparison {
  const differences: Difference[] = [];
  if (karpenter.error !== undefined) {
    differences.push({
      kind: 'error',
      subject: 'scenario',
      ours: 'planned',
      karpenter: karpenter.error,
      reason: 'the harness could not plan this scenario',
    });
  }
  const oursPlaced = ourPlacements(ours);
  const theirsPlaced = karpenterPlacements(karpenter);
  const oursByWorkload = groupByWorkload(oursPlaced);
  const theirsByWorkload = groupByWorkload(theirsPlaced);
  const oursUnplaced = countBy(ours.unschedulable, (u) => workloadOf(u.pod));
  const theirsUnplaced = countBy(karpenter.unschedulable, (u) => workloadOf(u.pod));
  const workloads = [
    ...new Set([
      ...oursByWorkload.keys(),
      ...theirsByWorkload.keys(),
      ...oursUnplaced.keys(),
      ...theirsUnplaced.keys(),
    ]),
  ].sort();

  for (const workload of workloads) {
    const mine = oursByWorkload.get(workload) ?? [];
    const theirs = theirsByWorkload.get(workload) ?? [];
    const minePlaced = mine.length;
    const theirsPlacedCount = theirs.length;
    if (minePlaced !== theirsPlacedCount || (oursUnplaced.get(workload) ?? 0) !== (theirsUnplaced.get(workload) ?? 0)) {
      differences.push({
        kind: 'placement',
        subject: workload,
        ours: `${minePlaced} placed, ${oursUnplaced.get(workload) ?? 0} unschedulable`,
        karpenter: `${theirsPlacedCount} placed, ${theirsUnplaced.get(workload) ?? 0} unschedulable`,
        reason:
          [
            reasonsFor(workload, ours.unschedulable) && `ours: ${reasonsFor(workload, ours.unschedulable)}`,
            reasonsFor(workload, karpenter.unschedulable) &&
              `Karpenter: ${reasonsFor(workload, karpenter.unschedulable)}`,
          ]
            .filter(Boolean)
            .join(' | ') || 'different number of pods placed',
      });
      continue;
    }
    const minePools = countBy(mine, (p) => p.nodePool);
    const theirPools = countBy(theirs, (p) => p.nodePool);
    if (describeCounts(minePools) !== describeCounts(theirPools)) {
      differences.push({
        kind: 'nodepool',
        subject: workload,
        ours: describeCounts(minePools),
        karpenter: describeCounts(theirPools),
        reason: 'pods of this workload went to other NodePools',
      });
    }
    const mineCapacity = countBy(mine, (p) => p.capacityType);
    const theirCapacity = countBy(theirs, (p) => p.capacityType);
    if (describeCounts(mineCapacity) !== describeCounts(theirCapacity)) {
      differences.push({
        kind: 'capacity-type',
        subject: workload,
        ours: describeCounts(mineCapacity),
        karpenter: describeCounts(theirCapacity),
        reason: 'the capacity type launched for these pods differs (Karpenter: CreateFleet DefaultTargetCapacityType)',
      });
    }
    if (options.zoneSpreadWorkloads?.has(workload) === true && zoneShape(mine) !== zoneShape(theirs)) {
      differences.push({
        kind: 'zones',
        subject: workload,
        ours: describeCounts(countBy(mine, (p) => p.zone)),
        karpenter: describeCounts(countBy(theirs, (p) => p.zone)),
        reason: 'the zone spread of this workload has another shape',
      });
    }
  }

  // Every type we launch must be one Karpenter allowed for the same pods, and the other way round.
  ours.nodeClaims.forEach((claim, index) => {
    const served = new Set(claim.pods.map(workloadOf));
    const allowed = allowedTypes(karpenter.nodeClaims, claim.nodePool, served);
    if (allowed.size > 0 && !allowed.has(claim.launch.instanceType)) {
      differences.push({
        kind: 'instance-type',
        subject: `our NodeClaim ${index + 1} (${[...served].join(', ')})`,
        ours: claim.launch.instanceType,
        karpenter: `${allowed.size} types, cheapest ${[...allowed].slice(0, 3).join(', ')}`,
        reason: 'we launch a type Karpenter does not allow for these pods',
      });
    }
  });
  karpenter.nodeClaims.forEach((claim, index) => {
    const chosen = claim.launch?.cheapest?.instanceType;
    if (chosen === undefined) return;
    const served = new Set(claim.pods.map(workloadOf));
    const allowed = allowedTypes(ours.nodeClaims, claim.nodePool, served);
    if (allowed.size > 0 && !allowed.has(chosen)) {
      differences.push({
        kind: 'instance-type',
        subject: `Karpenter NodeClaim ${index + 1} (${[...served].join(', ')})`,
        ours: `${allowed.size} types, cheapest ${[...allowed].slice(0, 3).join(', ')}`,
        karpenter: chosen,
        reason: 'Karpenter launches a type we do not allow for these pods',
      });
    }
  });

  const oursCost = round(ours.nodeClaims.reduce((sum, claim) => sum + claim.launch.price, 0));
  const theirsCost = round(karpenter.nodeClaims.reduce((sum, claim) => sum + (claim.launch?.cheapest?.price ?? 0), 0));
  if (oursCost > theirsCost * (1 + COST_TOLERANCE) + 1e-9) {
    differences.push({
      kind: 'cost',
      subject: 'plan',
      ours: `$${oursCost}/h on ${ours.nodeClaims.length} NodeClaims`,
      karpenter: `$${theirsCost}/h on ${karpenter.nodeClaims.length} NodeClaims`,
      reason: `ours costs more than ${COST_TOLERANCE * 100}% above Karpenter's`,
    });
  }
  const capacityTypes = (placements: PodPlacement[]) => [...new Set(placements.map((p) => p.capacityType))].sort();
  return {
    differences,
    ours: {
      placed: oursPlaced.length,
      unplaced: ours.unschedulable.length,
      nodeClaims: ours.nodeClaims.length,
      hourlyCost: oursCost,
      capacityTypes: capacityTypes(oursPlaced),
    },
    karpenter: {
      placed: theirsPlaced.length,
      unplaced: karpenter.unschedulable.length,
      nodeClaims: karpenter.nodeClaims.length,
      hourlyCost: theirsCost,
      capacityTypes: capacityTypes(theirsPlaced),
    },
  };
}
