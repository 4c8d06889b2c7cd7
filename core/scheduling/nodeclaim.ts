/**
 * A NodeClaim being planned in this solve (Karpenter `scheduling.NodeClaim`): the pods placed on it, the
 * requirements they narrowed it to, and the instance types that can still hold all of them.
 */
import type { CompiledCatalog } from './catalog.js';
import { LABEL_CAPACITY_TYPE, LABEL_HOSTNAME, LABEL_ZONE } from './labels.js';
import type { NodeClaimTemplate } from './nodeclaimtemplate.js';
import type { PodClass } from './podclass.js';
import { Requirement, type Requirements } from './requirements.js';
import { firstUntoleratedTaint, formatTaint } from './taints.js';
import type { Topology } from './topology.js';

export interface AddContext {
  catalog: CompiledCatalog;
  topology: Topology;
  dims: number;
  dimNames: readonly string[];
  /** `insufficient <resource>` per dimension, built once. */
  insufficient: readonly string[];
  allowUndefined: ReadonlySet<string>;
  minValuesPolicy: 'Strict' | 'BestEffort';
  /** See `SolveHooks.withoutShortcuts`. */
  shortcuts: boolean;
}

/** A successful `canAdd`, ready to commit. */
export interface Admission {
  requirements: Requirements;
  options: Int32Array;
  /** Undefined on the fast path: the claim's headroom less the pod's requests, which commit takes off in place. */
  headroom: Float64Array | undefined;
  allowedCombos: Uint8Array;
  relaxedMinValues: boolean;
}

export function templateVerdict(podClass: PodClass, template: NodeClaimTemplate, ctx: AddContext): string | null {
  let verdict = podClass.templateVerdicts[template.index];
  if (verdict !== undefined) return verdict;
  const taint = firstUntoleratedTaint(template.taints, podClass.spec.tolerations);
  if (template.invalid !== undefined) verdict = `invalid requirements: ${template.invalid}`;
  else if (podClass.invalid !== undefined) verdict = `invalid pod: ${podClass.invalid}`;
  else if (taint !== undefined) verdict = `did not tolerate taint ${formatTaint(taint)}`;
  else {
    const error = template.requirements.compatibleError(podClass.requirements, ctx.allowUndefined);
    verdict = error === undefined ? null : `incompatible requirements, ${error}`;
  }
  podClass.templateVerdicts[template.index] = verdict;
  return verdict;
}

export class PlannedNodeClaim {
  readonly podKeys: string[] = [];
  readonly requests: Float64Array;
  readonly hostPorts = new Set<string>();
  requirements: Requirements;
  options: Int32Array;
  /** Per dimension, the most any remaining option could still take: a cheap necessary condition for fit. */
  headroom: Float64Array;
  /** False while `headroom` is the template's shared empty headroom, which must not be edited in place. */
  private ownsHeadroom = false;
  allowedCombos: Uint8Array;
  relaxedMinValues = false;
  /** Index in `options` of the type that last held every pod; checked first. */
  fitHint = 0;

  constructor(
    readonly id: number,
    readonly template: NodeClaimTemplate,
    readonly hostname: string,
    options: Int32Array,
    ctx: AddContext
  ) {
    this.requirements = template.requirements.with(Requirement.in(LABEL_HOSTNAME, [hostname]));
    this.options = options;
    this.requests = new Float64Array(ctx.dims);
    this.allowedCombos = template.allowedCombos;
    this.headroom = template.emptyHeadroom(options, () =>
      computeHeadroom(template.effective, options, this.requests, ctx.dims)
    );
  }

  /** Whether the pod could join; returns the commit data or why not. */
  canAdd(podClass: PodClass, ctx: AddContext): Admission | string {
    const verdict = templateVerdict(podClass, this.template, ctx);
    if (verdict !== null) return verdict;
    const spec = podClass.spec;
    for (const port of spec.hostPorts) if (conflicts(this.hostPorts, port)) return `host port ${port} in use`;
    const requests = podClass.requests;
    const requested = podClass.requestedDims;
    for (let i = 0; i < requested.length; i++) {
      const k = requested[i] ?? 0;
      if ((requests[k] ?? 0) > (this.headroom[k] ?? 0)) return ctx.insufficient[k] ?? 'insufficient resources';
    }
    for (const { group, selfSelecting } of ctx.shortcuts ? podClass.topology.quickChecks : []) {
      const domain = this.requirements.get(group.key)?.single();
      if (domain === undefined) continue;
      if (!group.quickAdmits(domain, selfSelecting, podClass.strictRequirements.get(group.key))) {
        return group.unsatisfiable;
      }
    }
    let requirements = this.requirements;
    if (podClass.requirements.size > 0) {
      const error = requirements.compatibleError(podClass.requirements, ctx.allowUndefined);
      if (error !== undefined) return `incompatible requirements, ${error}`;
      requirements = requirements.merge(podClass.requirements);
    }
    if (podClass.hasTopology) {
      const result = ctx.topology.addRequirements(
        spec,
        podClass.topology,
        podClass.strictRequirements,
        requirements,
        zoneRanker(this, podClass, requirements, ctx)
      );
      if ('error' in result) return result.error;
      const error = requirements.compatibleError(result.requirements, ctx.allowUndefined);
      if (error !== undefined) return `incompatible topology requirements, ${error}`;
      requirements = requirements.merge(result.requirements);
    }
    return filterInstanceTypes(this, requirements, podClass, ctx);
  }

  commit(podClass: PodClass, podKey: string, admission: Admission, ctx: AddContext): void {
    const requests = podClass.requests;
    for (let k = 0; k < requests.length; k++) this.requests[k] = (this.requests[k] ?? 0) + (requests[k] ?? 0);
    this.requirements = admission.requirements;
    this.options = admission.options;
    if (admission.headroom !== undefined) {
      this.headroom = admission.headroom;
      this.ownsHeadroom = true;
    } else {
      // No vector per placement on the fast path (it was most of a solve's garbage).
      if (!this.ownsHeadroom) this.headroom = new Float64Array(this.headroom);
      this.ownsHeadroom = true;
      for (let k = 0; k < requests.length; k++) this.headroom[k] = (this.headroom[k] ?? 0) - (requests[k] ?? 0);
    }
    this.allowedCombos = admission.allowedCombos;
    this.relaxedMinValues ||= admission.relaxedMinValues;
    for (const port of podClass.spec.hostPorts) this.hostPorts.add(port);
    this.podKeys.push(podKey);
    if (podClass.hasTopology || ctx.topology.hasGroups) {
      ctx.topology.record(podClass.spec, podClass.topology, this.requirements, this.template.taints);
    }
  }
}

/**
 * For a zone spread with several equally filled zones: the cheapest offering, per zone, of the claim's options that
 * would hold it with the pod. Computed on the first call only, since most placements need no tie-break.
 */
function zoneRanker(
  claim: PlannedNodeClaim,
  podClass: PodClass,
  requirements: Requirements,
  ctx: AddContext
): (zone: string) => number {
  let cheapest: Map<string, number> | undefined;
  return (zone) => {
    if (cheapest === undefined) {
      cheapest = new Map();
      const { catalog, dims: d } = ctx;
      const allowed = catalog.allowedCombos(requirements);
      const effective = claim.template.effective;
      for (const t of claim.options) {
        let fits = true;
        for (let k = 0; k < d && fits; k++) {
          fits = (claim.requests[k] ?? 0) + (podClass.requests[k] ?? 0) <= (effective[t * d + k] ?? 0);
        }
        if (!fits) continue;
        const combos = catalog.typeCombos[t] ?? [];
        const prices = catalog.typePrices[t] ?? [];
        for (let i = 0; i < combos.length; i++) {
          const combo = combos[i] ?? 0;
          if (allowed[combo] !== 1) continue;
          const offeringZone = catalog.combos[combo]?.zone ?? '';
          const price = prices[i] ?? Infinity;
          if (price < (cheapest.get(offeringZone) ?? Infinity)) cheapest.set(offeringZone, price);
        }
      }
    }
    return cheapest.get(zone) ?? Infinity;
  };
}

/** Host ports conflict on the same protocol and port when either binds all addresses or both bind the same one. */
export function conflicts(used: ReadonlySet<string>, port: string): boolean {
  if (used.size === 0) return false;
  if (used.has(port)) return true;
  const [protocol, ip, number] = port.split('/');
  for (const other of used) {
    const [otherProtocol, otherIp, otherNumber] = other.split('/');
    if (protocol === otherProtocol && number === otherNumber && (ip === '0.0.0.0' || otherIp === '0.0.0.0'))
      return true;
  }
  return false;
}

/** Whether type `t` holds `total`. */
function typeHolds(t: number, total: Float64Array, effective: Float64Array, d: number): boolean {
  const base = t * d;
  for (let k = 0; k < d; k++) if ((total[k] ?? 0) > (effective[base + k] ?? 0)) return false;
  return true;
}

/**
 * Index of an option that holds `total`, trying `hint` (the last one that fitted) first; -1 if none. No closure: it
 * runs once per placement, and a closure per call is garbage (and, under tsx, a `__name` call).
 */
function firstFitting(
  options: Int32Array,
  hint: number,
  total: Float64Array,
  effective: Float64Array,
  d: number
): number {
  if (hint >= 0 && hint < options.length && typeHolds(options[hint] ?? 0, total, effective, d)) return hint;
  for (let i = options.length - 1; i >= 0; i--) if (typeHolds(options[i] ?? 0, total, effective, d)) return i;
  return -1;
}

/** Whether a type holds the claim's current requests plus DaemonSet overhead. */
export function holds(claim: PlannedNodeClaim, type: number, d: number): boolean {
  const base = type * d;
  for (let k = 0; k < d; k++) {
    if ((claim.requests[k] ?? 0) > (claim.template.effective[base + k] ?? 0)) return false;
  }
  return true;
}

function computeHeadroom(
  effective: Float64Array,
  options: Int32Array,
  requests: Float64Array,
  d: number
): Float64Array {
  const headroom = new Float64Array(d).fill(-Infinity);
  for (let i = 0; i < options.length; i++) {
    const base = (options[i] ?? 0) * d;
    for (let k = 0; k < d; k++) {
      const free = (effective[base + k] ?? 0) - (requests[k] ?? 0);
      if (free > (headroom[k] ?? 0)) headroom[k] = free;
    }
  }
  return headroom;
}

/**
 * Keeps the options compatible with the new requirements and with an allowed offering, and admits the pod when
 * one of them holds every pod so far plus this one plus DaemonSet overhead. Requirement filtering runs only when
 * the requirements changed and yields shared, interned option lists; options that merely stopped fitting are
 * pruned when the plan is built. minValues and DaemonSet host ports need the exact fitting set, so those cases
 * filter by fit too.
 */
function filterInstanceTypes(
  claim: PlannedNodeClaim,
  requirements: Requirements,
  podClass: PodClass,
  ctx: AddContext
): Admission | string {
  const { catalog, dims: d } = ctx;
  const effective = claim.template.effective;
  const requirementsChanged = requirements !== claim.requirements;
  const allowedCombos = requirementsChanged ? catalog.allowedCombos(requirements) : claim.allowedCombos;
  let options = claim.options;
  if (requirementsChanged) {
    // Zone and capacity type are checked through offerings; keys no instance type defines cannot exclude a type.
    let typeRequirementsChanged = false;
    for (const [key, requirement] of requirements.byKey) {
      if (claim.requirements.get(key) === requirement || key === LABEL_ZONE || key === LABEL_CAPACITY_TYPE) continue;
      if (catalog.labelKeys.has(key)) {
        typeRequirementsChanged = true;
        break;
      }
    }
    options = catalog.filterOptions(options, allowedCombos, typeRequirementsChanged ? requirements : undefined);
    if (options.length === 0) {
      return `no instance type satisfied the requirements with an available offering (${claim.options.length} options)`;
    }
  }
  const total = scratch(d);
  for (let k = 0; k < d; k++) total[k] = (claim.requests[k] ?? 0) + (podClass.requests[k] ?? 0);
  const exact = !ctx.shortcuts || claim.template.minValuesKeys.length > 0 || podClass.spec.hostPorts.length > 0;
  if (!exact) {
    const hint = options === claim.options ? claim.fitHint : options.length - 1;
    const fitting = firstFitting(options, hint, total, effective, d);
    if (fitting < 0) return 'no instance type has enough resources for all pods';
    claim.fitHint = fitting;
    // The headroom less the pod's requests (taken off at commit) is still an upper bound on what any remaining
    // option can take.
    return { requirements, options, headroom: undefined, allowedCombos, relaxedMinValues: false };
  }
  const kept: number[] = [];
  const headroom = new Float64Array(d).fill(-Infinity);
  for (let i = 0; i < options.length; i++) {
    const t = options[i] ?? 0;
    const base = t * d;
    let fits = true;
    for (let k = 0; k < d; k++) {
      if ((total[k] ?? 0) > (effective[base + k] ?? 0)) {
        fits = false;
        break;
      }
    }
    if (!fits) continue;
    if (podClass.spec.hostPorts.length > 0) {
      const daemonPorts = new Set(claim.template.daemonHostPorts[t] ?? []);
      if (podClass.spec.hostPorts.some((port) => conflicts(daemonPorts, port))) continue;
    }
    kept.push(t);
    for (let k = 0; k < d; k++) {
      const free = (effective[base + k] ?? 0) - (total[k] ?? 0);
      if (free > (headroom[k] ?? 0)) headroom[k] = free;
    }
  }
  if (kept.length === 0) return 'no instance type has enough resources for all pods';
  let relaxedMinValues = false;
  for (const key of claim.template.minValuesKeys) {
    const requirement = requirements.get(key);
    const minValues = requirement?.minValues;
    if (requirement === undefined || minValues === undefined) continue;
    const distinct = new Set<string>();
    for (const t of kept) {
      const typeRequirement = catalog.requirements[t]?.get(key);
      if (typeRequirement === undefined || typeRequirement.complement) continue;
      for (const value of typeRequirement.values) if (requirement.has(value)) distinct.add(value);
    }
    if (distinct.size < minValues) {
      if (ctx.minValuesPolicy === 'Strict') {
        return `minValues requirement not met: ${key} needs ${minValues} values, ${distinct.size} remain`;
      }
      relaxedMinValues = true;
    }
  }
  return {
    requirements,
    options: kept.length === options.length ? options : Int32Array.from(kept),
    headroom,
    allowedCombos,
    relaxedMinValues,
  };
}

let scratchBuffer = new Float64Array(8);

/** A reusable buffer for per-attempt sums: the reject path must not allocate. */
function scratch(d: number): Float64Array {
  if (scratchBuffer.length < d) scratchBuffer = new Float64Array(d * 2);
  return scratchBuffer;
}
