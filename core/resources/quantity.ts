import { InvalidQuantityError } from './errors.js';

/** How a quantity is written back out; remembered from the input as Kubernetes does. */
export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

const NANO_EXPONENT = 9;
const NANOS_PER_UNIT = 10n ** BigInt(NANO_EXPONENT);
// Kubernetes caps binary-SI quantities at the largest int64 (`maxAllowed` in apimachinery's quantity.go).
const MAX_INT64 = 2n ** 63n - 1n;
// inf.Dec handles any exponent lazily; we materialise digits, so refuse absurd exponents instead of hanging.
const MAX_DECIMAL_EXPONENT = 1000;

const DECIMAL_SUFFIXES: Readonly<Record<string, number>> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const BINARY_SUFFIXES: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_SUFFIX_BY_EXPONENT = new Map(Object.entries(DECIMAL_SUFFIXES).map(([suffix, exp]) => [exp, suffix]));
const BINARY_SUFFIX_BY_EXPONENT = new Map(Object.entries(BINARY_SUFFIXES).map(([suffix, exp]) => [exp, suffix]));

const SYNTAX = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(|[numkMGTPE]|[KMGTPE]i|[eE][+-]?[0-9]+)$/;

function abs(value: bigint): bigint {
  return value < 0n ? -value : value;
}

/** Integer division rounding away from zero (apimachinery rounds sub-nano amounts and `Value()` this way). */
function divideAwayFromZero(numerator: bigint, denominator: bigint): bigint {
  const quotient = numerator / denominator;
  return quotient * denominator === numerator ? quotient : quotient + (numerator < 0n ? -1n : 1n);
}

interface Echo {
  readonly text: string;
  /** apimachinery's internal scale (power of ten) of the parsed amount; `roundUp` to a finer scale keeps the echo. */
  readonly scale: number;
}

const MAX_INT64_DIGITS = 18; // apimachinery's maxInt64Factors

/**
 * When apimachinery's ParseQuantity takes its int64 fast path and finds the input already canonical-looking, it keeps
 * the input string verbatim as the Quantity's string form. This reproduces that decision (quantity.go, ParseQuantity).
 */
function echoedInput(
  text: string,
  whole: string,
  fraction: string,
  format: QuantityFormat,
  decimalExponent: number,
  binaryExponent: number
): Echo | undefined {
  if (text === '0') return { text, scale: 0 };
  const num = whole.replace(/^0+/, '') || '0';
  const shifted = `${num}${fraction}`;
  if (format === 'BinarySI' || binaryExponent > 0) {
    if (fraction.length > 0) return undefined;
    const precision = 15 - num.length - Math.trunc((binaryExponent * 3) / 10) - 1;
    const value = BigInt(shifted);
    if (precision < 0 || value * 2n ** BigInt(binaryExponent) > MAX_INT64) return undefined;
    return (value & 7n) !== 0n ? { text, scale: 0 } : undefined;
  }
  const scale = decimalExponent - fraction.length;
  if (MAX_INT64_DIGITS - shifted.length < 0 || scale < -NANO_EXPONENT || BigInt(shifted) > MAX_INT64) return undefined;
  const canonicalLooking = scale % 3 === 0 && !shifted.endsWith('000') && !shifted.startsWith('0');
  return canonicalLooking ? { text, scale } : undefined;
}

/**
 * A Kubernetes resource quantity (`k8s.io/apimachinery/pkg/api/resource.Quantity`), exact to the nano unit.
 *
 * Parsing accepts decimal SI suffixes (`n u m k M G T P E`), binary SI suffixes (`Ki … Ei`) and decimal exponents
 * (`1e3`, `1E-3`); amounts finer than 1n are rounded up (away from zero) as Kubernetes does, and binary-SI amounts are
 * capped at 2^63-1. `toString()` is Kubernetes' canonical form: `1.5` → `1500m`, `1.5Gi` → `1536Mi`, `0.9Gi` →
 * `966367641600m`. Immutable; arithmetic returns new quantities in the receiver's format.
 */
export class Quantity {
  /** The amount in units of 10^-9. */
  readonly nanos: bigint;
  readonly format: QuantityFormat;
  /** The input text, when apimachinery would keep it as the string form (see `echoedInput`). */
  private readonly echo: Echo | undefined;

  private constructor(nanos: bigint, format: QuantityFormat, echo?: Echo) {
    this.nanos = nanos;
    this.format = format;
    this.echo = echo;
  }

  static readonly ZERO = new Quantity(0n, 'DecimalSI');

  /** Parses a quantity string (or a YAML/JSON number, as in `cpu: 2`). Throws InvalidQuantityError (`InvalidQuantity`). */
  static parse(input: string | number): Quantity {
    const text = typeof input === 'number' ? Quantity.numberToString(input) : input;
    const match = SYNTAX.exec(text);
    if (match === null) throw new InvalidQuantityError(text, 'has an invalid format');
    const [, sign = '', whole = '', fraction = '', suffix = ''] = match;
    if (whole.length === 0 && fraction.length === 0) throw new InvalidQuantityError(text, 'has no digits');

    let format: QuantityFormat;
    let decimalExponent = 0;
    let binaryExponent = 0;
    if (suffix in BINARY_SUFFIXES) {
      format = 'BinarySI';
      binaryExponent = BINARY_SUFFIXES[suffix] as number;
    } else if (suffix in DECIMAL_SUFFIXES) {
      format = 'DecimalSI';
      decimalExponent = DECIMAL_SUFFIXES[suffix] as number;
    } else {
      format = 'DecimalExponent';
      decimalExponent = Number(suffix.slice(1));
      if (Math.abs(decimalExponent) > MAX_DECIMAL_EXPONENT)
        throw new InvalidQuantityError(text, 'has an exponent out of range');
    }

    // value = digits × 10^(decimalExponent - fraction.length) × 2^binaryExponent, expressed in nanos.
    const numerator = BigInt(`${whole}${fraction}` || '0') * 2n ** BigInt(binaryExponent);
    const scale = decimalExponent - fraction.length + NANO_EXPONENT;
    let magnitude: bigint;
    if (scale >= 0) {
      magnitude = numerator * 10n ** BigInt(scale);
    } else {
      // "if you want some resources, you should get some resources": sub-nano amounts round up, never to zero.
      magnitude = divideAwayFromZero(numerator, 10n ** BigInt(-scale));
    }
    if (format === 'BinarySI' && magnitude > MAX_INT64 * NANOS_PER_UNIT) magnitude = MAX_INT64 * NANOS_PER_UNIT;
    if (format === 'BinarySI' && magnitude > 0n && magnitude < NANOS_PER_UNIT) format = 'DecimalSI';
    const echo = echoedInput(text, whole, fraction, format, decimalExponent, binaryExponent);
    return new Quantity(sign === '-' ? -magnitude : magnitude, format, echo);
  }

  /** Like `parse`, but undefined instead of an error. */
  static tryParse(input: string | number): Quantity | undefined {
    try {
      return Quantity.parse(input);
    } catch {
      return undefined;
    }
  }

  /** Whether `input` is a valid quantity. */
  static isValid(input: string | number): boolean {
    return Quantity.tryParse(input) !== undefined;
  }

  /** A whole-unit quantity (e.g. bytes, vCPUs, pods). */
  static fromValue(value: bigint | number, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(Quantity.toBigInt(value) * NANOS_PER_UNIT, format);
  }

  /** A quantity of thousandths (millicores). */
  static fromMilli(milli: bigint | number, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(Quantity.toBigInt(milli) * 10n ** 6n, format);
  }

  static fromNanos(nanos: bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(nanos, format);
  }

  private static toBigInt(value: bigint | number): bigint {
    if (typeof value === 'bigint') return value;
    if (!Number.isSafeInteger(value)) throw new InvalidQuantityError(String(value), 'is not a safe integer');
    return BigInt(value);
  }

  private static numberToString(value: number): string {
    if (!Number.isFinite(value)) throw new InvalidQuantityError(String(value), 'is not finite');
    return String(value).replace('e+', 'e');
  }

  add(other: Quantity): Quantity {
    return new Quantity(this.nanos + other.nanos, this.formatWith(other));
  }

  sub(other: Quantity): Quantity {
    return new Quantity(this.nanos - other.nanos, this.formatWith(other));
  }

  /** This quantity times a whole number (e.g. per-pod overhead × pods). */
  mul(factor: bigint | number): Quantity {
    return new Quantity(this.nanos * Quantity.toBigInt(factor), this.format);
  }

  neg(): Quantity {
    return new Quantity(-this.nanos, this.format);
  }

  // A zero receiver adopts the other side's format (apimachinery's Add/Sub), so `ZERO.add(1Gi)` prints as `1Gi`.
  private formatWith(other: Quantity): QuantityFormat {
    return this.nanos === 0n ? other.format : this.format;
  }

  /**
   * This quantity rounded away from zero to a multiple of 10^scale (apimachinery's `RoundUp`; scale -3 is milli).
   * Core Kubernetes objects store ResourceLists rounded to milli (`SetDefaults_ResourceList`), so a request written
   * as `0.30000000000000004` reads back from the apiserver as `301m`: compare with `roundUp(-3)` of the input.
   */
  roundUp(scale: number): Quantity {
    if (!Number.isInteger(scale) || scale < -NANO_EXPONENT) return this;
    // apimachinery keeps the remembered string when the amount is already at that scale or coarser.
    if (this.echo !== undefined && this.echo.scale >= scale) return this;
    const step = 10n ** BigInt(scale + NANO_EXPONENT);
    return new Quantity(divideAwayFromZero(this.nanos, step) * step, this.format);
  }

  /** -1, 0 or 1 as this is less than, equal to or greater than `other`. */
  cmp(other: Quantity): -1 | 0 | 1 {
    return this.nanos < other.nanos ? -1 : this.nanos > other.nanos ? 1 : 0;
  }

  equals(other: Quantity): boolean {
    return this.nanos === other.nanos;
  }

  isZero(): boolean {
    return this.nanos === 0n;
  }

  sign(): -1 | 0 | 1 {
    return this.nanos < 0n ? -1 : this.nanos > 0n ? 1 : 0;
  }

  /** Whole units rounded away from zero (Kubernetes `Value()`), e.g. `1500m` → 2. */
  value(): number {
    return Number(divideAwayFromZero(this.nanos, NANOS_PER_UNIT));
  }

  /** Thousandths rounded away from zero (Kubernetes `MilliValue()`), e.g. `1.5` → 1500. */
  milliValue(): number {
    return Number(divideAwayFromZero(this.nanos, 10n ** 6n));
  }

  /** The amount as a float, for ratios and display only. */
  asNumber(): number {
    return Number(this.nanos) / 1e9;
  }

  /**
   * The string apimachinery's `Quantity.String()` gives: the canonical form, except that a parsed input already
   * "in canonical shape" is echoed as written (so `+1`, `01`, `1.` and `1E3` come back unchanged, as the apiserver
   * returns them). Use `canonical()` for the normalised form regardless of input.
   */
  toString(): string {
    return this.echo?.text ?? this.canonical();
  }

  /** Kubernetes' canonical form (`CanonicalizeBytes`): no fraction, largest exponent that loses no precision. */
  canonical(): string {
    if (this.nanos === 0n) return '0';
    const sign = this.nanos < 0n ? '-' : '';
    const magnitude = abs(this.nanos);
    if (this.format === 'BinarySI' && magnitude >= 1024n * NANOS_PER_UNIT && magnitude % NANOS_PER_UNIT === 0n) {
      let amount = magnitude / NANOS_PER_UNIT;
      let exponent = 0;
      while (amount % 1024n === 0n && BINARY_SUFFIX_BY_EXPONENT.has((exponent + 1) * 10)) {
        amount /= 1024n;
        exponent += 1;
      }
      return `${sign}${amount}${BINARY_SUFFIX_BY_EXPONENT.get(exponent * 10) ?? ''}`;
    }
    // Decimal: move trailing zeros into the exponent, then step the exponent down to a multiple of three.
    let amount = magnitude;
    let exponent = -NANO_EXPONENT;
    while (amount % 10n === 0n) {
      amount /= 10n;
      exponent += 1;
    }
    while (((exponent % 3) + 3) % 3 !== 0) {
      amount *= 10n;
      exponent -= 1;
    }
    if (this.format === 'DecimalExponent') return `${sign}${amount}${exponent === 0 ? '' : `e${exponent}`}`;
    // Binary values below 1024 or with a fraction print as decimal SI, like apimachinery's CanonicalizeBytes.
    const suffix = DECIMAL_SUFFIX_BY_EXPONENT.get(exponent);
    return suffix === undefined ? `${sign}${amount}e${exponent}` : `${sign}${amount}${suffix}`;
  }

  toJSON(): string {
    return this.toString();
  }
}
