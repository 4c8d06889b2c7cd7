import { describe, expect, it } from '@jest/globals';

import { chooseLaunch, type LaunchOffering } from './launch-choice.js';

const o = (capacityType: string, price: number, zone = 'a'): LaunchOffering => ({ zone, capacityType, price });
const both = { allowsSpotAndOnDemand: true, hasMinValues: false };

// Each row follows one line of Karpenter's AWS provider v1.14.1 (pkg/providers/instance).
describe('chooseLaunch (Karpenter AWS filterInstanceTypes + getCapacityType)', () => {
  it.each([
    [
      'instance.go:744 reserved before spot before on-demand',
      [o('on-demand', 0.1), o('spot', 0.03), o('reserved', 0.1)],
      'reserved',
    ],
    [
      'instance.go:744 spot when spot is offered at or below the on-demand price',
      [o('on-demand', 0.1), o('spot', 0.1)],
      'spot',
    ],
    ['filter.go:377 on-demand when every spot offering is dearer', [o('on-demand', 0.1), o('spot', 0.11)], 'on-demand'],
  ])('%s', (_source, offerings, expected) => {
    expect(chooseLaunch([{ name: 'm5.large', exotic: false, offerings }], both)?.capacityType).toBe(expected);
  });

  it('filter.go:388 keeps dearer spot when the NodeClaim has minValues', () => {
    const offerings = [o('on-demand', 0.1), o('spot', 0.11)];
    expect(
      chooseLaunch([{ name: 'm5.large', exotic: false, offerings }], { ...both, hasMinValues: true })?.capacityType
    ).toBe('spot');
  });

  it('filter.go:384 applies the spot filter only when both capacity types are allowed', () => {
    const offerings = [o('spot', 0.11)];
    const cheapOnDemand = { name: 'c5.large', exotic: false, offerings: [o('on-demand', 0.05)] };
    const spotOnly = chooseLaunch([{ name: 'm5.large', exotic: false, offerings }, cheapOnDemand], {
      allowsSpotAndOnDemand: false,
      hasMinValues: false,
    });
    expect(spotOnly?.capacityType).toBe('spot');
  });

  it('instance.go:343 keeps the 60 cheapest types, equal prices in the given order', () => {
    const types = Array.from({ length: 65 }, (_, i) => ({
      name: `t${i}`,
      exotic: false,
      offerings: [o('on-demand', i < 5 ? 9 : 1)],
    }));
    const choice = chooseLaunch(types, both);
    expect(choice?.types.map((t) => t.name)).toEqual(types.slice(5).map((t) => t.name));
  });

  it('filter.go:329 drops exotic types unless nothing else remains or minValues is set', () => {
    const metal = { name: 'm5.metal', exotic: true, offerings: [o('on-demand', 0.01)] };
    const plain = { name: 'm5.large', exotic: false, offerings: [o('on-demand', 0.1)] };
    expect(chooseLaunch([metal, plain], both)?.overrides).toEqual([plain.offerings[0]]);
    expect(chooseLaunch([metal, plain], { ...both, hasMinValues: true })?.overrides[0]).toBe(metal.offerings[0]);
    expect(chooseLaunch([metal], both)?.overrides[0]).toBe(metal.offerings[0]);
  });

  it('returns nothing when no type has an offering', () => {
    expect(chooseLaunch([{ name: 'm5.large', exotic: false, offerings: [] }], both)).toBeUndefined();
  });
});
