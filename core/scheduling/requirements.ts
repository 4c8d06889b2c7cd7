/**
 * The solver's compiled form of node-selector requirements (Karpenter `pkg/scheduling/requirement(s).go`).
 * A requirement is a set of allowed values for one label key: either a finite set (In; DoesNotExist is the empty
 * set) or a complement (NotIn; Exists is the complement of nothing), optionally bounded by integer limits
 * (Gt/Lt/Gte/Lte). Sets are immutable once built so NodeClaims can share them without copying.
 */
import type { RequirementSpec } from '../cloudprovider/types.js';

const EMPTY: ReadonlySet<string> = new Set();

export class Requirement {
  private constructor(
    readonly key: string,
    /** True: every value except `values`. False: exactly `values`. */
    readonly complement: boolean,
    readonly values: ReadonlySet<string>,
    /** Exclusive integer bounds; a value outside them, or not an integer, is not allowed. */
    readonly greaterThan: number | undefined,
    readonly lessThan: number | undefined,
    readonly minValues: number | undefined
  ) {}

  static exists(key: string): Requirement {
    return new Requirement(key, true, EMPTY, undefined, undefined, undefined);
  }

  static doesNotExist(key: string): Requirement {
    return new Requirement(key, false, EMPTY, undefined, undefined, undefined);
  }

  static in(key: string, values: Iterable<string>, minValues?: number): Requirement {
    return new Requirement(key, false, new Set(values), undefined, undefined, minValues);
  }

  static fromSpec(spec: { key: string; operator: string; values?: string[]; minValues?: number }): Requirement {
    const values = spec.values ?? [];
    const first = Number.parseInt(values[0] ?? '', 10);
    switch (spec.operator) {
      case 'In':
        return new Requirement(spec.key, false, new Set(values), undefined, undefined, spec.minValues);
      case 'NotIn':
        return new Requirement(spec.key, true, new Set(values), undefined, undefined, spec.minValues);
      case 'Exists':
        return new Requirement(spec.key, true, EMPTY, undefined, undefined, spec.minValues);
      case 'DoesNotExist':
        return new Requirement(spec.key, false, EMPTY, undefined, undefined, spec.minValues);
      case 'Gt':
        return new Requirement(spec.key, true, EMPTY, first, undefined, spec.minValues);
      case 'Gte':
        return new Requirement(spec.key, true, EMPTY, first - 1, undefined, spec.minValues);
      case 'Lt':
        return new Requirement(spec.key, true, EMPTY, undefined, first, spec.minValues);
      case 'Lte':
        return new Requirement(spec.key, true, EMPTY, undefined, first + 1, spec.minValues);
      default:
        throw new Error(`unsupported operator ${JSON.stringify(spec.operator)} for key ${JSON.stringify(spec.key)}`);
    }
  }

  private withinBounds(value: string): boolean {
    if (this.greaterThan === undefined && this.lessThan === undefined) return true;
    if (!/^-?[0-9]+$/.test(value)) return false;
    const number = Number(value);
    return (
      (this.greaterThan === undefined || number > this.greaterThan) &&
      (this.lessThan === undefined || number < this.lessThan)
    );
  }

  has(value: string): boolean {
    if (this.complement) return !this.values.has(value) && this.withinBounds(value);
    return this.values.has(value) && this.withinBounds(value);
  }

  /** Number of allowed values; Infinity for a complement that bounds do not make empty. */
  size(): number {
    if (!this.complement) return this.values.size;
    if (this.greaterThan !== undefined && this.lessThan !== undefined) {
      let count = 0;
      for (let v = this.greaterThan + 1; v < this.lessThan; v++) if (!this.values.has(String(v))) count++;
      return count;
    }
    return Infinity;
  }

  isEmpty(): boolean {
    return this.size() === 0;
  }

  operator(): 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt' {
    if (!this.complement) return this.values.size > 0 ? 'In' : 'DoesNotExist';
    if (this.greaterThan !== undefined) return 'Gt';
    if (this.lessThan !== undefined) return 'Lt';
    return this.values.size > 0 ? 'NotIn' : 'Exists';
  }

  private singleValue: string | null | undefined;

  /** The only allowed value when there is exactly one (the common narrowed case), else undefined. Cached. */
  single(): string | undefined {
    if (this.singleValue === undefined) {
      this.singleValue = null;
      if (!this.complement && this.values.size === 1) {
        for (const value of this.values) if (this.has(value)) this.singleValue = value;
      }
    }
    return this.singleValue ?? undefined;
  }

  /** Allowed values when finite, sorted. */
  sortedValues(): string[] {
    return [...this.values].filter((v) => this.has(v)).sort();
  }

  /** Any one allowed value, deterministic: the smallest. */
  any(): string | undefined {
    return this.complement ? undefined : this.sortedValues()[0];
  }

  intersection(other: Requirement): Requirement {
    const greaterThan = maxDefined(this.greaterThan, other.greaterThan);
    const lessThan = minDefined(this.lessThan, other.lessThan);
    const minValues = maxDefined(this.minValues, other.minValues);
    if (greaterThan !== undefined && lessThan !== undefined && greaterThan + 1 >= lessThan) {
      return new Requirement(this.key, false, EMPTY, undefined, undefined, minValues);
    }
    if (this.complement && other.complement) {
      const values = this.values.size === 0 ? other.values : other.values.size === 0 ? this.values : union(this, other);
      return new Requirement(this.key, true, values, greaterThan, lessThan, minValues);
    }
    const [finite, rest] = this.complement ? [other, this] : [this, other];
    const values = new Set<string>();
    for (const value of finite.values) {
      if (rest.has(value) && finite.has(value) && withinBounds(value, greaterThan, lessThan)) values.add(value);
    }
    if (values.size === finite.values.size && finite.greaterThan === undefined && finite.lessThan === undefined) {
      if (finite.minValues === minValues) return finite;
    }
    return new Requirement(this.key, false, values, undefined, undefined, minValues);
  }

  /** True when some value satisfies both (Karpenter's `Intersection(...).Len() > 0`). */
  intersects(other: Requirement): boolean {
    if (!this.complement) {
      for (const value of this.values) if (this.has(value) && other.has(value)) return true;
      return false;
    }
    if (!other.complement) return other.intersects(this);
    return !this.intersection(other).isEmpty();
  }

  equals(other: Requirement): boolean {
    if (this === other) return true;
    if (
      this.complement !== other.complement ||
      this.greaterThan !== other.greaterThan ||
      this.lessThan !== other.lessThan ||
      this.values.size !== other.values.size
    ) {
      return false;
    }
    for (const value of this.values) if (!other.values.has(value)) return false;
    return true;
  }

  toSpec(): RequirementSpec {
    const operator = this.operator();
    const spec: RequirementSpec = { key: this.key, operator };
    if (operator === 'Gt') spec.values = [String(this.greaterThan)];
    else if (operator === 'Lt') spec.values = [String(this.lessThan)];
    else if (operator === 'In' || operator === 'NotIn') spec.values = [...this.values].sort();
    if (this.minValues !== undefined) spec.minValues = this.minValues;
    return spec;
  }

  toString(): string {
    const op = this.operator();
    if (op === 'Exists' || op === 'DoesNotExist') return `${this.key} ${op}`;
    if (op === 'Gt') return `${this.key} Gt ${this.greaterThan}`;
    if (op === 'Lt') return `${this.key} Lt ${this.lessThan}`;
    return `${this.key} ${op} [${[...this.values].sort().join(', ')}]`;
  }
}

function withinBounds(value: string, greaterThan: number | undefined, lessThan: number | undefined): boolean {
  if (greaterThan === undefined && lessThan === undefined) return true;
  if (!/^-?[0-9]+$/.test(value)) return false;
  const number = Number(value);
  return (greaterThan === undefined || number > greaterThan) && (lessThan === undefined || number < lessThan);
}

function union(a: Requirement, b: Requirement): Set<string> {
  const values = new Set(a.values);
  for (const value of b.values) values.add(value);
  return values;
}

function maxDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.max(a, b);
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

const NEGATIVE_OPERATORS = new Set(['NotIn', 'DoesNotExist']);

/** An immutable-by-convention map from label key to requirement. `with` returns a new set. */
export class Requirements {
  constructor(readonly byKey: ReadonlyMap<string, Requirement> = new Map()) {}

  static fromSpecs(
    specs: Iterable<{ key: string; operator: string; values?: string[]; minValues?: number }>
  ): Requirements {
    let result = new Requirements();
    for (const spec of specs) result = result.with(Requirement.fromSpec(spec));
    return result;
  }

  static fromLabels(labels: Record<string, string> | undefined): Requirements {
    const map = new Map<string, Requirement>();
    for (const [key, value] of Object.entries(labels ?? {})) map.set(key, Requirement.in(key, [value]));
    return new Requirements(map);
  }

  get(key: string): Requirement | undefined {
    return this.byKey.get(key);
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  get size(): number {
    return this.byKey.size;
  }

  /** Adds (intersects) one requirement. */
  with(requirement: Requirement): Requirements {
    const existing = this.byKey.get(requirement.key);
    const merged = existing === undefined ? requirement : existing.intersection(requirement);
    if (merged === existing) return this;
    const map = new Map(this.byKey);
    map.set(requirement.key, merged);
    return new Requirements(map);
  }

  /** Adds (intersects) every requirement of `other`; returns `this` when nothing changes. */
  merge(other: Requirements): Requirements {
    if (other.size === 0) return this;
    if (this.size === 0) return other;
    let map: Map<string, Requirement> | undefined;
    for (const [key, requirement] of other.byKey) {
      const existing = (map ?? this.byKey).get(key);
      const merged = existing === undefined ? requirement : existing.intersection(requirement);
      if (existing !== undefined && merged.equals(existing)) continue;
      map ??= new Map(this.byKey);
      map.set(key, merged);
    }
    return map === undefined ? this : new Requirements(map);
  }

  /**
   * Karpenter's `Intersects`: every key both define must share a value, except that two negative requirements
   * (NotIn/DoesNotExist) never conflict. Returns the first conflict, or undefined.
   */
  intersectsError(incoming: Requirements): string | undefined {
    const [small, large, smallIsIncoming] =
      incoming.size <= this.size ? [incoming, this, true] : [this as Requirements, incoming, false];
    for (const [key, a] of small.byKey) {
      const b = large.byKey.get(key);
      if (b === undefined) continue;
      const [existing, requested] = smallIsIncoming ? [b, a] : [a, b];
      if (existing.intersects(requested)) continue;
      if (NEGATIVE_OPERATORS.has(requested.operator()) && NEGATIVE_OPERATORS.has(existing.operator())) continue;
      return `${requested.toString()} conflicts with ${existing.toString()}`;
    }
    return undefined;
  }

  /**
   * Karpenter's `Compatible`: keys the incoming set requires but this set does not define are denied unless
   * negative or allowed to be undefined (well-known labels a NodeClaim will get from its instance type);
   * shared keys must intersect.
   */
  compatibleError(incoming: Requirements, allowUndefined?: ReadonlySet<string>): string | undefined {
    for (const [key, requirement] of incoming.byKey) {
      if (this.byKey.has(key)) continue;
      if (NEGATIVE_OPERATORS.has(requirement.operator())) continue;
      if (allowUndefined?.has(key)) continue;
      return `label ${JSON.stringify(key)} does not have known values`;
    }
    return this.intersectsError(incoming);
  }

  toSpecs(exclude?: ReadonlySet<string>): RequirementSpec[] {
    return [...this.byKey.values()]
      .filter((requirement) => !exclude?.has(requirement.key))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((requirement) => requirement.toSpec());
  }
}
