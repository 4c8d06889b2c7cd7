import { normalizeLabelKey } from '../../apis/labels.js';
import { InvalidRequirementError } from './errors.js';

/** Operators of Karpenter's NodeSelectorRequirementWithMinValues (`Gte`/`Lte` since Karpenter v1.9). */
export const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt', 'Gte', 'Lte'] as const;
export type Operator = (typeof OPERATORS)[number];

/** The wire form, as it appears in NodePool and NodeClaim `requirements` and in pod node affinity. */
export interface NodeSelectorRequirement {
  readonly key: string;
  readonly operator: Operator;
  readonly values?: readonly string[] | undefined;
  readonly minValues?: number | undefined;
}

const INTEGER = /^[+-]?[0-9]+$/;

/** A label value read as an integer the way Go's `strconv.Atoi` does, or undefined. */
function parseInteger(value: string): number | undefined {
  if (!INTEGER.test(value)) return undefined;
  const parsed = Number(value);
  return Number.isSafeInteger(parsed) ? parsed : undefined;
}

function withinBounds(value: string, greaterThan: number | undefined, lessThan: number | undefined): boolean {
  if (greaterThan === undefined && lessThan === undefined) return true;
  const parsed = parseInteger(value);
  if (parsed === undefined) return false;
  return (greaterThan === undefined || parsed > greaterThan) && (lessThan === undefined || parsed < lessThan);
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

interface RequirementState {
  readonly key: string;
  readonly complement: boolean;
  readonly values: ReadonlySet<string>;
  readonly greaterThan: number | undefined;
  readonly lessThan: number | undefined;
  readonly allowsAbsent: boolean;
  readonly minValues: number | undefined;
}

/**
 * The set of label states one key may take on a node: a set of values, and whether the label may be absent.
 *
 * Internally a finite set (`In`), or the complement of a finite set (`NotIn`, `Exists`) optionally narrowed to the
 * integers strictly between two bounds (`Gt`, `Lt`, `Gte`, `Lte`). Unlike Karpenter's Go type we also track whether
 * a node *without* the label satisfies the requirement (true for `NotIn` and `DoesNotExist`, as in Kubernetes node
 * affinity). That makes the algebra exact: two requirements are compatible iff their intersection is not empty.
 *
 * Instances are immutable and kept in a canonical form, so `equals` is structural equality of the denoted sets.
 */
export class Requirement {
  readonly key: string;
  /** True when `values` are exclusions from the (infinite) set of all values rather than the allowed values. */
  private readonly complement: boolean;
  private readonly valueSet: ReadonlySet<string>;
  /** Exclusive lower bound on integer values; only set on complement requirements. */
  readonly greaterThan: number | undefined;
  /** Exclusive upper bound on integer values; only set on complement requirements. */
  readonly lessThan: number | undefined;
  /** Whether a node that does not carry the label satisfies this requirement. */
  readonly allowsAbsent: boolean;
  /** The least number of distinct values that must remain available (Karpenter's flexibility floor). */
  readonly minValues: number | undefined;

  private constructor(state: RequirementState) {
    let { complement, values, greaterThan, lessThan } = state;
    // An integer range with no integer in it denotes no value at all: canonicalise to the empty finite set.
    if (complement && greaterThan !== undefined && lessThan !== undefined && greaterThan + 1 >= lessThan) {
      complement = false;
      values = new Set();
    }
    if (complement) {
      // Exclusions outside the bounds exclude nothing; dropping them keeps the form canonical.
      if (greaterThan !== undefined || lessThan !== undefined) {
        values = new Set([...values].filter((value) => withinBounds(value, greaterThan, lessThan)));
      }
    } else {
      if (greaterThan !== undefined || lessThan !== undefined) {
        values = new Set([...values].filter((value) => withinBounds(value, greaterThan, lessThan)));
      }
      greaterThan = undefined;
      lessThan = undefined;
    }
    this.key = state.key;
    this.complement = complement;
    this.valueSet = values;
    this.greaterThan = greaterThan;
    this.lessThan = lessThan;
    this.allowsAbsent = state.allowsAbsent;
    // A requirement that allows everything has no written form (`[]`), so there is nothing a minValues could be
    // written on: only `NotIn []` (which the API rejects) or an intersection with one could carry it here.
    const unconstrained =
      complement && state.allowsAbsent && values.size === 0 && greaterThan === undefined && lessThan === undefined;
    this.minValues = unconstrained ? undefined : state.minValues;
  }

  /** `key In values`: the label must be present with one of the values. */
  static in(key: string, values: Iterable<string>, minValues?: number): Requirement {
    return Requirement.make(key, false, values, undefined, undefined, false, minValues);
  }

  /** `key NotIn values`: the label is absent or has none of the values. */
  static notIn(key: string, values: Iterable<string>, minValues?: number): Requirement {
    return Requirement.make(key, true, values, undefined, undefined, true, minValues);
  }

  /** `key Exists`: the label is present with any value. */
  static exists(key: string, minValues?: number): Requirement {
    return Requirement.make(key, true, [], undefined, undefined, false, minValues);
  }

  /** `key DoesNotExist`: the label is absent. */
  static doesNotExist(key: string, minValues?: number): Requirement {
    return Requirement.make(key, false, [], undefined, undefined, true, minValues);
  }

  /** `key Gt n`: the label is present with an integer value greater than n. */
  static greaterThan(key: string, bound: number, minValues?: number): Requirement {
    return Requirement.make(key, true, [], bound, undefined, false, minValues);
  }

  /** `key Lt n`: the label is present with an integer value less than n. */
  static lessThan(key: string, bound: number, minValues?: number): Requirement {
    return Requirement.make(key, true, [], undefined, bound, false, minValues);
  }

  /** No constraint on the key: any value, or no label at all. The identity of `intersection`. */
  static unconstrained(key: string): Requirement {
    return Requirement.make(key, true, [], undefined, undefined, true, undefined);
  }

  /**
   * Builds a Requirement from its wire form. Keys are normalised (`beta.kubernetes.io/arch` → `kubernetes.io/arch`).
   * Throws InvalidRequirementError (type `InvalidRequirement`) for an unknown operator or a comparison operator
   * without exactly one integer value; the zod schemas reject those earlier with a field path.
   */
  static fromNodeSelectorRequirement(requirement: NodeSelectorRequirement): Requirement {
    const { key, operator, minValues } = requirement;
    const values = requirement.values ?? [];
    switch (operator) {
      case 'In':
        return Requirement.in(key, values, minValues);
      case 'NotIn':
        return Requirement.notIn(key, values, minValues);
      case 'Exists':
        return Requirement.exists(key, minValues);
      case 'DoesNotExist':
        return Requirement.doesNotExist(key, minValues);
      case 'Gt':
      case 'Lt':
      case 'Gte':
      case 'Lte': {
        const [only] = values;
        const bound = values.length === 1 && only !== undefined ? parseInteger(only) : undefined;
        if (bound === undefined) {
          throw new InvalidRequirementError(key, `operator ${operator} takes exactly one integer value`);
        }
        // Label values are integers here, so `>= n` is `> n-1` and `<= n` is `< n+1`.
        if (operator === 'Gt') return Requirement.greaterThan(key, bound, minValues);
        if (operator === 'Gte') return Requirement.greaterThan(key, bound - 1, minValues);
        if (operator === 'Lt') return Requirement.lessThan(key, bound, minValues);
        return Requirement.lessThan(key, bound + 1, minValues);
      }
      default:
        throw new InvalidRequirementError(key, `unknown operator "${String(operator)}"`);
    }
  }

  private static make(
    key: string,
    complement: boolean,
    values: Iterable<string>,
    greaterThan: number | undefined,
    lessThan: number | undefined,
    allowsAbsent: boolean,
    minValues: number | undefined
  ): Requirement {
    return new Requirement({
      key: normalizeLabelKey(key),
      complement,
      values: new Set(values),
      greaterThan,
      lessThan,
      allowsAbsent,
      minValues,
    });
  }

  /**
   * The label states allowed by both requirements (AND). Bounds tighten, exclusions merge, `minValues` takes the
   * larger floor. The key of the result is this requirement's key.
   */
  intersection(other: Requirement): Requirement {
    const complement = this.complement && other.complement;
    const values = new Set<string>();
    if (this.complement && other.complement) {
      for (const value of this.valueSet) values.add(value);
      for (const value of other.valueSet) values.add(value);
    } else if (this.complement) {
      for (const value of other.valueSet) if (!this.valueSet.has(value)) values.add(value);
    } else if (other.complement) {
      for (const value of this.valueSet) if (!other.valueSet.has(value)) values.add(value);
    } else {
      // Iterate the smaller set: NodeClaims carry up to 600 instance types, pods usually one.
      const [small, large] =
        this.valueSet.size <= other.valueSet.size ? [this.valueSet, other.valueSet] : [other.valueSet, this.valueSet];
      for (const value of small) if (large.has(value)) values.add(value);
    }
    return new Requirement({
      key: this.key,
      complement,
      values,
      greaterThan: maxDefined(this.greaterThan, other.greaterThan),
      lessThan: minDefined(this.lessThan, other.lessThan),
      allowsAbsent: this.allowsAbsent && other.allowsAbsent,
      minValues: maxDefined(this.minValues, other.minValues),
    });
  }

  /** Whether a node labelled `key=value` satisfies this requirement. */
  has(value: string): boolean {
    if (!this.complement) return this.valueSet.has(value);
    return !this.valueSet.has(value) && withinBounds(value, this.greaterThan, this.lessThan);
  }

  /** Whether a node with this label (`value`) or without it (`undefined`) satisfies the requirement. */
  matches(value: string | undefined): boolean {
    return value === undefined ? this.allowsAbsent : this.has(value);
  }

  /** The number of allowed values: finite for `In`, Infinity for complements (there are infinitely many strings). */
  size(): number {
    return this.complement ? Number.POSITIVE_INFINITY : this.valueSet.size;
  }

  /** True when no node satisfies the requirement: no value is allowed and the label may not be absent either. */
  isEmpty(): boolean {
    return !this.complement && this.valueSet.size === 0 && !this.allowsAbsent;
  }

  /** True when the allowed values are a finite, enumerable set (`In`, `DoesNotExist`, or an empty intersection). */
  isFinite(): boolean {
    return !this.complement;
  }

  /** The allowed values, sorted, when finite; for complements, the excluded values. See `isFinite`. */
  values(): string[] {
    return [...this.valueSet].sort();
  }

  /**
   * A deterministic representative value, or undefined when none can be named: the smallest allowed value of a finite
   * set, or the first integer inside the bounds of a range. Unbounded complements have no canonical member.
   */
  any(): string | undefined {
    if (!this.complement) return this.values()[0];
    if (this.greaterThan === undefined && this.lessThan === undefined) return undefined;
    let candidate = this.greaterThan !== undefined ? this.greaterThan + 1 : (this.lessThan as number) - 1;
    const step = this.greaterThan !== undefined ? 1 : -1;
    while (this.valueSet.has(String(candidate))) candidate += step;
    return withinBounds(String(candidate), this.greaterThan, this.lessThan) ? String(candidate) : undefined;
  }

  /** The single operator that best describes this requirement (Karpenter's `Operator()`); see toNodeSelectorRequirements for an exact form. */
  operator(): Operator {
    if (!this.complement) {
      if (this.valueSet.size === 0 && this.allowsAbsent) return 'DoesNotExist';
      return 'In';
    }
    if (this.allowsAbsent) return 'NotIn';
    if (this.greaterThan !== undefined) return 'Gt';
    if (this.lessThan !== undefined) return 'Lt';
    return this.valueSet.size > 0 ? 'NotIn' : 'Exists';
  }

  /**
   * The requirement as node selector requirements that, ANDed (as within one node selector term), denote exactly
   * this set. An unconstrained requirement yields `[]`; an empty one yields `In []`, which Kubernetes would reject:
   * an empty requirement is a scheduling dead end, not something to write to the API.
   */
  toNodeSelectorRequirements(): NodeSelectorRequirement[] {
    const result: NodeSelectorRequirement[] = [];
    const values = this.values();
    if (!this.complement) {
      if (values.length === 0 && this.allowsAbsent) result.push({ key: this.key, operator: 'DoesNotExist' });
      else result.push({ key: this.key, operator: 'In', values });
    } else if (this.allowsAbsent) {
      if (values.length > 0) result.push({ key: this.key, operator: 'NotIn', values });
    } else {
      if (this.greaterThan !== undefined) {
        result.push({ key: this.key, operator: 'Gt', values: [String(this.greaterThan)] });
      }
      if (this.lessThan !== undefined) result.push({ key: this.key, operator: 'Lt', values: [String(this.lessThan)] });
      if (result.length === 0) result.push({ key: this.key, operator: 'Exists' });
      if (values.length > 0) result.push({ key: this.key, operator: 'NotIn', values });
    }
    const [first, ...rest] = result;
    if (first === undefined || this.minValues === undefined) return result;
    return [{ ...first, minValues: this.minValues }, ...rest];
  }

  /** Structural equality of the denoted sets (and of `minValues`). */
  equals(other: Requirement): boolean {
    if (
      this.key !== other.key ||
      this.complement !== other.complement ||
      this.allowsAbsent !== other.allowsAbsent ||
      this.greaterThan !== other.greaterThan ||
      this.lessThan !== other.lessThan ||
      this.minValues !== other.minValues ||
      this.valueSet.size !== other.valueSet.size
    ) {
      return false;
    }
    for (const value of this.valueSet) if (!other.valueSet.has(value)) return false;
    return true;
  }

  /** Human-readable, e.g. `node.kubernetes.io/instance-type In [m5.large m5.xlarge] minValues 2`. */
  toString(): string {
    const parts = this.toNodeSelectorRequirements().map((part) => {
      if (part.operator === 'Exists' || part.operator === 'DoesNotExist') return `${part.key} ${part.operator}`;
      const values = [...(part.values ?? [])];
      const shown = values.length > 5 ? [...values.slice(0, 5), `and ${values.length - 5} others`] : values;
      return `${part.key} ${part.operator} [${shown.join(' ')}]`;
    });
    const text = parts.length === 0 ? `${this.key} (any value or none)` : parts.join(' and ');
    return this.minValues === undefined ? text : `${text} minValues ${this.minValues}`;
  }
}
