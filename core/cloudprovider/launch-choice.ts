/**
 * Which instance types and offerings one launch of a NodeClaim asks the cloud for, by the rules of Karpenter's AWS
 * provider v1.14.1 (`pkg/providers/instance/instance.go` `filterInstanceTypes` and `getCapacityType`,
 * `pkg/providers/instance/filter/filter.go`). The scheduler's plan predicts the launch with it and the EC2 provider
 * launches with it, so both always agree. Pure; the caller has already kept only available offerings the NodeClaim's
 * requirements allow, on types that fit its requests.
 *
 * In Karpenter's order:
 * 1. exotic types (metal, GPUs, accelerators) are dropped when any other type remains — unless a requirement has
 *    minValues (`ExoticInstanceTypeFilter`, filter.go:329);
 * 2. when the requirements allow both spot and on-demand and both are offered, spot offerings dearer than the cheapest
 *    on-demand offering are dropped — again not with minValues (`SpotOfferingFilter`, filter.go:377);
 * 3. the types are ordered by their cheapest remaining offering and cut to 60 (`maxInstanceTypes`, instance.go:67);
 * 4. the capacity type is the first of reserved, spot, on-demand that any remaining offering has (`getCapacityType`,
 *    instance.go:744) — so a NodePool that says nothing about capacity type launches spot whenever spot is offered at
 *    or below the on-demand price;
 * 5. CreateFleet gets every remaining offering of that capacity type; with ample capacity it launches the cheapest
 *    (`lowest-price` for on-demand, `price-capacity-optimized` for spot).
 */
import type { CapacityType } from './types.js';

/** CreateFleet's instance-type cap (Karpenter AWS `maxInstanceTypes`). */
export const MAX_LAUNCH_INSTANCE_TYPES = 60;

export interface LaunchOffering {
  zone: string;
  capacityType: CapacityType | string;
  price: number;
}

export interface LaunchType<T extends LaunchOffering> {
  name: string;
  /** Launched only when nothing else remains (AWS: metal, GPU and accelerator types). */
  exotic: boolean;
  /** Its available offerings the NodeClaim allows. */
  offerings: readonly T[];
}

export interface LaunchRules {
  /** The NodeClaim's requirements allow both `spot` and `on-demand`. */
  allowsSpotAndOnDemand: boolean;
  /** Some requirement of the NodeClaim has minValues: both filters are skipped so as not to break it. */
  hasMinValues: boolean;
  /** Default MAX_LAUNCH_INSTANCE_TYPES. */
  maxInstanceTypes?: number;
  /**
   * The cheapest on-demand price over all of the NodeClaim's (non-exotic) types, for a caller that passes only the
   * price-ordered types that can still make the cut; computed from `types` when absent.
   */
  cheapestOnDemand?: number;
}

export interface LaunchChoice<T extends LaunchOffering> {
  capacityType: string;
  /** The launch set: types in price order, at most maxInstanceTypes. */
  types: LaunchType<T>[];
  /** Offerings of the chosen capacity type on those types, cheapest first (ties: type name, then zone). */
  overrides: T[];
}

const CAPACITY_TYPE_PRECEDENCE = ['reserved', 'spot', 'on-demand'];

function cheapest(offerings: readonly LaunchOffering[]): number {
  let min = Infinity;
  for (const offering of offerings) if (offering.price < min) min = offering.price;
  return min;
}

export function chooseLaunch<T extends LaunchOffering>(
  types: readonly LaunchType<T>[],
  rules: LaunchRules
): LaunchChoice<T> | undefined {
  let remaining = types.filter((type) => type.offerings.length > 0);
  if (!rules.hasMinValues) {
    const generic = remaining.filter((type) => !type.exotic);
    if (generic.length > 0) remaining = generic;
  }
  if (!rules.hasMinValues && rules.allowsSpotAndOnDemand) {
    const all = remaining.flatMap((type) => type.offerings);
    const cheapestOnDemand = rules.cheapestOnDemand ?? cheapest(all.filter((o) => o.capacityType === 'on-demand'));
    const hasSpot = all.some((o) => o.capacityType === 'spot');
    if (hasSpot && cheapestOnDemand < Infinity) {
      remaining = remaining
        .map((type) => ({
          ...type,
          offerings: type.offerings.filter((o) => !(o.capacityType === 'spot' && o.price > cheapestOnDemand)),
        }))
        .filter((type) => type.offerings.length > 0);
    }
  }
  // Stable: equally priced types keep the caller's order, as Go's sort.SliceStable does.
  remaining = remaining
    .map((type, index) => ({ type, index, price: cheapest(type.offerings) }))
    .sort((a, b) => a.price - b.price || a.index - b.index)
    .slice(0, rules.maxInstanceTypes ?? MAX_LAUNCH_INSTANCE_TYPES)
    .map(({ type }) => type);
  const capacityType = CAPACITY_TYPE_PRECEDENCE.find((ct) =>
    remaining.some((type) => type.offerings.some((o) => o.capacityType === ct))
  );
  if (capacityType === undefined) return undefined;
  const overrides = remaining
    .flatMap((type) =>
      type.offerings.filter((o) => o.capacityType === capacityType).map((o) => ({ o, name: type.name }))
    )
    .sort(
      (a, b) =>
        a.o.price - b.o.price ||
        (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) ||
        (a.o.zone < b.o.zone ? -1 : a.o.zone > b.o.zone ? 1 : 0)
    )
    .map(({ o }) => o);
  return { capacityType, types: remaining, overrides };
}
