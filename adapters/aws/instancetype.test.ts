import { describe, expect, it } from '@jest/globals';
import type { InstanceTypeInfo } from '@aws-sdk/client-ec2';
import { readFileSync } from 'node:fs';
import {
  buildInstanceType,
  capacityAndOverhead,
  instanceTypeLabels,
  offeringsOf,
  pruneInstanceTypeInfo,
} from './instancetype.js';

const MiB = 1024 * 1024;

// Field values as DescribeInstanceTypes answers them (moto's copy of real AWS data).
const m5large: InstanceTypeInfo = {
  InstanceType: 'm5.large',
  SupportedUsageClasses: ['on-demand', 'spot'],
  Hypervisor: 'nitro',
  ProcessorInfo: { SupportedArchitectures: ['x86_64'], SustainedClockSpeedInGhz: 3.1, Manufacturer: 'Intel' },
  VCpuInfo: { DefaultVCpus: 2 },
  MemoryInfo: { SizeInMiB: 8192 },
  EbsInfo: { EbsOptimizedInfo: { MaximumBandwidthInMbps: 4750 } },
  NetworkInfo: {
    MaximumNetworkInterfaces: 3,
    Ipv4AddressesPerInterface: 10,
    DefaultNetworkCardIndex: 0,
    NetworkCards: [{ NetworkCardIndex: 0, MaximumNetworkInterfaces: 3, BaselineBandwidthInGbps: 0.75 }],
    EncryptionInTransitSupported: false,
  },
};

const g5xlarge: InstanceTypeInfo = {
  ...m5large,
  InstanceType: 'g5.xlarge',
  ProcessorInfo: { SupportedArchitectures: ['x86_64'], Manufacturer: 'AMD' },
  VCpuInfo: { DefaultVCpus: 4 },
  MemoryInfo: { SizeInMiB: 16384 },
  InstanceStorageInfo: { TotalSizeInGB: 250, NvmeSupport: 'required' },
  GpuInfo: { Gpus: [{ Name: 'A10G', Manufacturer: 'NVIDIA', Count: 1, MemoryInfo: { SizeInMiB: 22888 } }] },
};

describe('instance type labels', () => {
  it('should derive Karpenter labels from the name and the EC2 description', () => {
    expect(instanceTypeLabels(m5large)).toMatchObject({
      'node.kubernetes.io/instance-type': 'm5.large',
      'kubernetes.io/arch': 'amd64',
      'kubernetes.io/os': 'linux',
      'karpenter.k8s.aws/instance-category': 'm',
      'karpenter.k8s.aws/instance-family': 'm5',
      'karpenter.k8s.aws/instance-generation': '5',
      'karpenter.k8s.aws/instance-size': 'large',
      'karpenter.k8s.aws/instance-cpu': '2',
      'karpenter.k8s.aws/instance-cpu-manufacturer': 'intel',
      'karpenter.k8s.aws/instance-cpu-sustained-clock-speed-mhz': '3100',
      'karpenter.k8s.aws/instance-memory': '8192',
      'karpenter.k8s.aws/instance-ebs-bandwidth': '4750',
      'karpenter.k8s.aws/instance-network-bandwidth': '750',
      'karpenter.k8s.aws/instance-hypervisor': 'nitro',
      'karpenter.k8s.aws/instance-encryption-in-transit-supported': 'false',
    });
    expect(instanceTypeLabels(g5xlarge)).toMatchObject({
      'karpenter.k8s.aws/instance-gpu-name': 'a10g',
      'karpenter.k8s.aws/instance-gpu-manufacturer': 'nvidia',
      'karpenter.k8s.aws/instance-gpu-count': '1',
      'karpenter.k8s.aws/instance-gpu-memory': '22888',
      'karpenter.k8s.aws/instance-local-nvme': '250',
    });
  });
});

describe('capacity and overhead', () => {
  it('should match the kubelet bridge for m5.large on AL2023: 29 pods, 1930m allocatable cpu', () => {
    const { capacity, overhead } = capacityAndOverhead(m5large, { amiFamily: 'AL2023' });
    expect(capacity).toMatchObject({ cpu: 2000, pods: 29, memory: (8192 - Math.ceil(8192 * 0.075)) * MiB });
    expect(capacity['cpu']! - overhead.kubeReserved['cpu']!).toBe(1930);
    expect(overhead.kubeReserved['memory']).toBe((11 * 29 + 255) * MiB);
    expect(overhead.evictionThreshold['memory']).toBe(100 * MiB);
  });

  it('should apply kubelet maxPods, podsPerCore (not on Bottlerocket), reserved and eviction overrides', () => {
    expect(capacityAndOverhead(m5large, { amiFamily: 'AL2023', kubelet: { maxPods: 110 } }).pods).toBe(110);
    expect(capacityAndOverhead(m5large, { amiFamily: 'AL2023', kubelet: { podsPerCore: 4 } }).pods).toBe(8);
    expect(capacityAndOverhead(m5large, { amiFamily: 'Bottlerocket', kubelet: { podsPerCore: 4 } }).pods).toBe(29);
    const { overhead } = capacityAndOverhead(m5large, {
      amiFamily: 'AL2023',
      kubelet: { systemReserved: { cpu: '100m', memory: '200Mi' }, evictionHard: { 'memory.available': '5%' } },
    });
    expect(overhead.systemReserved).toEqual({ cpu: 100, memory: 200 * MiB });
    expect(overhead.evictionThreshold['memory']).toBe(Math.ceil(((8192 - 615) * MiB) / 20));
  });

  it('should count GPUs as an extended resource', () => {
    expect(capacityAndOverhead(g5xlarge, { amiFamily: 'AL2023' }).capacity['nvidia.com/gpu']).toBe(1);
  });
});

describe('offerings', () => {
  const inputs = {
    zones: ['us-west-2b', 'us-west-2a'],
    zoneIDs: { 'us-west-2a': 'usw2-az2' },
    region: 'us-west-2',
    onDemandPrice: (t: string) => (t === 'm5.large' ? 0.096 : undefined),
    spotPrice: (_t: string, z: string) => (z === 'us-west-2a' ? 0.03 : undefined),
    isUnavailable: (o: { zone: string; capacityType: string }) =>
      o.zone === 'us-west-2b' && o.capacityType === 'on-demand',
  };

  it('should list every zone and capacity type, unavailable when unpriced or in the ICE cache', () => {
    expect(offeringsOf(m5large, inputs)).toEqual([
      {
        zone: 'us-west-2a',
        capacityType: 'spot',
        price: 0.03,
        available: true,
        labels: { 'topology.k8s.aws/zone-id': 'usw2-az2' },
      },
      {
        zone: 'us-west-2a',
        capacityType: 'on-demand',
        price: 0.096,
        available: true,
        labels: { 'topology.k8s.aws/zone-id': 'usw2-az2' },
      },
      { zone: 'us-west-2b', capacityType: 'spot', price: Number.MAX_VALUE, available: false },
      { zone: 'us-west-2b', capacityType: 'on-demand', price: 0.096, available: false },
    ]);
  });

  it('should describe zones, capacity types and region as requirements of the type', () => {
    const it = buildInstanceType(m5large, { amiFamily: 'AL2023' }, inputs);
    expect(it.requirements).toEqual(
      expect.arrayContaining([
        { key: 'topology.kubernetes.io/zone', operator: 'In', values: ['us-west-2a', 'us-west-2b'] },
        { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot', 'on-demand'] },
        { key: 'topology.kubernetes.io/region', operator: 'In', values: ['us-west-2'] },
        { key: 'karpenter.k8s.aws/instance-gpu-count', operator: 'DoesNotExist' },
      ])
    );
  });
});

describe('the catalogue’s pruned DescribeInstanceTypes entries', () => {
  // Every type of the bundled us-east-1 catalogue, as DescribeInstanceTypes answered it (all fields).
  const full = (
    JSON.parse(readFileSync(new URL('../../catalog/us-east-1/instance-types.json', import.meta.url), 'utf8')) as {
      InstanceTypes: InstanceTypeInfo[];
    }
  ).InstanceTypes;
  const everywhere = {
    region: 'us-east-1',
    zones: ['us-east-1a', 'us-east-1b'],
    zoneIDs: { 'us-east-1a': 'use1-az1' },
    onDemandPrice: () => 0.1,
    spotPrice: () => 0.03,
    isUnavailable: () => false,
  };

  it.each([
    ['AL2023', { amiFamily: 'AL2023' as const }],
    [
      'Bottlerocket, reserved ENIs, VM overhead',
      { amiFamily: 'Bottlerocket' as const, reservedENIs: 1, vmMemoryOverheadPercent: 0.1 },
    ],
    ['Windows2022', { amiFamily: 'Windows2022' as const }],
  ])('build the same instance types as the full entries (%s)', (_, options) => {
    expect(full.length).toBeGreaterThan(100);
    // The bundled catalogue has no local NVMe, GPU or Neuron entries: the fixtures above and an inf1 add them.
    const inf1: InstanceTypeInfo = {
      ...m5large,
      InstanceType: 'inf1.xlarge',
      NeuronInfo: { NeuronDevices: [{ Count: 1, Name: 'Inferentia', CoreInfo: { Count: 4, Version: 1 } }] },
    };
    for (const info of [...full, m5large, g5xlarge, inf1]) {
      expect(buildInstanceType(pruneInstanceTypeInfo(info), options, everywhere)).toEqual(
        buildInstanceType(info, options, everywhere)
      );
    }
  });
});
