import { describe, expect, it } from '@jest/globals';

import { comparePlans, workloadOf, type KarpenterPlan, type OurPlan } from './compare.js';

const ourClaim = (pods: string[], instanceType: string, capacityType: string, price: number, nodePool = 'default') => ({
  nodePool,
  instanceTypes: [instanceType, 'm5.xlarge'],
  launch: { instanceType, zone: 'us-east-1a', capacityType, price },
  pods,
});

const theirClaim = (
  pods: string[],
  instanceType: string,
  capacityType: string,
  price: number,
  nodePool = 'default'
) => ({
  nodePool,
  instanceTypes: [instanceType, 'm5.xlarge'],
  pods,
  launch: { capacityType, cheapest: { instanceType, zone: 'us-east-1b', capacityType, price } },
});

describe('comparePlans', () => {
  it('should find no difference when the same pods land on the same pool, capacity type and type at the same cost', () => {
    const ours: OurPlan = {
      nodeClaims: [ourClaim(['default/web-0', 'default/web-1'], 'm5.large', 'spot', 0.03)],
      unschedulable: [],
    };
    // Karpenter put the equal pods the other way round: they are interchangeable.
    const theirs: KarpenterPlan = {
      nodeClaims: [theirClaim(['default/web-1', 'default/web-0'], 'm5.large', 'spot', 0.03)],
      unschedulable: [],
    };
    expect(comparePlans(ours, theirs).differences).toEqual([]);
  });

  it('should report a capacity-type difference when we launch spot and Karpenter on-demand', () => {
    const ours: OurPlan = { nodeClaims: [ourClaim(['default/web-0'], 'm5.large', 'spot', 0.03)], unschedulable: [] };
    const theirs: KarpenterPlan = {
      nodeClaims: [theirClaim(['default/web-0'], 'm5.large', 'on-demand', 0.096)],
      unschedulable: [],
    };
    const differences = comparePlans(ours, theirs).differences;
    expect(differences.map((d) => d.kind)).toEqual(['capacity-type']);
    expect(differences[0]).toMatchObject({ subject: 'default/web', ours: 'spot×1', karpenter: 'on-demand×1' });
  });

  it('should report placement with both reasons when one planner leaves pods unschedulable', () => {
    const ours: OurPlan = {
      nodeClaims: [],
      unschedulable: [{ pod: 'default/big-0', reason: 'no instance type fits' }],
    };
    const theirs: KarpenterPlan = {
      nodeClaims: [theirClaim(['default/big-0'], 'm5.24xlarge', 'on-demand', 4.6)],
      unschedulable: [],
    };
    const [difference] = comparePlans(ours, theirs).differences;
    expect(difference).toMatchObject({ kind: 'placement', subject: 'default/big' });
    expect(difference?.reason).toContain('no instance type fits');
  });

  it('should report a cost more than 2% above Karpenter and accept a cheaper plan', () => {
    const theirs: KarpenterPlan = {
      nodeClaims: [theirClaim(['default/web-0'], 'm5.large', 'on-demand', 0.1)],
      unschedulable: [],
    };
    const dearer: OurPlan = {
      nodeClaims: [ourClaim(['default/web-0'], 'm5.large', 'on-demand', 0.103)],
      unschedulable: [],
    };
    const cheaper: OurPlan = {
      nodeClaims: [ourClaim(['default/web-0'], 'm5.large', 'on-demand', 0.05)],
      unschedulable: [],
    };
    expect(comparePlans(dearer, theirs).differences.map((d) => d.kind)).toEqual(['cost']);
    expect(comparePlans(cheaper, theirs).differences).toEqual([]);
  });

  it('should report a launched type the other planner does not allow for the same pods', () => {
    const ours: OurPlan = {
      nodeClaims: [ourClaim(['default/web-0'], 't3.small', 'on-demand', 0.02)],
      unschedulable: [],
    };
    const theirs: KarpenterPlan = {
      nodeClaims: [theirClaim(['default/web-0'], 'm5.large', 'on-demand', 0.096)],
      unschedulable: [],
    };
    const kinds = comparePlans(ours, theirs).differences.map((d) => d.kind);
    expect(kinds).toEqual(['instance-type', 'instance-type']);
  });

  it('should compare NodePools and the zone-spread shape per workload', () => {
    const ours: OurPlan = {
      nodeClaims: [ourClaim(['default/web-0', 'default/web-1'], 'm5.large', 'on-demand', 0.096, 'a')],
      unschedulable: [],
    };
    const theirs: KarpenterPlan = {
      nodeClaims: [
        theirClaim(['default/web-0'], 'm5.large', 'on-demand', 0.048, 'b'),
        { ...theirClaim(['default/web-1'], 'm5.large', 'on-demand', 0.048, 'b') },
      ],
      unschedulable: [],
    };
    const kinds = comparePlans(ours, theirs, { zoneSpreadWorkloads: new Set(['default/web']) }).differences.map(
      (d) => d.kind
    );
    expect(kinds).toContain('nodepool');
  });

  it('should report a harness error as a difference, never as a pass', () => {
    const ours: OurPlan = { nodeClaims: [], unschedulable: [] };
    const theirs: KarpenterPlan = { nodeClaims: [], unschedulable: [], error: 'NodePool default: invalid' };
    expect(comparePlans(ours, theirs).differences.map((d) => d.kind)).toEqual(['error']);
  });
});

describe('workloadOf', () => {
  it('should strip a replica index and keep a plain pod name', () => {
    expect(workloadOf('default/web-12')).toBe('default/web');
    expect(workloadOf('default/db')).toBe('default/db');
  });
});
