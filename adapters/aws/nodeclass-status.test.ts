import { describe, expect, it } from '@jest/globals';
import type { EC2NodeClass } from './nodeclass.js';
import { emptySelectorMessage, nodeClassStatus, type NodeClassResolution } from './nodeclass-status.js';

const nodeClass: EC2NodeClass = {
  metadata: { name: 'default', generation: 3 },
  spec: {
    subnetSelectorTerms: [{ tags: { 'karpenter.sh/discovery': 'nope' } }],
    securityGroupSelectorTerms: [{ id: 'sg-1' }],
    amiSelectorTerms: [{ alias: 'al2023@latest' }],
    role: 'r',
  },
};

const ready: NodeClassResolution = {
  subnets: { value: [{ id: 'subnet-1', zone: 'us-west-2a', zoneID: 'usw2-az2' }] },
  securityGroups: { value: [{ id: 'sg-1', name: 'nodes' }] },
  amis: { value: [{ id: 'ami-1', requirements: [] }] },
  instanceProfile: { value: 'demo_profile' },
};

const find = (status: ReturnType<typeof nodeClassStatus>, type: string) =>
  status.conditions?.find((c) => c.type === type);

describe('EC2NodeClass status', () => {
  it('should be Ready with every dependency resolved, and carry the resolved values', () => {
    const status = nodeClassStatus(nodeClass, ready, '2026-11-27T00:00:00.000Z');
    expect(status.conditions?.map((c) => [c.type, c.status])).toEqual([
      ['SubnetsReady', 'True'],
      ['SecurityGroupsReady', 'True'],
      ['AMIsReady', 'True'],
      ['InstanceProfileReady', 'True'],
      ['Ready', 'True'],
    ]);
    expect(status).toMatchObject({ subnets: [{ id: 'subnet-1' }], instanceProfile: 'demo_profile' });
    expect(find(status, 'Ready')?.observedGeneration).toBe(3);
  });

  it('should be NotReady naming the empty selector, and leave out what did not resolve', () => {
    const message = emptySelectorMessage('SubnetSelector', 'Subnets', nodeClass.spec.subnetSelectorTerms);
    const status = nodeClassStatus(
      nodeClass,
      { ...ready, subnets: { error: { reason: 'SubnetsNotFound', message } } },
      '2026-11-27T00:00:00.000Z'
    );
    expect(find(status, 'SubnetsReady')).toMatchObject({ status: 'False', reason: 'SubnetsNotFound', message });
    expect(message).toBe('SubnetSelector did not match any Subnets: [{"tags":{"karpenter.sh/discovery":"nope"}}]');
    expect(find(status, 'Ready')).toMatchObject({ status: 'False', reason: 'UnhealthyDependents' });
    expect(find(status, 'Ready')?.message).toContain('SubnetsReady=False');
    expect(status.subnets).toBeUndefined();
  });

  it('should keep lastTransitionTime while a condition keeps its status, and move it when it flips', () => {
    const first = nodeClassStatus(nodeClass, ready, '2026-11-27T00:00:00.000Z');
    const same = nodeClassStatus({ ...nodeClass, status: first }, ready, '2026-11-27T01:00:00.000Z');
    expect(find(same, 'Ready')?.lastTransitionTime).toBe('2026-11-27T00:00:00.000Z');
    const flipped = nodeClassStatus(
      { ...nodeClass, status: same },
      { ...ready, amis: { error: { reason: 'AMINotFound', message: 'none' } } },
      '2026-11-27T02:00:00.000Z'
    );
    expect(find(flipped, 'AMIsReady')?.lastTransitionTime).toBe('2026-11-27T02:00:00.000Z');
    expect(find(flipped, 'SubnetsReady')?.lastTransitionTime).toBe('2026-11-27T00:00:00.000Z');
  });
});
