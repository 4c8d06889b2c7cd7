import { describe, expect, it } from '@jest/globals';
import {
  driftOf,
  ec2NodeClassHash,
  NODECLASS_HASH_ANNOTATION,
  NODECLASS_HASH_VERSION,
  NODECLASS_HASH_VERSION_ANNOTATION,
} from './drift.js';
import type { Ec2Instance } from './instances.js';
import type { EC2NodeClass } from './nodeclass.js';

const nodeClass: EC2NodeClass = {
  metadata: { name: 'default' },
  spec: {
    subnetSelectorTerms: [{ tags: { a: 'b' } }],
    securityGroupSelectorTerms: [{ tags: { a: 'b' } }],
    amiSelectorTerms: [{ alias: 'al2023@latest' }],
    role: 'r',
    tags: { team: 'a' },
  },
  status: {
    subnets: [{ id: 'subnet-1', zone: 'a' }],
    securityGroups: [{ id: 'sg-1' }, { id: 'sg-2' }],
    amis: [{ id: 'ami-new', requirements: [] }],
  },
};

const instance: Ec2Instance = {
  id: 'i-1',
  instanceType: 'm5.large',
  zone: 'a',
  capacityType: 'on-demand',
  imageId: 'ami-new',
  subnetId: 'subnet-1',
  securityGroupIds: ['sg-2', 'sg-1'],
  state: 'running',
  launchTime: '2026-11-27T00:00:00Z',
  tags: {},
};

const launchedWith = (spec = nodeClass.spec) => ({
  [NODECLASS_HASH_ANNOTATION]: ec2NodeClassHash(spec),
  [NODECLASS_HASH_VERSION_ANNOTATION]: NODECLASS_HASH_VERSION,
});

describe('provider drift', () => {
  it('should not drift while the instance matches what the node class resolves to', () => {
    expect(driftOf(instance, nodeClass, launchedWith())).toBe('');
  });

  it.each([
    ['AMIDrift', { imageId: 'ami-old' }],
    ['SubnetDrift', { subnetId: 'subnet-9' }],
    ['SecurityGroupDrift', { securityGroupIds: ['sg-1'] }],
  ])('should report %s', (reason, change) => {
    expect(driftOf({ ...instance, ...change }, nodeClass, launchedWith())).toBe(reason);
  });

  it('should report NodeClassDrift when a static field changed, but not for selector changes', () => {
    const before = launchedWith();
    expect(driftOf(instance, { ...nodeClass, spec: { ...nodeClass.spec, tags: { team: 'b' } } }, before)).toBe(
      'NodeClassDrift'
    );
    expect(
      driftOf(
        instance,
        { ...nodeClass, spec: { ...nodeClass.spec, amiSelectorTerms: [{ alias: 'al2023@v20260901' }] } },
        before
      )
    ).toBe('');
    // A hash of another version is not comparable: no drift rather than a fleet-wide replacement.
    expect(
      driftOf(
        instance,
        { ...nodeClass, spec: { ...nodeClass.spec, tags: { team: 'b' } } },
        { ...before, [NODECLASS_HASH_VERSION_ANNOTATION]: 'v0' }
      )
    ).toBe('');
  });
});
