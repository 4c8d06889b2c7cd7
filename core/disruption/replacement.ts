import type { RequirementSpec } from '../cloudprovider/types.js';
import { Requirement } from '../requirements/index.js';
import type { DisruptionNode, PriceOf, Replacement, SimulationResult } from './types.js';

const INSTANCE_TYPE = 'node.kubernetes.io/instance-type';
const CAPACITY_TYPE = 'karpenter.sh/capacity-type';

const SPOT_TO_SPOT_TYPES = 15;

export interface CheaperOptions {
  /** Karpenter's `SpotToSpotConsolidation` gate (off by default). */
  spotToSpot: boolean;
}

/** Whether every requirement on `key` lets a node carry `value` (the requirements algebra of core/requirements). */
export function allows(requirements: RequirementSpec[], key: string, value: string): boolean {
  return requirements
    .filter((r) => r.key === key)
    .every((r) => Requirement.fromNodeSelectorRequirement(r).matches(value));
}

function withValues(requirements: RequirementSpec[], key: string, values: string[]): RequirementSpec[] {
  return [...requirements.filter((r) => r.key !== key), { key, operator: 'In', values }];
}

/** A replacement at its worst-case price, with no price filter (drift and expiration replace like for like). */
export function replacementAsPlanned(claim: SimulationResult['newNodeClaims'][number], priceOf: PriceOf): Replacement {
  const prices = claim.instanceTypes.map((t) => priceOf(t, claim.requirements) ?? 0);
  return {
    ...claim,
    worstCasePrice: prices.length ? Math.max(...prices) : 0,
    expectedPrice: prices.length ? Math.min(...prices) : 0,
  };
}

/**
 * Karpenter's consolidation price rule: keep only instance types whose worst-case launch price is strictly below
 * what the candidates cost together; drop a removed type and everything dearer (else m→1 relaunches one of the
 * removed nodes); replacing spot with spot needs the gate; an on-demand candidate is replaced by spot when the
 * pool allows spot, so an ICE fallback cannot land on a dearer on-demand node. Returns why not, as a string, when
 * no type is left.
 */
export function cheaperReplacement(
  claim: SimulationResult['newNodeClaims'][number],
  candidates: DisruptionNode[],
  priceOf: PriceOf,
  options: CheaperOptions,
  singleNode = candidates.length === 1
): Replacement | string {
  const candidatePrice = candidates.reduce((sum, c) => sum + c.price, 0);
  if (!options.spotToSpot && candidates.every((c) => c.capacityType === 'spot'))
    return 'replacing spot with spot is off (SpotToSpotConsolidation)';
  let requirements = claim.requirements;
  if (candidates.some((c) => c.capacityType === 'on-demand') && allows(requirements, CAPACITY_TYPE, 'spot'))
    requirements = withValues(requirements, CAPACITY_TYPE, ['spot']);
  const removed = new Set(candidates.map((c) => c.instanceType));
  const cut = claim.instanceTypes.findIndex((t) => removed.has(t));
  const options_ = cut >= 0 ? claim.instanceTypes.slice(0, cut) : claim.instanceTypes;
  const kept: { type: string; price: number }[] = [];
  for (const type of options_) {
    const price = priceOf(type, requirements);
    if (price !== undefined && price < candidatePrice) kept.push({ type, price });
  }
  if (kept.length === 0) return `no instance type for the replacement is cheaper than $${candidatePrice.toFixed(4)}/h`;
  // Karpenter's single-node spot-to-spot rule: only with at least 15 cheaper types, launched with exactly the 15
  // cheapest (or as many as minValues needs), so repeated consolidation cannot race to the bottom of the market.
  if (singleNode && candidates.every((c) => c.capacityType === 'spot')) {
    const floor = Math.max(SPOT_TO_SPOT_TYPES, ...claim.requirements.map((r) => r.minValues ?? 0));
    if (kept.length < floor) return `spot-to-spot needs ${floor} cheaper instance types, only ${kept.length} are`;
    kept.splice(floor);
  }
  return {
    ...claim,
    instanceTypes: kept.map((k) => k.type),
    requirements: withValues(
      requirements,
      INSTANCE_TYPE,
      kept.map((k) => k.type)
    ),
    worstCasePrice: Math.max(...kept.map((k) => k.price)),
    expectedPrice: Math.min(...kept.map((k) => k.price)),
  };
}
