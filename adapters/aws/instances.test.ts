import { describe, expect, it } from '@jest/globals';
import { instanceIdOf, providerIdOf, toEc2Instance } from './instances.js';

describe('EC2 instances', () => {
  it('should read the instance id of an AWS provider id and refuse anything else', () => {
    expect(instanceIdOf('aws:///us-west-2a/i-0123456789abcdef0')).toBe('i-0123456789abcdef0');
    expect(instanceIdOf(providerIdOf('us-west-2b', 'i-abc'))).toBe('i-abc');
    expect(instanceIdOf('kwok://node-1')).toBeUndefined();
    expect(instanceIdOf('aws:///us-west-2a/')).toBeUndefined();
    expect(instanceIdOf('')).toBeUndefined();
  });

  it('should describe a spot instance with its zone, groups and tags', () => {
    expect(
      toEc2Instance({
        InstanceId: 'i-1',
        InstanceType: 'm5.large',
        InstanceLifecycle: 'spot',
        Placement: { AvailabilityZone: 'us-west-2a' },
        SecurityGroups: [{ GroupId: 'sg-1' }],
        State: { Name: 'running' },
        LaunchTime: new Date('2026-11-27T00:00:00Z'),
        Tags: [{ Key: 'karpenter.sh/nodeclaim', Value: 'nc-1' }],
      })
    ).toEqual({
      id: 'i-1',
      instanceType: 'm5.large',
      zone: 'us-west-2a',
      capacityType: 'spot',
      securityGroupIds: ['sg-1'],
      state: 'running',
      launchTime: '2026-11-27T00:00:00.000Z',
      tags: { 'karpenter.sh/nodeclaim': 'nc-1' },
    });
  });
});
