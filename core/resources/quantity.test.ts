import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';

import { INVALID_QUANTITY, Quantity } from './index.js';

describe('Quantity', () => {
  // Pairs from apimachinery's quantity tests and API docs: input → canonical string.
  it.each([
    ['0', '0'],
    ['0n', '0'],
    ['0Ki', '0'],
    ['1', '1'],
    ['1.5', '1500m'],
    ['1.5Gi', '1536Mi'],
    ['0.9Gi', '966367641600m'],
    ['0.30000000000000004', '300000001n'],
    ['1Ki', '1Ki'],
    ['8Ki', '8Ki'],
    ['1024Ki', '1Mi'],
    ['1025', '1025'],
    ['1025Ki', '1025Ki'],
    ['1048576Ki', '1Gi'],
    ['5n', '5n'],
    ['4u', '4u'],
    ['3m', '3m'],
    ['8k', '8k'],
    ['50k', '50k'],
    ['7M', '7M'],
    ['1000M', '1G'],
    ['1000000k', '1G'],
    ['1000000000', '1G'],
    ['1080m', '1080m'],
    ['1.08', '1080m'],
    ['1.0800', '1080m'],
    ['300M', '300M'],
    ['1234567M', '1234567M'],
    ['100.035k', '100035'],
    ['0.001', '1m'],
    ['0.0005k', '500m'],
    ['.5', '500m'],
    ['1.', '1'],
    ['1.G', '1G'],
    ['.0001k', '100m'],
    ['+1', '1'],
    ['-1', '-1'],
    ['-1.5Gi', '-1536Mi'],
    ['-0.5', '-500m'],
    ['1e3', '1e3'],
    ['1E3', '1e3'],
    ['1e-3', '1e-3'],
    ['1e-9', '1e-9'],
    ['1000e3', '1e6'],
    ['80e-3', '80e-3'],
    ['1.08e0', '1080e-3'],
    ['1e14', '100e12'],
    ['0.000000000001Ki', '2n'],
    ['1e-10', '1e-9'],
    ['1n', '1n'],
    ['0.1n', '1n'],
    ['-0.1n', '-1n'],
    ['20Gi', '20Gi'],
    ['1000Gi', '1000Gi'],
    ['16Ei', '9223372036854775807'],
  ])('should parse %s into the canonical form %s', (input, canonical) => {
    expect(Quantity.parse(input).canonical()).toBe(canonical);
  });

  // apimachinery keeps the input as the string form when its int64 fast path finds it canonical-looking; the
  // apiserver then returns it unchanged. Other inputs print canonically.
  it.each([
    ['1.', '1.'],
    ['+1', '+1'],
    ['01', '01'],
    ['1E3', '1E3'],
    ['1.G', '1.G'],
    ['100.035k', '100.035k'],
    ['1.500', '1.500'],
    ['1025Ki', '1025Ki'],
    ['1024Ki', '1Mi'],
    ['1000', '1k'],
    ['1.5', '1500m'],
    ['0.5', '500m'],
    ['1e-10', '1e-9'],
    ['1.5Gi', '1536Mi'],
  ])('should print %s as apimachinery String() does: %s', (input, printed) => {
    expect(Quantity.parse(input).toString()).toBe(printed);
  });

  it('should print arithmetic results canonically, never an echoed input', () => {
    expect(Quantity.parse('+1').add(Quantity.ZERO).toString()).toBe('1');
    expect(Quantity.parse('1.').roundUp(-3).toString()).toBe('1.');
    expect(Quantity.parse('1.000000001').roundUp(-3).toString()).toBe('1001m');
  });

  it('should remember the format of its input', () => {
    expect(Quantity.parse('1Gi').format).toBe('BinarySI');
    expect(Quantity.parse('1G').format).toBe('DecimalSI');
    expect(Quantity.parse('5').format).toBe('DecimalSI');
    expect(Quantity.parse('1e3').format).toBe('DecimalExponent');
    // Sub-unit binary amounts switch to decimal, as apimachinery does.
    expect(Quantity.parse('0.000000000001Ki').format).toBe('DecimalSI');
  });

  it('should parse numbers from YAML like strings', () => {
    expect(Quantity.parse(1000).toString()).toBe('1k');
    expect(Quantity.parse(0.5).toString()).toBe('500m');
    expect(Quantity.parse(1e21).toString()).toBe('1e21');
  });

  it.each([
    '',
    ' 1',
    '1 ',
    'abc',
    '1.5.5',
    '1K',
    '1ki',
    '1Gb',
    '--1',
    '-',
    '.',
    '1e',
    'e3',
    '1e3.5',
    '1Ki5',
    '1mi',
    'Infinity',
  ])('should reject %j with InvalidQuantity', (input) => {
    expect(() => Quantity.parse(input)).toThrow(expect.objectContaining({ type: INVALID_QUANTITY }));
    expect(Quantity.isValid(input)).toBe(false);
  });

  it('should round value() and milliValue() away from zero', () => {
    expect(Quantity.parse('1500m').value()).toBe(2);
    expect(Quantity.parse('-1500m').value()).toBe(-2);
    expect(Quantity.parse('1.0001').milliValue()).toBe(1001);
    expect(Quantity.parse('2Gi').value()).toBe(2147483648);
    expect(Quantity.parse('250m').milliValue()).toBe(250);
  });

  it('should add and subtract exactly, keeping the receiver format unless it is zero', () => {
    expect(Quantity.parse('1Gi').add(Quantity.parse('512Mi')).toString()).toBe('1536Mi');
    expect(Quantity.parse('100m').add(Quantity.parse('0.2')).toString()).toBe('300m');
    expect(Quantity.ZERO.add(Quantity.parse('1Gi')).toString()).toBe('1Gi');
    expect(Quantity.parse('1').sub(Quantity.parse('1500m')).toString()).toBe('-500m');
    expect(Quantity.parse('11Mi').mul(110).add(Quantity.parse('255Mi')).toString()).toBe('1465Mi');
  });

  it('should round up to a scale away from zero, as core objects store milli-rounded ResourceLists', () => {
    expect(Quantity.parse('0.30000000000000004').roundUp(-3).toString()).toBe('301m');
    expect(Quantity.parse('1n').roundUp(-3).toString()).toBe('1m');
    expect(Quantity.parse('-1500m').roundUp(0).toString()).toBe('-2');
    expect(Quantity.parse('1.5Gi').roundUp(-3).toString()).toBe('1536Mi');
    expect(Quantity.parse('2500').roundUp(3).toString()).toBe('3k');
    expect(Quantity.parse('7n').roundUp(-9).toString()).toBe('7n');
  });

  it('should compare by amount across formats', () => {
    expect(Quantity.parse('1Ki').cmp(Quantity.parse('1024'))).toBe(0);
    expect(Quantity.parse('1k').cmp(Quantity.parse('1Ki'))).toBe(-1);
    expect(Quantity.parse('1e3').equals(Quantity.parse('1k'))).toBe(true);
  });

  it('should build from values and millis', () => {
    expect(Quantity.fromMilli(1500).toString()).toBe('1500m');
    expect(Quantity.fromValue(2n ** 30n, 'BinarySI').toString()).toBe('1Gi');
    expect(JSON.stringify({ cpu: Quantity.fromValue(4) })).toBe('{"cpu":"4"}');
  });

  describe('properties', () => {
    const arbQuantityText = fc
      .tuple(
        fc.constantFrom('', '-'),
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        fc.option(fc.stringMatching(/^[0-9]{1,6}$/), { nil: undefined }),
        fc.constantFrom('', 'n', 'u', 'm', 'k', 'M', 'G', 'T', 'Ki', 'Mi', 'Gi', 'Ti', 'e3', 'e-2', 'E5')
      )
      .map(
        ([sign, whole, fraction, suffix]) => `${sign}${whole}${fraction === undefined ? '' : `.${fraction}`}${suffix}`
      );

    it('should print a canonical form that parses back to the same amount and prints the same', () => {
      fc.assert(
        fc.property(arbQuantityText, (text) => {
          const quantity = Quantity.parse(text);
          const again = Quantity.parse(quantity.canonical());
          expect(again.nanos).toBe(quantity.nanos);
          expect(again.canonical()).toBe(quantity.canonical());
          expect(again.toString()).toBe(quantity.canonical());
        })
      );
    });

    it('should never print a fraction or an exponent outside multiples of three', () => {
      fc.assert(
        fc.property(arbQuantityText, (text) => {
          expect(Quantity.parse(text).canonical()).toMatch(/^-?[0-9]+(|[numkMGTPE]|[KMGTPE]i|e-?[0-9]*[0369])$/);
        })
      );
    });

    it('should make add and sub inverse', () => {
      fc.assert(
        fc.property(arbQuantityText, arbQuantityText, (a, b) => {
          const x = Quantity.parse(a);
          const y = Quantity.parse(b);
          expect(x.add(y).sub(y).nanos).toBe(x.nanos);
          expect(x.add(y).nanos).toBe(y.add(x).nanos);
        })
      );
    });
  });
});
