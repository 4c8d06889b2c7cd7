import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';

import { ALLOW_UNDEFINED_WELL_KNOWN_LABELS, Requirement, Requirements } from './index.js';
import type { NodeSelectorRequirement } from './index.js';

const ARCH = 'kubernetes.io/arch';
const ZONE = 'topology.kubernetes.io/zone';
const TEAM = 'example.com/team';
const INSTANCE_TYPE = 'node.kubernetes.io/instance-type';

const KEYS = [ARCH, TEAM, 'example.com/cpu'];
const VALUES = ['amd64', 'arm64', 'x', '1', '2', '8'];
const arbWire: fc.Arbitrary<NodeSelectorRequirement> = fc.oneof(
  fc.record({
    key: fc.constantFrom(...KEYS),
    operator: fc.constantFrom('In' as const, 'NotIn' as const),
    values: fc.uniqueArray(fc.constantFrom(...VALUES), { maxLength: 3 }),
  }),
  fc.record({ key: fc.constantFrom(...KEYS), operator: fc.constantFrom('Exists' as const, 'DoesNotExist' as const) }),
  fc.record({
    key: fc.constantFrom(...KEYS),
    operator: fc.constantFrom('Gt' as const, 'Lt' as const, 'Gte' as const, 'Lte' as const),
    values: fc.integer({ min: 0, max: 9 }).map((n) => [String(n)]),
  })
);
const arbRequirements = fc
  .array(arbWire, { maxLength: 4 })
  .map((wire) => Requirements.fromNodeSelectorRequirements(wire));

describe('Requirements', () => {
  it('should intersect requirements added for the same key', () => {
    const requirements = Requirements.fromNodeSelectorRequirements([
      { key: ARCH, operator: 'In', values: ['amd64', 'arm64'] },
      { key: ARCH, operator: 'NotIn', values: ['arm64'] },
    ]);
    expect(requirements.size).toBe(1);
    expect(requirements.get(ARCH).values()).toEqual(['amd64']);
  });

  it('should normalise aliases so beta and stable keys meet', () => {
    const requirements = Requirements.fromNodeSelectorRequirements([
      { key: 'beta.kubernetes.io/arch', operator: 'In', values: ['amd64'] },
      { key: ARCH, operator: 'In', values: ['amd64', 'arm64'] },
    ]);
    expect(requirements.keys()).toEqual([ARCH]);
    expect(requirements.get('beta.kubernetes.io/arch').values()).toEqual(['amd64']);
  });

  it('should treat an undefined key as unconstrained on get', () => {
    const any = Requirements.EMPTY.get(TEAM);
    expect([any.matches(undefined), any.matches('x'), any.isEmpty()]).toEqual([true, true, false]);
  });

  describe('compatible', () => {
    const pool = Requirements.fromNodeSelectorRequirements([
      { key: ARCH, operator: 'In', values: ['amd64'] },
      { key: INSTANCE_TYPE, operator: 'In', values: ['m5.large', 'm5.xlarge'] },
    ]);

    it('should explain a conflicting value with both sides', () => {
      expect(pool.compatible(Requirements.fromLabels({ [ARCH]: 'arm64' }))).toEqual([
        { key: ARCH, message: `key ${ARCH}, ${ARCH} In [arm64] not in ${ARCH} In [amd64]` },
      ]);
    });

    it('should reject a custom label the NodePool does not define', () => {
      expect(pool.compatible(Requirements.fromLabels({ [TEAM]: 'a' }))).toEqual([
        { key: TEAM, message: `label "${TEAM}" does not have known values` },
      ]);
    });

    it('should accept NotIn and DoesNotExist on labels the NodePool does not define', () => {
      const pod = Requirements.fromNodeSelectorRequirements([
        { key: TEAM, operator: 'NotIn', values: ['a'] },
        { key: 'example.com/gpu', operator: 'DoesNotExist' },
      ]);
      expect(pool.isCompatible(pod)).toBe(true);
    });

    it('should accept undefined well-known labels only with ALLOW_UNDEFINED_WELL_KNOWN_LABELS', () => {
      const pod = Requirements.fromLabels({ [ZONE]: 'us-west-2a' });
      expect(pool.isCompatible(pod)).toBe(false);
      expect(pool.isCompatible(pod, ALLOW_UNDEFINED_WELL_KNOWN_LABELS)).toBe(true);
      expect(pool.isCompatible(Requirements.fromLabels({ [TEAM]: 'a' }), ALLOW_UNDEFINED_WELL_KNOWN_LABELS)).toBe(
        false
      );
    });

    it('should accept a NotIn pod on a NotIn pool even when their intersection has no value', () => {
      const a = Requirements.fromNodeSelectorRequirements([{ key: TEAM, operator: 'NotIn', values: ['a'] }]);
      const b = Requirements.fromNodeSelectorRequirements([{ key: TEAM, operator: 'DoesNotExist' }]);
      expect(a.isCompatible(b)).toBe(true);
    });
  });

  describe('labels and matching', () => {
    it('should derive labels from single-valued In requirements only', () => {
      const requirements = Requirements.fromNodeSelectorRequirements([
        { key: ARCH, operator: 'In', values: ['amd64'] },
        { key: ZONE, operator: 'In', values: ['a', 'b'] },
        { key: TEAM, operator: 'Exists' },
      ]);
      expect(requirements.labels()).toEqual({ [ARCH]: 'amd64' });
    });

    it('should match node labels, counting missing labels as absent', () => {
      const requirements = Requirements.fromNodeSelectorRequirements([
        { key: ARCH, operator: 'In', values: ['amd64'] },
        { key: TEAM, operator: 'DoesNotExist' },
      ]);
      expect(requirements.matchesLabels({ 'beta.kubernetes.io/arch': 'amd64' })).toBe(true);
      expect(requirements.matchesLabels({ [ARCH]: 'amd64', [TEAM]: 'a' })).toBe(false);
      expect(requirements.matchesLabels({})).toBe(false);
    });
  });

  describe('minValues', () => {
    const requirements = Requirements.fromNodeSelectorRequirements([
      { key: INSTANCE_TYPE, operator: 'Exists', minValues: 3 },
      { key: ARCH, operator: 'In', values: ['amd64', 'arm64'], minValues: 1 },
    ]);
    const instanceType = (name: string, arch: string) =>
      Requirements.fromLabels({ [INSTANCE_TYPE]: name, [ARCH]: arch });

    it('should report keys with too few distinct values among candidates', () => {
      expect(
        requirements.minValuesShortfalls([instanceType('m5.large', 'amd64'), instanceType('m6g.large', 'arm64')])
      ).toEqual([{ key: INSTANCE_TYPE, minValues: 3, found: 2 }]);
    });

    it('should be satisfied when enough distinct values remain', () => {
      const candidates = ['m5.large', 'm5.xlarge', 'c5.large', 'c5.large'].map((name) => instanceType(name, 'amd64'));
      expect(requirements.minValuesShortfalls(candidates)).toEqual([]);
    });

    it('should not count values the requirement excludes', () => {
      const narrow = Requirements.fromNodeSelectorRequirements([
        { key: INSTANCE_TYPE, operator: 'NotIn', values: ['c5.large'], minValues: 2 },
      ]);
      expect(
        narrow.minValuesShortfalls([instanceType('c5.large', 'amd64'), instanceType('m5.large', 'amd64')])
      ).toEqual([{ key: INSTANCE_TYPE, minValues: 2, found: 1 }]);
    });
  });

  describe('properties', () => {
    it('should intersect commutatively and associatively', () => {
      fc.assert(
        fc.property(arbRequirements, arbRequirements, arbRequirements, (a, b, c) => {
          expect(a.intersection(b).equals(b.intersection(a))).toBe(true);
          expect(
            a
              .intersection(b)
              .intersection(c)
              .equals(a.intersection(b.intersection(c)))
          ).toBe(true);
        })
      );
    });

    it('should find intersects(a, b) empty iff the intersection is not empty', () => {
      fc.assert(
        fc.property(arbRequirements, arbRequirements, (a, b) => {
          expect(a.intersects(b).length === 0).toBe(!a.intersection(b).isEmpty());
          expect(a.intersects(b).length === 0).toBe(b.intersects(a).length === 0);
        })
      );
    });

    it('should find compatible(a, b) iff a, with its undefined keys as DoesNotExist, intersects b non-emptily', () => {
      fc.assert(
        fc.property(arbRequirements, arbRequirements, (a, b) => {
          const closed = a.add(
            ...b
              .keys()
              .filter((key) => !a.has(key))
              .map((key) => Requirement.doesNotExist(key))
          );
          expect(a.isCompatible(b)).toBe(!closed.intersection(b).isEmpty());
        })
      );
    });

    it('should find compatible(a, b) iff the intersection is not empty when every key may be undefined', () => {
      const everyKey = { allowUndefined: new Set(KEYS) };
      fc.assert(
        fc.property(arbRequirements, arbRequirements, (a, b) => {
          expect(a.isCompatible(b, everyKey)).toBe(!a.intersection(b).isEmpty());
        })
      );
    });

    it('should match labels iff each requirement matches them', () => {
      const arbLabels = fc.dictionary(fc.constantFrom(...KEYS), fc.constantFrom(...VALUES), { maxKeys: 3 });
      fc.assert(
        fc.property(arbRequirements, arbRequirements, arbLabels, (a, b, labels) => {
          expect(a.intersection(b).matchesLabels(labels)).toBe(a.matchesLabels(labels) && b.matchesLabels(labels));
        })
      );
    });

    it('should round-trip through the written form', () => {
      fc.assert(
        fc.property(arbRequirements, (a) => {
          const rebuilt = Requirements.fromNodeSelectorRequirements(a.toNodeSelectorRequirements());
          for (const key of KEYS) expect(rebuilt.get(key).equals(a.get(key))).toBe(true);
        })
      );
    });
  });
});
