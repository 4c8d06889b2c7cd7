import { normalizeLabelKey, WELL_KNOWN_LABELS } from '../../apis/labels.js';
import type { NodeSelectorRequirement } from './requirement.js';
import { Requirement } from './requirement.js';

/** Why two sets of requirements cannot describe the same node, for one key. */
export interface Incompatibility {
  readonly key: string;
  /** A sentence for events and logs, e.g. `key kubernetes.io/arch, kubernetes.io/arch In [arm64] not in kubernetes.io/arch In [amd64]`. */
  readonly message: string;
}

export interface CompatibilityOptions {
  /**
   * Keys that may be left undefined on the receiver and still match an incoming requirement that needs the label
   * present. Karpenter passes its well-known labels when checking pods against NodePools (instance types fill those
   * labels in later); with the default, an undefined key means the node will not carry the label.
   */
  readonly allowUndefined?: ReadonlySet<string>;
}

/** Karpenter's `AllowUndefinedWellKnownLabels` option: well-known labels may be narrowed later by instance types. */
export const ALLOW_UNDEFINED_WELL_KNOWN_LABELS: CompatibilityOptions = Object.freeze({
  allowUndefined: WELL_KNOWN_LABELS,
});

/** Per-key shortfall found by `minValuesShortfalls`. */
export interface MinValuesShortfall {
  readonly key: string;
  readonly minValues: number;
  /** Distinct allowed values found among the candidates. */
  readonly found: number;
}

/**
 * An immutable conjunction of Requirements, at most one per (normalised) key.
 * Adding a requirement for a key already present intersects the two, as Karpenter's `Requirements.Add` does.
 */
export class Requirements {
  private readonly byKey: ReadonlyMap<string, Requirement>;

  private constructor(byKey: ReadonlyMap<string, Requirement>) {
    this.byKey = byKey;
  }

  static readonly EMPTY = new Requirements(new Map());

  /** The conjunction of the given requirements. */
  static of(...requirements: readonly Requirement[]): Requirements {
    return Requirements.EMPTY.add(...requirements);
  }

  /** From the wire form (NodePool / NodeClaim `requirements`, a node selector term). */
  static fromNodeSelectorRequirements(requirements: readonly NodeSelectorRequirement[]): Requirements {
    return Requirements.of(...requirements.map((requirement) => Requirement.fromNodeSelectorRequirement(requirement)));
  }

  /** Each label becomes `key In [value]` (a node's labels, a pod's nodeSelector, a NodePool's template labels). */
  static fromLabels(labels: Readonly<Record<string, string>>): Requirements {
    return Requirements.of(...Object.entries(labels).map(([key, value]) => Requirement.in(key, [value])));
  }

  /** A new Requirements with each requirement intersected into the one already held for its key. */
  add(...requirements: readonly Requirement[]): Requirements {
    if (requirements.length === 0) return this;
    const next = new Map(this.byKey);
    for (const requirement of requirements) {
      const existing = next.get(requirement.key);
      next.set(requirement.key, existing === undefined ? requirement : existing.intersection(requirement));
    }
    return new Requirements(next);
  }

  /** The conjunction of both sets (key by key intersection). */
  intersection(other: Requirements): Requirements {
    return this.add(...other.byKey.values());
  }

  /** The requirement for a key; an undefined key is unconstrained (any value or none). Aliases are normalised. */
  get(key: string): Requirement {
    const normalized = normalizeLabelKey(key);
    return this.byKey.get(normalized) ?? Requirement.unconstrained(normalized);
  }

  has(key: string): boolean {
    return this.byKey.has(normalizeLabelKey(key));
  }

  /** The constrained keys, sorted. */
  keys(): string[] {
    return [...this.byKey.keys()].sort();
  }

  get size(): number {
    return this.byKey.size;
  }

  /** Requirements in key order. */
  list(): Requirement[] {
    return this.keys().map((key) => this.byKey.get(key) as Requirement);
  }

  /** True when some key admits no node at all. */
  isEmpty(): boolean {
    for (const requirement of this.byKey.values()) if (requirement.isEmpty()) return true;
    return false;
  }

  /**
   * Keys whose intersection admits no node: keys on both sides whose values conflict, and keys on one side that are
   * empty by themselves. A key defined on one side only is otherwise unconstrained on the other (Karpenter's
   * `Intersects`). Empty exactly when `this.intersection(incoming)` is not empty.
   */
  intersects(incoming: Requirements): Incompatibility[] {
    return this.conflicts(incoming, (key) => Requirement.unconstrained(key));
  }

  /**
   * Why `incoming` (e.g. a pod's requirements) cannot be met by a node described by these requirements (e.g. a
   * NodeClaim template); empty when compatible. A key the receiver does not define means the node will not carry the
   * label, unless it is listed in `options.allowUndefined`, so an incoming requirement that needs the label present
   * fails with "does not have known values" (Karpenter's `Compatible`). Empty exactly when the receiver, with its
   * undefined keys read as `DoesNotExist` (or unconstrained when allowed), intersects `incoming` non-emptily.
   */
  compatible(incoming: Requirements, options: CompatibilityOptions = {}): Incompatibility[] {
    const allowUndefined = options.allowUndefined ?? new Set<string>();
    return this.conflicts(incoming, (key) =>
      allowUndefined.has(key) ? Requirement.unconstrained(key) : Requirement.doesNotExist(key)
    );
  }

  private conflicts(incoming: Requirements, undefinedOnReceiver: (key: string) => Requirement): Incompatibility[] {
    const conflicts: Incompatibility[] = [];
    const keys = new Set([...this.byKey.keys(), ...incoming.byKey.keys()]);
    for (const key of [...keys].sort()) {
      const existing = this.byKey.get(key);
      const other = incoming.byKey.get(key);
      if (existing === undefined) {
        const requirement = other as Requirement;
        if (!undefinedOnReceiver(key).intersection(requirement).isEmpty()) continue;
        const message = requirement.isEmpty()
          ? `key ${key}, ${requirement.toString()} admits no value`
          : `label "${key}" does not have known values`;
        conflicts.push({ key, message });
      } else if (other === undefined) {
        if (existing.isEmpty()) conflicts.push({ key, message: `key ${key}, ${existing.toString()} admits no value` });
      } else if (existing.intersection(other).isEmpty()) {
        conflicts.push({ key, message: `key ${key}, ${other.toString()} not in ${existing.toString()}` });
      }
    }
    return conflicts;
  }

  isCompatible(incoming: Requirements, options: CompatibilityOptions = {}): boolean {
    return this.compatible(incoming, options).length === 0;
  }

  /** Whether a node with exactly these labels satisfies every requirement (absent labels count as absent). */
  matchesLabels(labels: Readonly<Record<string, string>>): boolean {
    const normalized = new Map(Object.entries(labels).map(([key, value]) => [normalizeLabelKey(key), value]));
    for (const [key, requirement] of this.byKey) if (!requirement.matches(normalized.get(key))) return false;
    return true;
  }

  /** Labels implied by single-valued `In` requirements (what a launched node will certainly carry). */
  labels(): Record<string, string> {
    const labels: Record<string, string> = {};
    for (const requirement of this.list()) {
      const [only] = requirement.values();
      if (requirement.isFinite() && requirement.size() === 1 && only !== undefined) labels[requirement.key] = only;
    }
    return labels;
  }

  /** Keys that carry a `minValues` floor. */
  withMinValues(): Requirement[] {
    return this.list().filter((requirement) => requirement.minValues !== undefined);
  }

  /**
   * For every requirement with `minValues`, how many distinct allowed values the candidates (e.g. the instance types
   * left for a NodeClaim, each described by its Requirements) offer, listing the keys that fall short. Only finite
   * values count, as in Karpenter's `SatisfiesMinValues`.
   */
  minValuesShortfalls(candidates: readonly Requirements[]): MinValuesShortfall[] {
    const shortfalls: MinValuesShortfall[] = [];
    for (const requirement of this.withMinValues()) {
      const found = new Set<string>();
      for (const candidate of candidates) {
        const offered = candidate.get(requirement.key);
        if (!offered.isFinite()) continue;
        for (const value of offered.values()) if (requirement.has(value)) found.add(value);
      }
      const minValues = requirement.minValues as number;
      if (found.size < minValues) shortfalls.push({ key: requirement.key, minValues, found: found.size });
    }
    return shortfalls;
  }

  /** The wire form; each key may expand to several entries (see Requirement.toNodeSelectorRequirements). */
  toNodeSelectorRequirements(): NodeSelectorRequirement[] {
    return this.list().flatMap((requirement) => requirement.toNodeSelectorRequirements());
  }

  equals(other: Requirements): boolean {
    if (this.byKey.size !== other.byKey.size) return false;
    for (const [key, requirement] of this.byKey) {
      const theirs = other.byKey.get(key);
      if (theirs === undefined || !requirement.equals(theirs)) return false;
    }
    return true;
  }

  toString(): string {
    return this.list()
      .map((requirement) => requirement.toString())
      .join(', ');
  }
}
