/**
 * A NodePool compiled for one solve (Karpenter `NodeClaimTemplate`): its requirements, taints, the instance types
 * it may launch, per-type DaemonSet overhead, and what is left of its limits.
 */
import type { CompiledCatalog, ResourceDimensions } from './catalog.js';
import { LABEL_NODEPOOL, normalizeKey } from './labels.js';
import type { SchedulingSpec } from './podspec.js';
import { canonicalResource } from './quantity.js';
import { Requirement, Requirements } from './requirements.js';
import { firstUntoleratedTaint } from './taints.js';
import type { NodePool, Taint } from './types.js';

export interface DaemonPod {
  spec: SchedulingSpec;
  requests: Float64Array;
  requirements: Requirements;
}

export class NodeClaimTemplate {
  readonly name: string;
  readonly weight: number;
  readonly requirements: Requirements;
  readonly taints: Taint[];
  readonly startupTaints: Taint[];
  /** Catalogue indices of the types this NodePool may launch (compatible, with an allowed offering). */
  readonly typeIds: Int32Array;
  /** Allocatable minus this NodePool's DaemonSet overhead, `types × dims` (only `typeIds` rows are filled). */
  readonly effective: Float64Array;
  readonly daemonOverhead: Float64Array;
  readonly daemonHostPorts: string[][];
  /** Remaining limits per dimension (Infinity when unlimited), and remaining node count. */
  readonly remaining: Float64Array;
  remainingNodes: number;
  readonly limited: number[] = [];
  /** Largest capacity among the pool's types, per limited dimension. */
  private largest: number[] | undefined;
  readonly minValuesKeys: string[];
  readonly allowedCombos: Uint8Array;
  readonly invalid: string | undefined;

  constructor(
    readonly index: number,
    readonly nodePool: NodePool,
    catalog: CompiledCatalog,
    dims: ResourceDimensions,
    daemons: readonly DaemonPod[],
    allowUndefined: ReadonlySet<string>,
    usage: Float64Array,
    usedNodes: number
  ) {
    const spec = nodePool.spec.template.spec;
    this.name = nodePool.metadata.name;
    this.weight = nodePool.spec.weight ?? 0;
    this.taints = spec.taints ?? [];
    this.startupTaints = spec.startupTaints ?? [];
    let requirements = Requirements.fromLabels(
      Object.fromEntries(
        Object.entries(nodePool.spec.template.metadata?.labels ?? {}).map(([k, v]) => [normalizeKey(k), v])
      )
    );
    let invalid: string | undefined;
    try {
      requirements = requirements.merge(
        Requirements.fromSpecs((spec.requirements ?? []).map((r) => ({ ...r, key: normalizeKey(r.key) })))
      );
    } catch (error) {
      invalid = (error as Error).message;
    }
    this.requirements = requirements.with(Requirement.in(LABEL_NODEPOOL, [this.name]));
    this.invalid = invalid;
    this.minValuesKeys = [...this.requirements.byKey.values()]
      .filter((r) => r.minValues !== undefined)
      .map((r) => r.key);
    this.allowedCombos = catalog.allowedCombos(this.requirements);

    const d = dims.size;
    const typeIds: number[] = [];
    this.effective = new Float64Array(catalog.names.length * d);
    this.daemonOverhead = new Float64Array(catalog.names.length * d);
    this.daemonHostPorts = [];
    const tolerateDaemon = daemons.map(
      (daemon) => firstUntoleratedTaint(this.taints, daemon.spec.tolerations, true) === undefined
    );
    const daemonTemplateOk = daemons.map(
      (daemon) => this.requirements.compatibleError(daemon.requirements, allowUndefined) === undefined
    );
    catalog.requirements.forEach((typeRequirements, t) => {
      if (invalid !== undefined) return;
      if (typeRequirements.intersectsError(this.requirements) !== undefined) return;
      if (!catalog.hasAllowedOffering(t, this.allowedCombos)) return;
      typeIds.push(t);
      const ports: string[] = [];
      daemons.forEach((daemon, i) => {
        if (!tolerateDaemon[i] || !daemonTemplateOk[i]) return;
        if (typeRequirements.intersectsError(daemon.requirements) !== undefined) return;
        for (let k = 0; k < d; k++) {
          this.daemonOverhead[t * d + k] = (this.daemonOverhead[t * d + k] ?? 0) + (daemon.requests[k] ?? 0);
        }
        ports.push(...daemon.spec.hostPorts);
      });
      this.daemonHostPorts[t] = ports;
      for (let k = 0; k < d; k++) {
        this.effective[t * d + k] = (catalog.allocatable[t * d + k] ?? 0) - (this.daemonOverhead[t * d + k] ?? 0);
      }
    });
    this.typeIds = Int32Array.from(typeIds);

    this.remaining = new Float64Array(d).fill(Infinity);
    const limits = nodePool.spec.limits ?? {};
    this.remainingNodes = Infinity;
    for (const [name, value] of Object.entries(limits)) {
      if (name === 'nodes') {
        this.remainingNodes = canonicalResource(name, value) - usedNodes;
        continue;
      }
      const k = dims.indexOf(name);
      if (k === undefined) continue;
      this.remaining[k] = canonicalResource(name, value) - (usage[k] ?? 0);
      this.limited.push(k);
    }
  }

  private readonly headrooms = new WeakMap<Int32Array, Float64Array>();

  /** Headroom of an empty NodeClaim over these options; shared, never mutated. */
  emptyHeadroom(options: Int32Array, compute: () => Float64Array): Float64Array {
    let headroom = this.headrooms.get(options);
    if (headroom === undefined) this.headrooms.set(options, (headroom = compute()));
    return headroom;
  }

  /** Types whose capacity still fits in the remaining limits (Karpenter `filterByRemainingResources`). */
  typesWithinLimits(catalog: CompiledCatalog, d: number): Int32Array {
    if (this.limited.length === 0) return this.typeIds;
    this.largest ??= this.limited.map((k) => {
      let max = 0;
      for (const t of this.typeIds) max = Math.max(max, catalog.capacity[t * d + k] ?? 0);
      return max;
    });
    if (this.limited.every((k, i) => (this.remaining[k] ?? Infinity) >= (this.largest?.[i] ?? Infinity)))
      return this.typeIds;
    return this.typeIds.filter((t) =>
      this.limited.every((k) => (catalog.capacity[t * d + k] ?? 0) <= (this.remaining[k] ?? Infinity))
    );
  }

  /** After a NodeClaim is planned: subtract the largest capacity among its options (pessimistic, like Karpenter). */
  subtractMax(catalog: CompiledCatalog, d: number, options: Int32Array): void {
    this.remainingNodes -= 1;
    if (this.limited.length === 0) return;
    let largest = this.largestByOptions.get(options);
    if (largest === undefined) {
      largest = this.limited.map((k) => {
        let max = 0;
        for (let i = 0; i < options.length; i++) max = Math.max(max, catalog.capacity[(options[i] ?? 0) * d + k] ?? 0);
        return max;
      });
      this.largestByOptions.set(options, largest);
    }
    this.limited.forEach((k, i) => {
      this.remaining[k] = (this.remaining[k] ?? Infinity) - (largest[i] ?? 0);
    });
  }

  private readonly largestByOptions = new WeakMap<Int32Array, number[]>();
}
