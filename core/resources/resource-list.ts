import { Quantity } from './quantity.js';

/** Kubernetes `ResourceList`: resource name → quantity (`cpu`, `memory`, `pods`, `nvidia.com/gpu`, ...). */
export type ResourceList = Readonly<Record<string, Quantity>>;

/** The wire form as found in manifests: quantity strings or plain numbers. */
export type RawResourceList = Readonly<Record<string, string | number>>;

/** Parses every entry; throws InvalidQuantityError naming the bad input. */
export function parseResourceList(raw: RawResourceList): ResourceList {
  const list: Record<string, Quantity> = {};
  for (const [name, value] of Object.entries(raw)) list[name] = Quantity.parse(value);
  return list;
}

/** Canonical strings, keys sorted (stable output for status fields and logs). */
export function formatResourceList(list: ResourceList): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const name of Object.keys(list).sort()) raw[name] = (list[name] as Quantity).toString();
  return raw;
}

function get(list: ResourceList, name: string): Quantity {
  return list[name] ?? Quantity.ZERO;
}

/** Sum of the lists, key by key (Karpenter's `resources.Merge`). */
export function sum(...lists: readonly ResourceList[]): ResourceList {
  const result: Record<string, Quantity> = {};
  for (const list of lists) {
    for (const [name, quantity] of Object.entries(list)) result[name] = get(result, name).add(quantity);
  }
  return result;
}

/** `lhs − rhs` for every key of either side; keys only in `rhs` come out negative (Karpenter's `resources.Subtract`). */
export function subtract(lhs: ResourceList, rhs: ResourceList): ResourceList {
  const result: Record<string, Quantity> = { ...lhs };
  for (const [name, quantity] of Object.entries(rhs)) result[name] = get(result, name).sub(quantity);
  return result;
}

/** Key-by-key maximum (Karpenter's `resources.MaxResources`). */
export function max(...lists: readonly ResourceList[]): ResourceList {
  const result: Record<string, Quantity> = {};
  for (const list of lists) {
    for (const [name, quantity] of Object.entries(list)) {
      const current = result[name];
      if (current === undefined || quantity.cmp(current) > 0) result[name] = quantity;
    }
  }
  return result;
}

/** Every quantity multiplied by a whole number. */
export function scale(list: ResourceList, factor: number): ResourceList {
  const result: Record<string, Quantity> = {};
  for (const [name, quantity] of Object.entries(list)) result[name] = quantity.mul(factor);
  return result;
}

/**
 * Whether `candidate` fits in `total`: every requested quantity is at most what `total` has, a missing key in `total`
 * counting as zero (Karpenter's `resources.Fits`).
 */
export function fits(candidate: ResourceList, total: ResourceList): boolean {
  for (const [name, quantity] of Object.entries(candidate)) if (quantity.cmp(get(total, name)) > 0) return false;
  return true;
}

/** Names whose quantity in `used` is above the one in `limits`; keys absent from `limits` are unbounded. */
export function exceeded(used: ResourceList, limits: ResourceList): string[] {
  return Object.keys(limits)
    .filter((name) => get(used, name).cmp(limits[name] as Quantity) > 0)
    .sort();
}

/** True when every quantity is zero (or the list is empty). */
export function isZero(list: ResourceList): boolean {
  return Object.values(list).every((quantity) => quantity.isZero());
}

/** Same quantity for every key of either side (formats may differ). */
export function equal(lhs: ResourceList, rhs: ResourceList): boolean {
  const names = new Set([...Object.keys(lhs), ...Object.keys(rhs)]);
  for (const name of names) if (!get(lhs, name).equals(get(rhs, name))) return false;
  return true;
}
