/**
 * Turns the solver's state into the plan (Karpenter `FinalizeScheduling` plus the AWS launch choice): each
 * NodeClaim's options sorted by cheapest offering and cut to `maxInstanceTypes`, its launch offering, its
 * requirements without the placeholder hostname, and its requests with the smallest DaemonSet overhead.
 */
import type { CompiledCatalog, ResourceDimensions } from './catalog.js';
import type { ExistingNodeState } from './existingnode.js';
import { chooseLaunch, MAX_LAUNCH_INSTANCE_TYPES } from '../cloudprovider/launch-choice.js';
import { LABEL_CAPACITY_TYPE, LABEL_HOSTNAME, LABEL_INSTANCE_TYPE } from './labels.js';
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

/** Karpenter's cap on the types written onto one NodeClaim (`MaxInstanceTypes`, nodeclaimtemplate.go:50). */
const KARPENTER_MAX_NODECLAIM_TYPES = 600;

interface LaunchOffering {
  zone: string;
  capacityType: string;
  price: number;
  combo: number;
  type: number;
}

/** A type's available offerings the NodeClaim allows. */
function offeringsOf(type: number, allowed: Uint8Array, catalog: CompiledCatalog): LaunchOffering[] {
  const combos = catalog.typeCombos[type];
  const prices = catalog.typePrices[type];
  const out: LaunchOffering[] = [];
  if (combos === undefined || prices === undefined) return out;
  for (let i = 0; i < combos.length; i++) {
    const combo = combos[i] ?? 0;
    if (allowed[combo] !== 1) continue;
    const { zone = '', capacityType = '' } = catalog.combos[combo] ?? {};
    out.push({ zone, capacityType, price: prices[i] ?? Infinity, combo, type });
  }
  return out;
}

/**
 * The types that can make chooseLaunch's cut of 60, found without building every type's offerings (a NodeClaim can
 * hold hundreds of types): the same exotic rule, the cheapest on-demand price over all remaining types for the spot
 * rule, then types in price order until no later one can beat the 60th cheapest — a type's price after the spot
 * rule is never below its cheapest offering, which is the order they come in.
 */
function launchCandidates(
  holding: readonly { type: number; price: number }[],
  allowed: Uint8Array,
  catalog: CompiledCatalog,
  rules: { allowsSpotAndOnDemand: boolean; hasMinValues: boolean }
): { types: number[]; cheapestOnDemand: number } {
  let pool = holding;
  if (!rules.hasMinValues && holding.some(({ type }) => catalog.types[type]?.exotic !== true)) {
    pool = holding.filter(({ type }) => catalog.types[type]?.exotic !== true);
  }
  let cheapestOnDemand = Infinity;
  let hasSpot = false;
  for (const { type } of pool) {
    const combos = catalog.typeCombos[type] ?? [];
    const prices = catalog.typePrices[type] ?? [];
    for (let i = 0; i < combos.length; i++) {
      const combo = combos[i] ?? 0;
      if (allowed[combo] !== 1) continue;
      const capacityType = catalog.combos[combo]?.capacityType;
      if (capacityType === 'on-demand') cheapestOnDemand = Math.min(cheapestOnDemand, prices[i] ?? Infinity);
      else if (capacityType === 'spot') hasSpot = true;
    }
  }
  const spotCap =
    !rules.hasMinValues && rules.allowsSpotAndOnDemand && hasSpot && cheapestOnDemand < Infinity
      ? cheapestOnDemand
      : Infinity;
  const types: number[] = [];
  // The 60 lowest prices after the spot rule so far, ascending; the last is the price to beat.
  const lowest: number[] = [];
  for (const { type, price } of pool) {
    if (lowest.length >= MAX_LAUNCH_INSTANCE_TYPES && price > (lowest[lowest.length - 1] ?? Infinity)) break;
    const combos = catalog.typeCombos[type] ?? [];
    const prices = catalog.typePrices[type] ?? [];
    let best = Infinity;
    for (let i = 0; i < combos.length; i++) {
      const combo = combos[i] ?? 0;
      const offeringPrice = prices[i] ?? Infinity;
      if (allowed[combo] !== 1) continue;
      if (catalog.combos[combo]?.capacityType === 'spot' && offeringPrice > spotCap) continue;
      if (offeringPrice < best) best = offeringPrice;
    }
    if (best === Infinity) continue;
    types.push(type);
    let at = lowest.length;
    while (at > 0 && (lowest[at - 1] ?? 0) > best) at--;
    lowest.splice(at, 0, best);
    if (lowest.length > MAX_LAUNCH_INSTANCE_TYPES) lowest.pop();
  }
  return { types, cheapestOnDemand };
}

/** The capacity types the NodeClaim's types offer, sorted; stops once every capacity type the catalogue has is seen. */
function capacityTypesOf(types: readonly { type: number }[], allowed: Uint8Array, catalog: CompiledCatalog): string[] {
  const all = new Set(catalog.combos.map((combo) => combo.capacityType)).size;
  const found = new Set<string>();
  for (const { type } of types) {
    const combos = catalog.typeCombos[type] ?? [];
    for (let i = 0; i < combos.length; i++) {
      const combo = combos[i] ?? 0;
      if (allowed[combo] === 1) found.add(catalog.combos[combo]?.capacityType ?? '');
    }
    if (found.size === all) break;
  }
  return [...found].sort();
}

export function buildPlan(input: PlanInput): SchedulingPlan {
  const { catalog, dims } = input;
  const d = dims.size;
  const nodeClaims: PlannedNodeClaimOutput[] = [];
  const perPool = new Map<string, number>();
  for (const claim of input.claims) {
    // Options are pruned lazily while solving. Karpenter writes up to 600 types that hold every pod onto the NodeClaim
    // (nodeclaimtemplate.go:114) and the provider launches from those; we list the cheapest maxInstanceTypes.
    const holding: { type: number; price: number; combo: number }[] = [];
    for (const t of catalog.sortedByPrice(claim.options, claim.allowedCombos)) {
      if (holding.length >= KARPENTER_MAX_NODECLAIM_TYPES) break;
      if (!holds(claim, t, d)) continue;
      const offering = catalog.cheapestOffering(t, claim.allowedCombos);
      if (offering !== undefined) holding.push({ type: t, price: offering.price, combo: offering.combo });
    }
    const kept = holding.slice(0, input.options.maxInstanceTypes);
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
    const capacityTypes = capacityTypesOf(holding, claim.allowedCombos, catalog);
    const capacityTypeRequirement = claim.requirements.get(LABEL_CAPACITY_TYPE);
    const rules = {
      allowsSpotAndOnDemand:
        (capacityTypeRequirement?.has('spot') ?? true) && (capacityTypeRequirement?.has('on-demand') ?? true),
      hasMinValues: claim.template.minValuesKeys.length > 0,
    };
    const candidates = launchCandidates(holding, claim.allowedCombos, catalog, rules);
    const choice = chooseLaunch(
      candidates.types.map((type) => ({
        name: catalog.names[type] ?? '',
        exotic: catalog.types[type]?.exotic === true,
        offerings: offeringsOf(type, claim.allowedCombos, catalog),
      })),
      { ...rules, cheapestOnDemand: candidates.cheapestOnDemand }
    );
    const launch = choice?.overrides[0];
    if (launch === undefined) {
      for (const pod of claim.podKeys)
        input.unschedulable.push({ pod, reason: `no offering left for nodepool "${claim.template.name}"` });
      continue;
    }
    const combo = catalog.combos[launch.combo];
    const names = kept.map((p) => catalog.names[p.type] ?? '');
    // Karpenter writes the capacity types its launch options offer onto the NodeClaim (nodeclaimtemplate.go:118-127).
    let requirements = claim.requirements.with(Requirement.in(LABEL_INSTANCE_TYPE, names));
    if (capacityTypes.length > 0) requirements = requirements.with(Requirement.in(LABEL_CAPACITY_TYPE, capacityTypes));

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
