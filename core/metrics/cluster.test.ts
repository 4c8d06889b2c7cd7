import { describe, expect, it } from '@jest/globals';
import { clusterGauges, type NodeClaimView } from './cluster.js';

function claim(name: string, pool: string, type: string, capacityType: string, launched = true): NodeClaimView {
  return {
    metadata: {
      name,
      labels: {
        'karpenter.sh/nodepool': pool,
        'node.kubernetes.io/instance-type': type,
        'karpenter.sh/capacity-type': capacityType,
        'topology.kubernetes.io/zone': 'us-west-2a',
      },
    },
    status: launched
      ? { providerID: `aws:///us-west-2a/i-${name}`, capacity: { cpu: '2', memory: '8Gi', pods: '29' } }
      : {},
  };
}

const prices: Record<string, number> = { 'm5.large/spot': 0.04, 'm5.large/on-demand': 0.096 };

describe('clusterGauges', () => {
  it('should sum launched NodeClaims per NodePool into usage, cost and counts by type, and read limits', () => {
    const gauges = clusterGauges(
      [
        { metadata: { name: 'default' }, spec: { limits: { cpu: '100', memory: '400Gi' } } },
        { metadata: { name: 'idle' } },
      ],
      [
        claim('a', 'default', 'm5.large', 'spot'),
        claim('b', 'default', 'm5.large', 'spot'),
        claim('c', 'default', 'm5.large', 'on-demand'),
        claim('d', 'default', 'm5.large', 'spot', false), // not launched yet: no capacity, no price
      ],
      (type, _zone, capacityType) => prices[`${type}/${capacityType}`]
    );
    expect(gauges.usage).toEqual(
      expect.arrayContaining([
        { nodePool: 'default', resourceType: 'nodes', value: 3 },
        { nodePool: 'default', resourceType: 'cpu', value: 6 },
        { nodePool: 'default', resourceType: 'memory', value: 3 * 8 * 2 ** 30 },
        { nodePool: 'default', resourceType: 'pods', value: 87 },
      ])
    );
    expect(gauges.usage.filter((u) => u.nodePool === 'idle')).toEqual([]);
    expect(gauges.limits).toEqual([
      { nodePool: 'default', resourceType: 'cpu', value: 100 },
      { nodePool: 'default', resourceType: 'memory', value: 400 * 2 ** 30 },
    ]);
    expect(gauges.costPerHour).toEqual([
      { nodePool: 'default', value: 0.176 },
      { nodePool: 'idle', value: 0 },
    ]);
    expect(gauges.nodeClaims).toEqual([
      { nodePool: 'default', instanceType: 'm5.large', capacityType: 'spot', zone: 'us-west-2a', count: 2 },
      { nodePool: 'default', instanceType: 'm5.large', capacityType: 'on-demand', zone: 'us-west-2a', count: 1 },
    ]);
  });

  it('should count a NodeClaim whose price the catalogue does not know at zero cost', () => {
    const gauges = clusterGauges([], [claim('a', 'p', 'x1.huge', 'spot')], () => undefined);
    expect(gauges.costPerHour).toEqual([{ nodePool: 'p', value: 0 }]);
    expect(gauges.nodeClaims).toHaveLength(1);
  });
});
