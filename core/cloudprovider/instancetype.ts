import type { InstanceType, Offering, ResourceList } from './types.js';

/** Sum of the overhead terms; what Karpenter calls `Overhead.Total()`. */
export function totalOverhead(instanceType: InstanceType): ResourceList {
  const total: ResourceList = {};
  for (const part of [
    instanceType.overhead.kubeReserved,
    instanceType.overhead.systemReserved,
    instanceType.overhead.evictionThreshold,
  ]) {
    for (const [name, value] of Object.entries(part)) total[name] = (total[name] ?? 0) + value;
  }
  return total;
}

/** Capacity minus overhead, floored at zero: what pods can request on a node of this type. */
export function allocatable(instanceType: InstanceType): ResourceList {
  const overhead = totalOverhead(instanceType);
  const result: ResourceList = {};
  for (const [name, value] of Object.entries(instanceType.capacity)) {
    result[name] = Math.max(0, value - (overhead[name] ?? 0));
  }
  return result;
}

/** The price of one offering (type, zone, capacity type) in a catalogue; undefined when the catalogue lacks it. */
export function catalogueOfferingPrice(
  types: ReadonlyMap<string, InstanceType>
): (instanceType: string, zone: string, capacityType: string) => number | undefined {
  return (instanceType, zone, capacityType) =>
    types.get(instanceType)?.offerings.find((o) => o.zone === zone && o.capacityType === capacityType)?.price;
}

export function availableOfferings(instanceType: InstanceType): Offering[] {
  return instanceType.offerings.filter((offering) => offering.available);
}

/** Cheapest of the given offerings, ties broken by zone then capacity type so the choice is deterministic. */
export function cheapestOffering(offerings: readonly Offering[]): Offering | undefined {
  let best: Offering | undefined;
  for (const offering of offerings) {
    if (
      best === undefined ||
      offering.price < best.price ||
      (offering.price === best.price &&
        (offering.zone < best.zone || (offering.zone === best.zone && offering.capacityType < best.capacityType)))
    ) {
      best = offering;
    }
  }
  return best;
}
