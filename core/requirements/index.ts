/**
 * The label requirement algebra: pure, deterministic, no IO (Karpenter's `pkg/scheduling` requirements).
 *
 * - `Requirement` — the label states one key may take: built from `In`, `NotIn`, `Exists`, `DoesNotExist`, `Gt`,
 *   `Lt`, `Gte`, `Lte` (`Requirement.fromNodeSelectorRequirement`), intersected with `intersection`, queried with
 *   `has`, `matches`, `isEmpty`, `size`, `values`, `any`, written back with `toNodeSelectorRequirements`.
 * - `Requirements` — a conjunction keyed by label: `fromNodeSelectorRequirements`, `fromLabels`, `add` (intersects),
 *   `intersection`, `compatible` / `isCompatible` (with human reasons), `intersects`, `matchesLabels`, `labels`,
 *   `minValuesShortfalls`.
 * - Keys are normalised on the way in (`beta.kubernetes.io/arch` → `kubernetes.io/arch`, see `apis/labels.ts`).
 *
 * Semantics follow Kubernetes node affinity: `NotIn` and `DoesNotExist` are also met by a node without the label;
 * `Gt`/`Lt` compare integer label values. So `a.intersection(b).isEmpty()` iff no node satisfies both, and
 * `a.compatible(b)` reports exactly the keys where that happens (plus keys `a` leaves undefined that `b` needs).
 *
 * @example
 * const pool = Requirements.fromNodeSelectorRequirements([{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] }]);
 * const pod = Requirements.fromLabels({ 'kubernetes.io/arch': 'arm64' });
 * pool.compatible(pod); // [{ key: 'kubernetes.io/arch', message: 'key kubernetes.io/arch, ... not in ...' }]
 */
export { INVALID_REQUIREMENT, InvalidRequirementError } from './errors.js';
export { OPERATORS, Requirement } from './requirement.js';
export type { NodeSelectorRequirement, Operator } from './requirement.js';
export { ALLOW_UNDEFINED_WELL_KNOWN_LABELS, Requirements } from './requirements.js';
export type { CompatibilityOptions, Incompatibility, MinValuesShortfall } from './requirements.js';
