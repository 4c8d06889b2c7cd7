/**
 * Kubernetes resource quantities, exact (bigint nano units), and arithmetic on ResourceLists. Pure; no IO.
 *
 * - `Quantity.parse('1.5Gi')`, `.toString()` (canonical, as the apiserver prints it: `1536Mi`), `.add/.sub/.mul/.cmp`,
 *   `.value()` / `.milliValue()` rounded away from zero like apimachinery.
 * - `parseResourceList`, `formatResourceList`, `sum`, `subtract`, `max`, `scale`, `fits`, `exceeded`, `isZero`, `equal`.
 *
 * No npm package parses and canonicalises quantities exactly as apimachinery does (`@kubernetes/client-node` only
 * offers a lossy `quantityToScalar`), so this is written here and pinned by tests against apimachinery's examples.
 */
export { INVALID_QUANTITY, InvalidQuantityError } from './errors.js';
export { Quantity } from './quantity.js';
export type { QuantityFormat } from './quantity.js';
export {
  equal,
  exceeded,
  fits,
  formatResourceList,
  isZero,
  max,
  parseResourceList,
  scale,
  subtract,
  sum,
} from './resource-list.js';
export type { RawResourceList, ResourceList } from './resource-list.js';
