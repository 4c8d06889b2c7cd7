/**
 * Turns the solver's state into the plan (Karpenter `FinalizeScheduling` plus the AWS launch choice): each
 * NodeClaim's options sorted by cheapest offering and cut to `maxInstanceTypes`, its launch offering, its
 * requirements without the placeholder hostname, and its requests with the smallest DaemonSet overhead.
 */
import type { CompiledCatalog, ResourceDimensions } from './catalog.js';
import type { ExistingNodeState } from './existingnode.js';
import { LABEL_HOSTNAME, LABEL_INSTANCE_TYPE } from './labels.js';
import { holds, type PlannedNodeClaim } from './nodeclaim.js';
import { Requirement } from './requirements.js';
import type { PlannedNodeClaim as PlannedNodeClaimOutput, SchedulingPlan } from './types.js';

interface PlanInput {
  claims: readonly PlannedNodeClaim[];
  existing: readonly ExistingNodeState[];
  unschedulable: { pod: string; reason: string }[];
  catalog: CompiledCatalog;
  dims: ResourceDimensions;
  options: { maxInstanceTypes: number; minValuesPolicy: 'Strict' | 'BestEffort' };
}

const EXCLUDED = new Set([LABEL_HOSTNAME]);

export function buildPlan(input: PlanInput): SchedulingPlan {
  const { catalog, dims } = input;
  const d = dims.size;
  const nodeClaims: PlannedNodeClaimOutput[] = [];
  const perPool = new Map<string, number>();
  for (const claim of input.claims) {
    // Options are pruned lazily while solving; keep the cheapest ones that hold every pod.
    const kept: { type: number; price: number; combo: number }[] = [];
    for (const t of catalog.sortedByPrice(claim.options, claim.allowedCombos)) {
      if (kept.length >= input.options.maxInstanceTypes) break;
      if (!holds(claim, t, d)) continue;
      const offering = catalog.cheapestOffering(t, claim.allowedCombos);
      if (offering !== undefined) kept.push({ type: t, price: offering.price, combo: offering.combo });
    }
    const minValuesError = truncatedMinValuesError(
      claim,
      kept.map((p) => p.type),
      catalog
    );
    if (kept.length === 0 || (minValuesError !== undefined && input.options.minValuesPolicy === 'Strict')) {
      const reason =
        kept.length === 0
          ? `no offering left for nodepool "${claim.template.name}"`
          : `nodepool "${claim.template.name}": ${minValuesError} after keeping the ${input.options.maxInstanceTypes} cheapest instance types`;
      for (const pod of claim.podKeys) input.unschedulable.push({ pod, reason });
      continue;
    }
    let launch = kept[0];
    for (const option of kept) {
      if (launch === undefined || option.price < launch.price) launch = option;
      else if (option.price === launch.price && catalog.comboBefore(option.combo, launch.combo)) launch = option;
    }
    if (launch === undefined) continue;
    const combo = catalog.combos[launch.combo];
    const names = kept.map((p) => catalog.names[p.type] ?? '');
    const requirements = claim.requirements.with(Requirement.in(LABEL_INSTANCE_TYPE, names));

    // The smallest DaemonSet overhead among the launch options is what the NodeClaim requests on top of its pods.
    let overhead: number | undefined;
    for (const { type } of kept) {
      if (
        overhead === undefined ||
        (claim.template.daemonOverhead[type * d] ?? 0) < (claim.template.daemonOverhead[overhead * d] ?? 0) ||
        ((claim.template.daemonOverhead[type * d] ?? 0) === (claim.template.daemonOverhead[overhead * d] ?? 0) &&
          (claim.template.daemonOverhead[type * d + 1] ?? 0) < (claim.template.daemonOverhead[overhead * d + 1] ?? 0))
      ) {
        overhead = type;
      }
    }
    const requests = new Float64Array(claim.requests);
    if (overhead !== undefined) {
      for (let k = 0; k < d; k++)
        requests[k] = (requests[k] ?? 0) + (claim.template.daemonOverhead[overhead * d + k] ?? 0);
    }
    const sequence = (perPool.get(claim.template.name) ?? 0) + 1;
    perPool.set(claim.template.name, sequence);
    nodeClaims.push({
      name: `${claim.template.name}-${String(sequence).padStart(4, '0')}`,
      nodePool: claim.template.name,
      instanceTypes: names,
      launch: {
        instanceType: catalog.names[launch.type] ?? '',
        zone: combo?.zone ?? '',
        capacityType: combo?.capacityType ?? '',
        price: launch.price,
      },
      requirements: requirements.toSpecs(EXCLUDED),
      pods: [...claim.podKeys],
      requests: dims.record(requests),
      ...(claim.relaxedMinValues || minValuesError !== undefined ? { minValuesRelaxed: true } : {}),
    });
  }
  return {
    nodeClaims,
    existingNodes: input.existing
      .filter((n) => n.podKeys.length > 0)
      .map((n) => ({ name: n.name, pods: [...n.podKeys] })),
    unschedulable: input.unschedulable,
  };
}

function truncatedMinValuesError(
  claim: PlannedNodeClaim,
  types: number[],
  catalog: CompiledCatalog
): string | undefined {
  for (const key of claim.template.minValuesKeys) {
    const requirement = claim.requirements.get(key);
    const minValues = requirement?.minValues;
    if (requirement === undefined || minValues === undefined) continue;
    const distinct = new Set<string>();
    for (const t of types) {
      const typeRequirement = catalog.requirements[t]?.get(key);
      if (typeRequirement === undefined || typeRequirement.complement) continue;
      for (const value of typeRequirement.values) if (requirement.has(value)) distinct.add(value);
    }
    if (distinct.size < minValues)
      return `minValues for ${key} is ${minValues} but only ${distinct.size} values remain`;
  }
  return undefined;
}
