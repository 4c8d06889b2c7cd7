import { describe, expect, it } from '@jest/globals';
import type { InstanceTypeInfo } from '@aws-sdk/client-ec2';
import { aliasParameters } from './amis.js';
import { amiFor } from './cloudprovider.js';
import { buildInstanceType } from './instancetype.js';

const info = (name: string, arch: 'x86_64' | 'arm64', gpu?: string): InstanceTypeInfo => ({
  InstanceType: name as InstanceTypeInfo['InstanceType'],
  SupportedUsageClasses: ['on-demand'],
  ProcessorInfo: { SupportedArchitectures: [arch] },
  VCpuInfo: { DefaultVCpus: 4 },
  MemoryInfo: { SizeInMiB: 16384 },
  NetworkInfo: { MaximumNetworkInterfaces: 4, Ipv4AddressesPerInterface: 15 },
  ...(gpu !== undefined ? { GpuInfo: { Gpus: [{ Name: 'A10G', Manufacturer: gpu, Count: 1 }] } } : {}),
});

const type = (i: InstanceTypeInfo) =>
  buildInstanceType(
    i,
    { amiFamily: 'AL2023' },
    {
      zones: ['a'],
      region: 'r',
      onDemandPrice: () => 1,
      spotPrice: () => undefined,
      isUnavailable: () => false,
    }
  );

// The three AL2023 variants of an alias, nvidia listed first so that order alone cannot pick the right one.
const [standardAmd, standardArm, nvidia] = aliasParameters('al2023@latest', '1.34').map((v, i) => ({
  id: `ami-${i}`,
  requirements: v.requirements,
}));
const amis = [nvidia!, standardArm!, standardAmd!];

describe('choosing the AMI for an instance type', () => {
  it('should give a type without GPUs the standard AMI of its architecture, never the nvidia one', () => {
    expect(amiFor(type(info('m5.xlarge', 'x86_64')), amis)?.id).toBe(standardAmd!.id);
    expect(amiFor(type(info('m7g.xlarge', 'arm64')), amis)?.id).toBe(standardArm!.id);
  });

  it('should give an NVIDIA GPU type the nvidia AMI, and no AMI when the class has none for it', () => {
    expect(amiFor(type(info('g5.xlarge', 'x86_64', 'NVIDIA')), amis)?.id).toBe(nvidia!.id);
    expect(amiFor(type(info('g5.xlarge', 'x86_64', 'NVIDIA')), [standardAmd!, standardArm!])).toBeUndefined();
    expect(amiFor(type(info('g5g.xlarge', 'arm64', 'NVIDIA')), amis)).toBeUndefined();
  });
});
