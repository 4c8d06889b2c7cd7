import { describe, expect, it } from '@jest/globals';
import {
  defaultBlockDeviceMappings,
  launchTemplateData,
  launchTemplateName,
  volumeSizeGiB,
  type LaunchTemplateInput,
} from './launchtemplate.js';

const input: LaunchTemplateInput = {
  clusterName: 'demo',
  nodeClassName: 'default',
  amiFamily: 'AL2023',
  imageId: 'ami-0123',
  userData: 'hello',
  instanceProfile: 'demo_profile',
  securityGroupIds: ['sg-b', 'sg-a'],
  spec: {},
  tags: { team: 'a', 'kubernetes.io/cluster/demo': 'owned' },
};

describe('launch template content and name', () => {
  it('should apply Karpenter defaults: IMDSv2 with hop limit 1, 20Gi encrypted gp3 root for AL2023', () => {
    const data = launchTemplateData(input);
    expect(data.MetadataOptions).toEqual({
      HttpEndpoint: 'enabled',
      HttpProtocolIpv6: 'disabled',
      HttpPutResponseHopLimit: 1,
      HttpTokens: 'required',
    });
    expect(data.BlockDeviceMappings).toEqual([
      {
        DeviceName: '/dev/xvda',
        Ebs: { VolumeSize: 20, VolumeType: 'gp3', Encrypted: true, DeleteOnTermination: true },
      },
    ]);
    expect(data.SecurityGroupIds).toEqual(['sg-a', 'sg-b']);
    expect(data.IamInstanceProfile).toEqual({ Name: 'demo_profile' });
    expect(Buffer.from(data.UserData!, 'base64').toString()).toBe('hello');
  });

  it('should name equal content equally, whatever the order of groups and tags', () => {
    const same = {
      ...input,
      securityGroupIds: ['sg-a', 'sg-b'],
      tags: { 'kubernetes.io/cluster/demo': 'owned', team: 'a' },
    };
    expect(launchTemplateName('demo', launchTemplateData(same))).toBe(
      launchTemplateName('demo', launchTemplateData(input))
    );
    expect(launchTemplateName('demo', launchTemplateData(input))).toMatch(/^karpenter\.k8s\.aws\/[0-9a-f]{32}$/);
  });

  it.each([
    ['the AMI', { imageId: 'ami-0456' }],
    ['the user data', { userData: 'other' }],
    ['the security groups', { securityGroupIds: ['sg-a'] }],
    ['the instance profile', { instanceProfile: 'other' }],
    ['the metadata options', { spec: { metadataOptions: { httpTokens: 'optional' } } }],
  ])('should give a new name when %s changes', (_what, change) => {
    expect(launchTemplateName('demo', launchTemplateData({ ...input, ...change }))).not.toBe(
      launchTemplateName('demo', launchTemplateData(input))
    );
  });

  it('should give another cluster another name for the same content', () => {
    expect(launchTemplateName('other', launchTemplateData(input))).not.toBe(
      launchTemplateName('demo', launchTemplateData(input))
    );
  });

  it('should give Bottlerocket its 4Gi OS and 20Gi data volumes, and convert sizes to GiB', () => {
    expect(defaultBlockDeviceMappings('Bottlerocket').map((m) => [m.deviceName, m.ebs?.volumeSize])).toEqual([
      ['/dev/xvda', '4Gi'],
      ['/dev/xvdb', '20Gi'],
    ]);
    expect(volumeSizeGiB('100Gi')).toBe(100);
    expect(volumeSizeGiB('1Ti')).toBe(1024);
    expect(volumeSizeGiB('100G')).toBe(94);
  });
});
