/**
 * The instance-type catalogue compiled for one solve: resources as flat typed arrays (type × dimension), offerings
 * as interned (zone, capacity type) combinations, requirements pre-parsed. NodeClaims then hold lists of type
 * indices and every fit check is a few array reads.
 */
import type { InstanceType } from '../cloudprovider/types.js';
import { allocatable } from '../cloudprovider/instancetype.js';
import { LABEL_CAPACITY_TYPE, LABEL_INSTANCE_TYPE, LABEL_ZONE, normalizeKey } from './labels.js';
import { Requirement, Requirements } from './requirements.js';

/** Fixed resource dimensions; extended resources get indices after these. */
export const CPU = 0;
export const MEMORY = 1;
export const PODS = 2;
export const EPHEMERAL_STORAGE = 3;

export class ResourceDimensions {
  readonly names: string[] = ['cpu', 'memory', 'pods', 'ephemeral-storage'];
  private readonly index = new Map(this.names.map((name, i) => [name, i]));

  add(name: string): number {
    let i = this.index.get(name);
    if (i === undefined) {
      i = this.names.length;
      this.names.push(name);
      this.index.set(name, i);
    }
    return i;
  }

  indexOf(name: string): number | undefined {
    return this.index.get(name);
  }

  get size(): number {
    return this.names.length;
  }

  vector(list: Record<string, number>): Float64Array {
    const vector = new Float64Array(this.size);
    for (const [name, value] of Object.entries(list)) {
      const i = this.index.get(name);
      if (i !== undefined) vector[i] = value;
    }
    return vector;
  }

  record(vector: Float64Array): Record<string, number> {
    const list: Record<string, number> = {};
    this.names.forEach((name, i) => {
      const value = vector[i] ?? 0;
      if (value !== 0) list[name] = value;
    });
    return list;
  }
}

function rank(capacityType: string): number {
  return capacityType === 'reserved' ? 0 : capacityType === 'spot' ? 1 : capacityType === 'on-demand' ? 2 : 3;
}

export interface OfferingCombo {
  zone: string;
  capacityType: string;
}

const compiled = new WeakMap<readonly InstanceType[], CompiledCatalog[]>();

/**
 * A cheap numeric fingerprint of what typically changes in place between solves: offering availability and
 * prices, capacity and overhead figures, requirement counts. Names and label values are covered by identity of
 * the array; an in-place rename would not be caught.
 */
function catalogFingerprint(types: readonly InstanceType[]): number {
  let hash = 0x811c9dc5;
  const mix = (value: number): void => {
    hash = Math.imul(hash ^ (value | 0), 0x01000193);
    hash = Math.imul(hash ^ (((value * 1e6) % 2147483647) | 0), 0x01000193);
  };
  for (const type of types) {
    mix(type.name.length);
    for (const value of Object.values(type.capacity)) mix(value);
    for (const part of [type.overhead.kubeReserved, type.overhead.systemReserved, type.overhead.evictionThreshold]) {
      for (const value of Object.values(part)) mix(value);
    }
    mix(type.offerings.length);
    for (const offering of type.offerings) {
      mix(offering.price);
      mix(offering.available ? 1 : 2);
      mix(offering.zone.length + offering.zone.charCodeAt(offering.zone.length - 1));
      mix(offering.capacityType.length);
    }
    mix(type.requirements.length);
  }
  return hash >>> 0;
}

export class CompiledCatalog {
  /**
   * The compiled form of a catalogue array, reused while the same array is passed again with the same resource
   * dimensions: a catalogue changes every few minutes, pods every second. Pure memoisation, so solves stay
   * deterministic.
   */
  static cached(types: readonly InstanceType[], dims: ResourceDimensions): CompiledCatalog {
    for (const type of types) for (const name of Object.keys(type.capacity)) dims.add(name);
    // The fingerprint catches an array edited in place (an offering marked unavailable, a price change).
    const fingerprint = catalogFingerprint(types);
    const list = compiled.get(types) ?? [];
    const hit = list.find(
      (catalog) =>
        catalog.fingerprint === fingerprint && catalog.dims.names.join('\u0000') === dims.names.join('\u0000')
    );
    if (hit !== undefined) return hit;
    const catalog = new CompiledCatalog(types, dims, fingerprint);
    compiled.set(types, [...list.slice(-3), catalog]);
    return catalog;
  }

  readonly names: string[];
  readonly requirements: Requirements[];
  /** Allocatable (capacity − overhead), `types × dims`. */
  readonly allocatable: Float64Array;
  /** Capacity, `types × dims`; what NodePool limits count. */
  readonly capacity: Float64Array;
  readonly combos: OfferingCombo[] = [];
  /** Per type: the combos of its available offerings and their prices, aligned. */
  readonly typeCombos: Int32Array[];
  readonly typePrices: Float64Array[];
  /** Every label key some instance type defines. */
  readonly labelKeys = new Set<string>();

  constructor(
    readonly types: readonly InstanceType[],
    readonly dims: ResourceDimensions,
    readonly fingerprint: number = catalogFingerprint(types)
  ) {
    for (const type of types) {
      for (const name of Object.keys(type.capacity)) dims.add(name);
    }
    const comboIndex = new Map<string, number>();
    const d = dims.size;
    this.names = types.map((type) => type.name);
    this.allocatable = new Float64Array(types.length * d);
    this.capacity = new Float64Array(types.length * d);
    this.typeCombos = [];
    this.typePrices = [];
    this.requirements = types.map((type, t) => {
      this.allocatable.set(dims.vector(allocatable(type)), t * d);
      this.capacity.set(dims.vector(type.capacity), t * d);
      const combos: number[] = [];
      const prices: number[] = [];
      const zones = new Set<string>();
      const capacityTypes = new Set<string>();
      for (const offering of type.offerings) {
        if (!offering.available) continue;
        const key = `${offering.zone}\u0000${offering.capacityType}`;
        let combo = comboIndex.get(key);
        if (combo === undefined) {
          combo = this.combos.length;
          this.combos.push({ zone: offering.zone, capacityType: offering.capacityType });
          comboIndex.set(key, combo);
        }
        combos.push(combo);
        prices.push(offering.price);
        zones.add(offering.zone);
        capacityTypes.add(offering.capacityType);
      }
      this.typeCombos.push(Int32Array.from(combos));
      this.typePrices.push(Float64Array.from(prices));
      let requirements = Requirements.fromSpecs(type.requirements.map((r) => ({ ...r, key: normalizeKey(r.key) })));
      requirements = requirements.with(Requirement.in(LABEL_INSTANCE_TYPE, [type.name]));
      // Zone and capacity type come from the offerings that are available now, as in Karpenter's providers.
      requirements = requirements.with(Requirement.in(LABEL_ZONE, zones));
      requirements = requirements.with(Requirement.in(LABEL_CAPACITY_TYPE, capacityTypes));
      for (const key of requirements.byKey.keys()) this.labelKeys.add(key);
      return requirements;
    });
  }

  private readonly comboMasks = new Map<string, Uint8Array>();

  /**
   * Which combos a requirement set allows, as a byte mask indexed by combo. Masks are interned, so equal masks are
   * the same object and per-mask caches (prices) are shared across NodeClaims.
   */
  allowedCombos(requirements: Requirements): Uint8Array {
    const mask = this.computeAllowedCombos(requirements);
    const key = mask.join('');
    const interned = this.comboMasks.get(key);
    if (interned !== undefined) return interned;
    this.comboMasks.set(key, mask);
    return mask;
  }

  private readonly priceCache = new Map<Uint8Array, Float64Array>();

  /** Cheapest allowed price per type under an (interned) combo mask; Infinity when no offering is allowed. */
  prices(allowed: Uint8Array): Float64Array {
    let prices = this.priceCache.get(allowed);
    if (prices === undefined) {
      prices = new Float64Array(this.names.length);
      for (let t = 0; t < prices.length; t++) prices[t] = this.cheapestOffering(t, allowed)?.price ?? Infinity;
      this.priceCache.set(allowed, prices);
    }
    return prices;
  }

  private readonly sortedCache = new WeakMap<Int32Array, Map<Uint8Array, Int32Array>>();

  /** `options` sorted by cheapest allowed price, then name; memoised per (options, mask) pair. */
  sortedByPrice(options: Int32Array, allowed: Uint8Array): Int32Array {
    let byMask = this.sortedCache.get(options);
    if (byMask === undefined) this.sortedCache.set(options, (byMask = new Map()));
    let sorted = byMask.get(allowed);
    if (sorted === undefined) {
      const prices = this.prices(allowed);
      sorted = Int32Array.from(options).sort(
        (a, b) =>
          (prices[a] ?? Infinity) - (prices[b] ?? Infinity) || ((this.names[a] ?? '') < (this.names[b] ?? '') ? -1 : 1)
      );
      byMask.set(allowed, sorted);
    }
    return sorted;
  }

  private readonly offeringFiltered = new WeakMap<Int32Array, Map<Uint8Array, Int32Array>>();
  private readonly requirementFiltered = new Map<string, Int32Array>();

  /**
   * The options with an allowed offering and, when `requirements` is given, compatible with them. Results are
   * interned (the same input gives the same array object), so NodeClaims share option lists and the per-list
   * price sorting is done once.
   */
  filterOptions(options: Int32Array, allowed: Uint8Array, requirements: Requirements | undefined): Int32Array {
    if (requirements === undefined) {
      let byMask = this.offeringFiltered.get(options);
      if (byMask === undefined) this.offeringFiltered.set(options, (byMask = new Map()));
      let filtered = byMask.get(allowed);
      if (filtered === undefined) {
        filtered = options.filter((t) => this.hasAllowedOffering(t, allowed));
        if (filtered.length === options.length) filtered = options;
        byMask.set(allowed, filtered);
      }
      return filtered;
    }
    const filtered = options.filter(
      (t) => this.requirements[t]?.intersectsError(requirements) === undefined && this.hasAllowedOffering(t, allowed)
    );
    if (filtered.length === options.length) return options;
    const key = filtered.join(',');
    const interned = this.requirementFiltered.get(key);
    if (interned !== undefined) return interned;
    // Bounded: the catalogue outlives solves.
    if (this.requirementFiltered.size > 4096) this.requirementFiltered.clear();
    this.requirementFiltered.set(key, filtered);
    return filtered;
  }

  private computeAllowedCombos(requirements: Requirements): Uint8Array {
    const zone = requirements.get(LABEL_ZONE);
    const capacityType = requirements.get(LABEL_CAPACITY_TYPE);
    const mask = new Uint8Array(this.combos.length);
    this.combos.forEach((combo, i) => {
      mask[i] =
        (zone === undefined || zone.has(combo.zone)) &&
        (capacityType === undefined || capacityType.has(combo.capacityType))
          ? 1
          : 0;
    });
    return mask;
  }

  hasAllowedOffering(type: number, allowed: Uint8Array): boolean {
    const combos = this.typeCombos[type];
    if (combos === undefined) return false;
    for (let i = 0; i < combos.length; i++) if (allowed[combos[i] ?? 0] === 1) return true;
    return false;
  }

  /** Cheapest allowed offering of a type, or undefined. */
  cheapestOffering(type: number, allowed: Uint8Array): { combo: number; price: number } | undefined {
    const combos = this.typeCombos[type];
    const prices = this.typePrices[type];
    if (combos === undefined || prices === undefined) return undefined;
    let best: { combo: number; price: number } | undefined;
    for (let i = 0; i < combos.length; i++) {
      const combo = combos[i] ?? 0;
      const price = prices[i] ?? Infinity;
      if (allowed[combo] !== 1) continue;
      if (best === undefined || price < best.price || (price === best.price && this.comboBefore(combo, best.combo))) {
        best = { combo, price };
      }
    }
    return best;
  }

  /** Tie-break between equally priced offerings: reserved, then spot, then on-demand (AWS's order), then zone. */
  comboBefore(a: number, b: number): boolean {
    const ca = this.combos[a];
    const cb = this.combos[b];
    if (ca === undefined || cb === undefined) return false;
    const ra = rank(ca.capacityType);
    const rb = rank(cb.capacityType);
    if (ra !== rb) return ra < rb;
    return ca.zone < cb.zone;
  }
}
