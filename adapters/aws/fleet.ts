/**
 * What one CreateFleet asks for (Karpenter `pkg/providers/instance` `filterInstanceTypes`, `getCapacityType`,
 * `getOverrides`): the capacity type by Karpenter's precedence, then overrides — one per (instance type, zone), the
 * zone's chosen subnet, cheapest first, on at most 60 types — grouped by launch template (AMI and max pods). Pure.
 */
import type { CapacityType, InstanceType, Offering, ResourceList } from '../../core/cloudprovider/index.js';
import { allocatable, chooseLaunch, MAX_LAUNCH_INSTANCE_TYPES } from '../../core/cloudprovider/index.js';
import { Quantity } from '../../core/resources/index.js';
import { ALLOW_UNDEFINED_WELL_KNOWN_LABELS, Requirements } from '../../core/requirements/index.js';
import type { RequirementSpec } from '../../core/cloudprovider/index.js';
import { LABEL } from './instancetype.js';

/** Instance types per CreateFleet: Karpenter truncates its launch set to 60 (each with its zones as overrides). */
export const MAX_LAUNCH_TYPES = MAX_LAUNCH_INSTANCE_TYPES;

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

export interface LaunchPlan {
  capacityType: CapacityType;
  /** Offerings of the chosen capacity type on at most 60 types, cheapest first. */
  choices: Candidate[];
}

/**
 * The capacity type and the offerings one CreateFleet will offer EC2, or undefined when none is launchable: the
 * candidates of every compatible type that fits the requests, through Karpenter's launch rules (exotic and spot
 * filters, 60 types, reserved > spot > on-demand; `core/cloudprovider/launch-choice.ts`), the same rules the
 * scheduler's plan predicts the launch with.
 */
export function planLaunch(
  requirements: readonly RequirementSpec[],
  instanceTypes: readonly InstanceType[],
  zonesWithSubnet: ReadonlySet<string>,
  requests: ResourceList = {}
): LaunchPlan | undefined {
  const fitting = compatibleInstanceTypes(requirements, instanceTypes).filter((it) => fitsRequests(requests, it));
  const capacityType = Requirements.fromNodeSelectorRequirements(requirements).get(LABEL.capacityType);
  const choice = chooseLaunch(
    fitting.map((instanceType) => ({
      name: instanceType.name,
      exotic: instanceType.exotic === true,
      offerings: candidates(requirements, [instanceType], zonesWithSubnet).map((candidate) => ({
        ...candidate.offering,
        candidate,
      })),
    })),
    {
      allowsSpotAndOnDemand: capacityType.matches('spot') && capacityType.matches('on-demand'),
      hasMinValues: requirements.some((r) => r.minValues !== undefined),
    }
  );
  if (choice === undefined) return undefined;
  return {
    capacityType: choice.capacityType as CapacityType,
    choices: choice.overrides.map((override) => override.candidate),
  };
}

/** CreateFleet allocation strategies Karpenter uses: price-capacity-optimized for spot, lowest-price for on-demand. */
export const SPOT_ALLOCATION_STRATEGY = 'price-capacity-optimized' as const;
export const ON_DEMAND_ALLOCATION_STRATEGY = 'lowest-price' as const;
