export { solve } from './scheduler.js';
export type * from './types.js';
export { podKey } from './podspec.js';
export { canonicalResource, canonicalResources, formatResource, parseQuantity } from './quantity.js';
