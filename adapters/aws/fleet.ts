/**
 * What one CreateFleet asks for (Karpenter `pkg/providers/instance` `getCapacityType`, `filterUnwantedSpot`,
 * `getOverrides`): the capacity type by Karpenter's precedence, then overrides — one per (instance type, zone), the
 * zone's chosen subnet, cheapest first, at most 60 — grouped by launch template (AMI and max pods). Pure.
 */
import type { CapacityType, InstanceType, Offering, ResourceList } from '../../core/cloudprovider/index.js';
import { allocatable } from '../../core/cloudprovider/index.js';
import { Quantity } from '../../core/resources/index.js';
import { ALLOW_UNDEFINED_WELL_KNOWN_LABELS, Requirements } from '../../core/requirements/index.js';
import type { RequirementSpec } from '../../core/cloudprovider/index.js';
import { LABEL } from './instancetype.js';

/** CreateFleet overrides per request; Karpenter truncates its launch set to 60 instance types. */
export const MAX_OVERRIDES = 60;

export interface Candidate {
  instanceType: InstanceType;
  offering: Offering;
}

/** Instance types the NodeClaim's requirements allow (Karpenter: compatible, undefined well-known labels allowed). */
export function compatibleInstanceTypes(
  requirements: readonly RequirementSpec[],
  instanceTypes: readonly InstanceType[]
): InstanceType[] {
  const claim = Requirements.fromNodeSelectorRequirements(requirements);
  return instanceTypes.filter((it) =>
    claim.isCompatible(Requirements.fromNodeSelectorRequirements(it.requirements), ALLOW_UNDEFINED_WELL_KNOWN_LABELS)
  );
}

/** Requests as canonical numbers (cpu in millicores, everything else in base units), as the catalogue counts them. */
export function canonicalRequests(requests: Readonly<Record<string, string | number>> | undefined): ResourceList {
  const out: ResourceList = {};
  for (const [name, value] of Object.entries(requests ?? {})) {
    const quantity = Quantity.parse(value);
    out[name] = name === 'cpu' ? quantity.milliValue() : quantity.value();
  }
  return out;
}

/** Whether the NodeClaim's requests fit the type's allocatable (Karpenter filters launch candidates by it too). */
export function fitsRequests(requests: ResourceList, instanceType: InstanceType): boolean {
  const free = allocatable(instanceType);
  return Object.entries(requests).every(([name, value]) => value <= (free[name] ?? 0));
}

/** Offerings of these types the requirements allow (zone, capacity type), available and in a zone with a subnet. */
export function candidates(
  requirements: readonly RequirementSpec[],
  instanceTypes: readonly InstanceType[],
  zonesWithSubnet: ReadonlySet<string>
): Candidate[] {
  const claim = Requirements.fromNodeSelectorRequirements(requirements);
  const zone = claim.get(LABEL.zone);
  const capacityType = claim.get(LABEL.capacityType);
  const out: Candidate[] = [];
  for (const instanceType of instanceTypes) {
    for (const offering of instanceType.offerings) {
      if (!offering.available || !zonesWithSubnet.has(offering.zone)) continue;
      if (!zone.matches(offering.zone) || !capacityType.matches(offering.capacityType)) continue;
      out.push({ instanceType, offering });
    }
  }
  return out;
}

/**
 * Karpenter's precedence: reserved when allowed and offered, else spot when allowed and offered, else on-demand.
 * Undefined when nothing is launchable at all.
 */
export function selectCapacityType(available: readonly Candidate[]): CapacityType | undefined {
  for (const capacityType of ['reserved', 'spot', 'on-demand'] as const) {
    if (available.some((c) => c.offering.capacityType === capacityType)) return capacityType;
  }
  return undefined;
}

/**
 * For spot, drop offerings dearer than the cheapest on-demand offering the NodeClaim could have had (Karpenter
 * `filterUnwantedSpot`): paying more for interruptible capacity is never the intent.
 */
export function filterUnwantedSpot(spot: readonly Candidate[], all: readonly Candidate[]): Candidate[] {
  const onDemand = all.filter((c) => c.offering.capacityType === 'on-demand').map((c) => c.offering.price);
  if (onDemand.length === 0) return [...spot];
  const cheapest = Math.min(...onDemand);
  return spot.filter((c) => c.offering.price <= cheapest);
}

/** Cheapest first; ties by instance type then zone so the same input always gives the same request. */
export function orderByPrice(list: readonly Candidate[]): Candidate[] {
  return [...list].sort(
    (a, b) =>
      a.offering.price - b.offering.price ||
      (a.instanceType.name < b.instanceType.name ? -1 : a.instanceType.name > b.instanceType.name ? 1 : 0) ||
      (a.offering.zone < b.offering.zone ? -1 : a.offering.zone > b.offering.zone ? 1 : 0)
  );
}

export interface LaunchPlan {
  capacityType: CapacityType;
  /** Cheapest first, at most MAX_OVERRIDES. */
  choices: Candidate[];
}

/** The capacity type and the offerings one CreateFleet will offer EC2, or undefined when none is launchable. */
export function planLaunch(
  requirements: readonly RequirementSpec[],
  instanceTypes: readonly InstanceType[],
  zonesWithSubnet: ReadonlySet<string>,
  requests: ResourceList = {}
): LaunchPlan | undefined {
  const fitting = compatibleInstanceTypes(requirements, instanceTypes).filter((it) => fitsRequests(requests, it));
  const all = candidates(requirements, fitting, zonesWithSubnet);
  const capacityType = selectCapacityType(all);
  if (capacityType === undefined) return undefined;
  let chosen = all.filter((c) => c.offering.capacityType === capacityType);
  if (capacityType === 'spot') chosen = filterUnwantedSpot(chosen, all);
  return { capacityType, choices: orderByPrice(chosen).slice(0, MAX_OVERRIDES) };
}

/** CreateFleet allocation strategies Karpenter uses: price-capacity-optimized for spot, lowest-price for on-demand. */
export const SPOT_ALLOCATION_STRATEGY = 'price-capacity-optimized' as const;
export const ON_DEMAND_ALLOCATION_STRATEGY = 'lowest-price' as const;
