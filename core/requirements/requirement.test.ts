import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';

import { INVALID_REQUIREMENT, OPERATORS, Requirement } from './index.js';
import type { NodeSelectorRequirement } from './index.js';

const KEY = 'example.com/key';
const req = (operator: NodeSelectorRequirement['operator'], values: string[] = [], minValues?: number) =>
  Requirement.fromNodeSelectorRequirement({ key: KEY, operator, values, minValues });

// A small universe keeps collisions between generated requirements frequent, which is where the algebra is interesting.
const VALUE_POOL = ['a', 'b', 'c', '-1', '0', '1', '2', '3', '4', '10'];
const arbValues = fc.uniqueArray(fc.constantFrom(...VALUE_POOL), { maxLength: 4 });
const arbInteger = fc.integer({ min: -2, max: 11 });
const arbWire: fc.Arbitrary<NodeSelectorRequirement> = fc.oneof(
  fc.record({ key: fc.constant(KEY), operator: fc.constantFrom('In' as const, 'NotIn' as const), values: arbValues }),
  fc.record({ key: fc.constant(KEY), operator: fc.constantFrom('Exists' as const, 'DoesNotExist' as const) }),
  fc.record({
    key: fc.constant(KEY),
    operator: fc.constantFrom('Gt' as const, 'Lt' as const, 'Gte' as const, 'Lte' as const),
    values: arbInteger.map((n) => [String(n)]),
  })
);
const arbMinValues = fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined });
const arbRequirement = fc
  .tuple(arbWire, arbMinValues)
  .map(([wire, minValues]) => Requirement.fromNodeSelectorRequirement({ ...wire, minValues }));
// Label states a node can be in for KEY: absent, a pool value, padded integers (still integers to Atoi), a fresh string.
const STATES: (string | undefined)[] = [undefined, ...VALUE_POOL, '05', '+7', '011', 'fresh-value'];
const arbState = fc.constantFrom(...STATES);

/** A node state satisfying the requirement, searched among the states above and the requirement's own witness. */
function witness(requirement: Requirement): { found: boolean; state?: string | undefined } {
  const candidates: (string | undefined)[] = [...STATES];
  const any = requirement.any();
  if (any !== undefined) candidates.push(any, `0${any}`, `+${any}`);
  if (requirement.greaterThan !== undefined) candidates.push(`0${requirement.greaterThan + 1}`);
  if (requirement.lessThan !== undefined) candidates.push(`0${requirement.lessThan - 1}`);
  for (const state of candidates) if (requirement.matches(state)) return { found: true, state };
  return { found: false };
}

function rebuild(requirement: Requirement): Requirement {
  return requirement
    .toNodeSelectorRequirements()
    .map((wire) => Requirement.fromNodeSelectorRequirement(wire))
    .reduce((acc, part) => acc.intersection(part), Requirement.unconstrained(requirement.key));
}

describe('Requirement', () => {
  describe('operators', () => {
    it('should require presence with one of the values for In', () => {
      const r = req('In', ['a', 'b']);
      expect([r.matches('a'), r.matches('b'), r.matches('c'), r.matches(undefined)]).toEqual([
        true,
        true,
        false,
        false,
      ]);
      expect(r.operator()).toBe('In');
      expect(r.size()).toBe(2);
    });

    it('should accept an absent label for NotIn, as Kubernetes node affinity does', () => {
      const r = req('NotIn', ['a']);
      expect([r.matches('a'), r.matches('b'), r.matches(undefined)]).toEqual([false, true, true]);
      expect(r.operator()).toBe('NotIn');
      expect(r.size()).toBe(Number.POSITIVE_INFINITY);
    });

    it('should match any present value for Exists and only absence for DoesNotExist', () => {
      expect([req('Exists').matches('x'), req('Exists').matches(undefined)]).toEqual([true, false]);
      expect([req('DoesNotExist').matches('x'), req('DoesNotExist').matches(undefined)]).toEqual([false, true]);
    });

    it('should compare integer values for Gt, Lt, Gte and Lte and reject non-integers', () => {
      expect([req('Gt', ['3']).has('3'), req('Gt', ['3']).has('4'), req('Gt', ['3']).has('abc')]).toEqual([
        false,
        true,
        false,
      ]);
      expect([req('Lt', ['3']).has('2'), req('Lt', ['3']).has('3')]).toEqual([true, false]);
      expect([req('Gte', ['3']).has('3'), req('Gte', ['3']).has('2')]).toEqual([true, false]);
      expect([req('Lte', ['3']).has('3'), req('Lte', ['3']).has('4')]).toEqual([true, false]);
      expect(req('Gt', ['3']).matches(undefined)).toBe(false);
    });

    it('should read values as Go strconv.Atoi would (signs and leading zeros)', () => {
      expect(req('Gt', ['3']).has('+4')).toBe(true);
      expect(req('Gt', ['3']).has('04')).toBe(true);
      expect(req('Lt', ['0']).has('-1')).toBe(true);
    });

    it.each([
      ['Gt', []],
      ['Lt', ['1', '2']],
      ['Gte', ['x']],
      ['Lte', ['1.5']],
    ] as const)('should throw InvalidRequirement for %s %j', (operator, values) => {
      expect(() => req(operator, [...values])).toThrow(expect.objectContaining({ type: INVALID_REQUIREMENT }));
    });

    it('should throw InvalidRequirement for an unknown operator', () => {
      const bad = { key: KEY, operator: 'Within' } as unknown as NodeSelectorRequirement;
      expect(() => Requirement.fromNodeSelectorRequirement(bad)).toThrow(
        expect.objectContaining({ type: INVALID_REQUIREMENT, key: KEY })
      );
    });

    it('should normalise deprecated keys', () => {
      expect(Requirement.in('beta.kubernetes.io/arch', ['amd64']).key).toBe('kubernetes.io/arch');
      expect(Requirement.in('failure-domain.beta.kubernetes.io/zone', ['z']).key).toBe('topology.kubernetes.io/zone');
      expect(Requirement.in('beta.kubernetes.io/instance-type', ['m5.large']).key).toBe(
        'node.kubernetes.io/instance-type'
      );
    });
  });

  describe('intersection', () => {
    it('should remove NotIn values from an In set', () => {
      expect(
        req('In', ['a', 'b'])
          .intersection(req('NotIn', ['a']))
          .equals(req('In', ['b']))
      ).toBe(true);
    });

    it('should be empty for In against DoesNotExist and for Exists against DoesNotExist', () => {
      expect(req('In', ['a']).intersection(req('DoesNotExist')).isEmpty()).toBe(true);
      expect(req('Exists').intersection(req('DoesNotExist')).isEmpty()).toBe(true);
    });

    it('should keep absence when both sides allow it (NotIn with DoesNotExist)', () => {
      const result = req('NotIn', ['a']).intersection(req('DoesNotExist'));
      expect(result.isEmpty()).toBe(false);
      expect(result.equals(req('DoesNotExist'))).toBe(true);
    });

    it('should make a range from Gt and Lt and be empty when no integer fits', () => {
      const range = req('Gt', ['1']).intersection(req('Lt', ['3']));
      expect([range.has('1'), range.has('2'), range.has('3')]).toEqual([false, true, false]);
      expect(
        req('Gt', ['1'])
          .intersection(req('Lt', ['2']))
          .isEmpty()
      ).toBe(true);
      expect(
        req('Gte', ['2'])
          .intersection(req('Lte', ['2']))
          .has('2')
      ).toBe(true);
    });

    it('should filter an In set by bounds', () => {
      const result = req('In', ['1', '5', 'a']).intersection(req('Gt', ['2']));
      expect(result.values()).toEqual(['5']);
      expect(result.operator()).toBe('In');
    });

    it('should take the larger minValues', () => {
      expect(req('In', ['a', 'b'], 1).intersection(req('Exists', [], 2)).minValues).toBe(2);
    });
  });

  describe('written form', () => {
    it('should express Exists minus values as Exists and NotIn', () => {
      expect(
        req('Exists')
          .intersection(req('NotIn', ['a']))
          .toNodeSelectorRequirements()
      ).toEqual([
        { key: KEY, operator: 'Exists' },
        { key: KEY, operator: 'NotIn', values: ['a'] },
      ]);
    });

    it('should express a range as Gt and Lt and carry minValues on the first entry', () => {
      expect(
        req('Gte', ['2'], 2)
          .intersection(req('Lt', ['9']))
          .toNodeSelectorRequirements()
      ).toEqual([
        { key: KEY, operator: 'Gt', values: ['1'], minValues: 2 },
        { key: KEY, operator: 'Lt', values: ['9'] },
      ]);
    });

    it('should write nothing for an unconstrained key', () => {
      expect(Requirement.unconstrained(KEY).toNodeSelectorRequirements()).toEqual([]);
    });

    it('should read like Karpenter in messages', () => {
      expect(req('In', ['b', 'a'], 2).toString()).toBe(`${KEY} In [a b] minValues 2`);
      expect(req('In', ['1', '2', '3', '4', '5', '6', '7']).toString()).toBe(`${KEY} In [1 2 3 4 5 and 2 others]`);
    });
  });

  describe('properties', () => {
    it('should intersect commutatively', () => {
      fc.assert(fc.property(arbRequirement, arbRequirement, (a, b) => a.intersection(b).equals(b.intersection(a))));
    });

    it('should intersect associatively', () => {
      fc.assert(
        fc.property(arbRequirement, arbRequirement, arbRequirement, (a, b, c) =>
          a
            .intersection(b)
            .intersection(c)
            .equals(a.intersection(b.intersection(c)))
        )
      );
    });

    it('should intersect idempotently, with unconstrained as identity', () => {
      fc.assert(
        fc.property(arbRequirement, (a) => {
          expect(a.intersection(a).equals(a)).toBe(true);
          expect(a.intersection(Requirement.unconstrained(KEY)).equals(a)).toBe(true);
        })
      );
    });

    it('should match a state iff both operands match it (intersection is AND)', () => {
      fc.assert(
        fc.property(arbRequirement, arbRequirement, arbState, (a, b, state) => {
          expect(a.intersection(b).matches(state)).toBe(a.matches(state) && b.matches(state));
        })
      );
    });

    it('should be empty iff no node state satisfies it', () => {
      fc.assert(
        fc.property(arbRequirement, arbRequirement, (a, b) => {
          const both = a.intersection(b);
          expect(witness(both).found).toBe(!both.isEmpty());
        })
      );
    });

    it('should round-trip through its written form', () => {
      fc.assert(
        fc.property(arbRequirement, arbRequirement, (a, b) => {
          const both = a.intersection(b);
          expect(rebuild(both).equals(both)).toBe(true);
        })
      );
    });

    it('should return a member from any() whenever it names one', () => {
      fc.assert(
        fc.property(arbRequirement, arbRequirement, (a, b) => {
          const value = a.intersection(b).any();
          if (value !== undefined) expect(a.intersection(b).has(value)).toBe(true);
        })
      );
    });
  });

  it('should list every Karpenter operator', () => {
    expect([...OPERATORS].sort()).toEqual(['DoesNotExist', 'Exists', 'Gt', 'Gte', 'In', 'Lt', 'Lte', 'NotIn']);
  });
});
