import { describe, expect, it } from '@jest/globals';
import type { InstanceType, Offering } from '../../core/cloudprovider/index.js';
import { candidates, canonicalRequests, fitsRequests, MAX_LAUNCH_TYPES, planLaunch } from './fleet.js';

const offering = (zone: string, capacityType: Offering['capacityType'], price: number, available = true): Offering => ({
  zone,
  capacityType,
  price,
  available,
});

const type = (name: string, offerings: Offering[], arch = 'amd64'): InstanceType => ({
  name,
  requirements: [
    { key: 'node.kubernetes.io/instance-type', operator: 'In', values: [name] },
    { key: 'kubernetes.io/arch', operator: 'In', values: [arch] },
    { key: 'topology.kubernetes.io/zone', operator: 'In', values: [...new Set(offerings.map((o) => o.zone))] },
    { key: 'karpenter.sh/capacity-type', operator: 'In', values: [...new Set(offerings.map((o) => o.capacityType))] },
  ],
  capacity: { cpu: 2000 },
  overhead: { kubeReserved: {}, systemReserved: {}, evictionThreshold: {} },
  offerings,
});

const zones = new Set(['a', 'b']);
const pool = { key: 'karpenter.sh/nodepool', operator: 'In' as const, values: ['default'] };

describe('launch planning', () => {
  it('should prefer spot over on-demand when both are allowed and offered (Karpenter precedence)', () => {
    const plan = planLaunch(
      [pool],
      [type('m5.large', [offering('a', 'on-demand', 0.1), offering('a', 'spot', 0.04)])],
      zones
    );
    expect(plan?.capacityType).toBe('spot');
  });

  it('should fall back to on-demand when every spot offering is unavailable', () => {
    const plan = planLaunch(
      [pool],
      [type('m5.large', [offering('a', 'on-demand', 0.1), offering('a', 'spot', 0.04, false)])],
      zones
    );
    expect(plan).toMatchObject({ capacityType: 'on-demand', choices: [{ offering: { capacityType: 'on-demand' } }] });
  });

  it('should honour the nodeclaim requirements on capacity type, zone and architecture', () => {
    const types = [
      type('m5.large', [offering('a', 'spot', 0.04), offering('b', 'on-demand', 0.1)]),
      type('m6g.large', [offering('b', 'on-demand', 0.08)], 'arm64'),
    ];
    const plan = planLaunch(
      [
        pool,
        { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
        { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
      ],
      types,
      zones
    );
    expect(plan?.choices.map((c) => `${c.instanceType.name}/${c.offering.zone}`)).toEqual(['m5.large/b']);
  });

  it('should skip zones without a subnet of the node class', () => {
    expect(candidates([pool], [type('m5.large', [offering('c', 'on-demand', 0.1)])], zones)).toEqual([]);
    expect(planLaunch([pool], [type('m5.large', [offering('c', 'on-demand', 0.1)])], zones)).toBeUndefined();
  });

  it('should order overrides cheapest first and keep the 60 cheapest types with all their zones', () => {
    const types = Array.from({ length: 70 }, (_, i) =>
      type(`t${i}.large`, [offering('a', 'on-demand', 1 + i), offering('b', 'on-demand', 1.5 + i)])
    );
    const plan = planLaunch([pool], types, zones)!;
    expect(new Set(plan.choices.map((c) => c.instanceType.name)).size).toBe(MAX_LAUNCH_TYPES);
    expect(plan.choices).toHaveLength(2 * MAX_LAUNCH_TYPES);
    expect(plan.choices.some((c) => c.instanceType.name === 't60.large')).toBe(false);
    const prices = plan.choices.map((c) => c.offering.price);
    expect(prices).toEqual([...prices].sort((x, y) => x - y));
  });

  it('should drop spot offerings dearer than the cheapest on-demand one', () => {
    const cheap = type('c5.large', [offering('a', 'on-demand', 0.08)]);
    const pricey = type('x1.large', [offering('a', 'spot', 0.5)]);
    const fine = type('m5.large', [offering('a', 'spot', 0.03)]);
    const plan = planLaunch([pool], [cheap, pricey, fine], zones);
    expect(plan).toMatchObject({ capacityType: 'spot' });
    expect(plan?.choices.map((c) => c.instanceType.name)).toEqual(['m5.large']);
  });

  it('should launch on-demand when every spot offering is dearer than the cheapest on-demand one', () => {
    const plan = planLaunch(
      [pool],
      [type('c5.large', [offering('a', 'on-demand', 0.08)]), type('x1.large', [offering('a', 'spot', 0.5)])],
      zones
    );
    expect(plan).toMatchObject({ capacityType: 'on-demand', choices: [{ instanceType: { name: 'c5.large' } }] });
  });

  it('should keep dearer spot with minValues, where Karpenter skips the spot filter', () => {
    const plan = planLaunch(
      [pool, { key: 'node.kubernetes.io/instance-type', operator: 'Exists', minValues: 1 }],
      [type('c5.large', [offering('a', 'on-demand', 0.08)]), type('x1.large', [offering('a', 'spot', 0.5)])],
      zones
    );
    expect(plan).toMatchObject({ capacityType: 'spot', choices: [{ instanceType: { name: 'x1.large' } }] });
  });

  it('should launch a metal type only when nothing else fits', () => {
    const metal = { ...type('m5.metal', [offering('a', 'on-demand', 0.01)]), exotic: true };
    const plain = type('m5.large', [offering('a', 'on-demand', 0.1)]);
    expect(planLaunch([pool], [metal, plain], zones)?.choices.map((c) => c.instanceType.name)).toEqual(['m5.large']);
    expect(planLaunch([pool], [metal], zones)?.choices.map((c) => c.instanceType.name)).toEqual(['m5.metal']);
  });
});

describe('launch candidates and the nodeclaim requests', () => {
  it('should read requests as canonical numbers', () => {
    expect(canonicalRequests({ cpu: '1500m', memory: '1Gi', pods: 3, 'nvidia.com/gpu': '1' })).toEqual({
      cpu: 1500,
      memory: 1024 ** 3,
      pods: 3,
      'nvidia.com/gpu': 1,
    });
  });

  it('should launch only types whose allocatable fits the requests, even when a smaller type is cheaper', () => {
    const small = { ...type('c5.large', [offering('a', 'on-demand', 0.08)]), capacity: { cpu: 2000, pods: 29 } };
    const large = { ...type('c5.xlarge', [offering('a', 'on-demand', 0.17)]), capacity: { cpu: 4000, pods: 58 } };
    small.overhead = { kubeReserved: { cpu: 70 }, systemReserved: {}, evictionThreshold: {} };
    large.overhead = { kubeReserved: { cpu: 80 }, systemReserved: {}, evictionThreshold: {} };
    expect(fitsRequests({ cpu: 1930 }, small)).toBe(true);
    expect(fitsRequests({ cpu: 1931 }, small)).toBe(false);
    expect(fitsRequests({ 'nvidia.com/gpu': 1 }, large)).toBe(false);
    const plan = planLaunch([pool], [small, large], zones, canonicalRequests({ cpu: '3' }));
    expect(plan?.choices.map((c) => c.instanceType.name)).toEqual(['c5.xlarge']);
    expect(planLaunch([pool], [small], zones, canonicalRequests({ cpu: '3' }))).toBeUndefined();
  });
});
