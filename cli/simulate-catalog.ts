/**
 * Instance types for `simulate` from AWS CLI output: `describe-instance-types`, `describe-instance-type-offerings
 * --location-type availability-zone`, optional `describe-spot-price-history`, and `on-demand-prices.json`. Capacity
 * and overhead follow Karpenter's AWS formulas (`adapters/aws/overhead.ts`) for the EC2NodeClass given.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  eniLimitedPods,
  evictionThreshold,
  kubeReserved,
  maxPods,
  vmMemoryCapacity,
  type EvictionSignal,
} from '../adapters/aws/overhead.js';
import type { InstanceType, Offering, RequirementSpec } from '../core/cloudprovider/types.js';
import { isExoticInstanceType } from '../adapters/aws/instancetype.js';
import { canonicalResource } from '../core/scheduling/quantity.js';

const GiB = 2 ** 30;

interface Ec2InstanceType {
  InstanceType: string;
  BareMetal?: boolean;
  Hypervisor?: string;
  VCpuInfo: { DefaultVCpus: number };
  MemoryInfo: { SizeInMiB: number };
  ProcessorInfo?: { SupportedArchitectures?: string[]; Manufacturer?: string };
  NetworkInfo?: {
    DefaultNetworkCardIndex?: number;
    Ipv4AddressesPerInterface?: number;
    MaximumNetworkInterfaces?: number;
    NetworkCards?: { NetworkCardIndex?: number; MaximumNetworkInterfaces?: number; BaselineBandwidthInGbps?: number }[];
    EfaInfo?: { MaximumEfaInterfaces?: number };
    EncryptionInTransitSupported?: boolean;
  };
  GpuInfo?: { Gpus?: { Name?: string; Manufacturer?: string; Count?: number; MemoryInfo?: { SizeInMiB?: number } }[] };
  InstanceStorageInfo?: { TotalSizeInGB?: number };
  SupportedUsageClasses?: string[];
}

/** The EC2NodeClass settings that change capacity and overhead. */
export interface NodeClassSettings {
  windows: boolean;
  bottlerocket: boolean;
  kubeletMaxPods?: number;
  podsPerCore?: number;
  kubeReserved: Record<string, number>;
  systemReserved: Record<string, number>;
  evictionHard: { memoryAvailable?: EvictionSignal; nodefsAvailable?: EvictionSignal };
  rootVolumeBytes: number;
}

export const DEFAULT_NODE_CLASS: NodeClassSettings = {
  windows: false,
  bottlerocket: false,
  kubeReserved: {},
  systemReserved: {},
  evictionHard: {},
  rootVolumeBytes: 20 * GiB,
};

function signal(value: unknown): EvictionSignal | undefined {
  if (typeof value !== 'string') return undefined;
  if (value.endsWith('%')) return { percent: Number(value.slice(0, -1)) };
  return { quantity: canonicalResource('memory', value) };
}

function resourceMap(value: unknown): Record<string, number> {
  const result: Record<string, number> = {};
  if (typeof value !== 'object' || value === null) return result;
  for (const [name, quantity] of Object.entries(value as Record<string, unknown>)) {
    if (typeof quantity === 'string' || typeof quantity === 'number') result[name] = canonicalResource(name, quantity);
  }
  return result;
}

/** Reads the fields of an EC2NodeClass spec that matter for capacity (`kubelet`, AMI family, root volume). */
export function nodeClassSettings(spec: Record<string, unknown> | undefined): NodeClassSettings {
  if (spec === undefined) return DEFAULT_NODE_CLASS;
  const alias =
    ((spec['amiSelectorTerms'] as { alias?: string }[] | undefined) ?? []).find((t) => t.alias)?.alias ?? '';
  const family = String(spec['amiFamily'] ?? alias.split('@')[0] ?? '').toLowerCase();
  const kubelet = (spec['kubelet'] ?? {}) as Record<string, unknown>;
  const evictionHard = (kubelet['evictionHard'] ?? {}) as Record<string, unknown>;
  const mappings = (spec['blockDeviceMappings'] ?? []) as { rootVolume?: boolean; ebs?: { volumeSize?: string } }[];
  const root = mappings.find((m) => m.rootVolume)?.ebs?.volumeSize;
  const settings: NodeClassSettings = {
    windows: family.startsWith('windows'),
    bottlerocket: family === 'bottlerocket',
    kubeReserved: resourceMap(kubelet['kubeReserved']),
    systemReserved: resourceMap(kubelet['systemReserved']),
    evictionHard: {},
    rootVolumeBytes:
      root !== undefined ? canonicalResource('ephemeral-storage', root) : family === 'windows' ? 50 * GiB : 20 * GiB,
  };
  const memory = signal(evictionHard['memory.available']);
  const nodefs = signal(evictionHard['nodefs.available']);
  if (memory !== undefined) settings.evictionHard.memoryAvailable = memory;
  if (nodefs !== undefined) settings.evictionHard.nodefsAvailable = nodefs;
  if (typeof kubelet['maxPods'] === 'number') settings.kubeletMaxPods = kubelet['maxPods'];
  if (typeof kubelet['podsPerCore'] === 'number') settings.podsPerCore = kubelet['podsPerCore'];
  return settings;
}

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

function architecture(type: Ec2InstanceType): 'amd64' | 'arm64' | undefined {
  const archs = type.ProcessorInfo?.SupportedArchitectures ?? [];
  if (archs.includes('arm64')) return 'arm64';
  if (archs.includes('x86_64')) return 'amd64';
  return undefined;
}

function labels(type: Ec2InstanceType, arch: string, settings: NodeClassSettings, region: string): RequirementSpec[] {
  const [family = '', size = ''] = type.InstanceType.split('.');
  const category = /^[a-z]+/.exec(family)?.[0] ?? '';
  const generation = /[0-9]+/.exec(family)?.[0];
  const values: Record<string, string> = {
    'kubernetes.io/arch': arch,
    'kubernetes.io/os': settings.windows ? 'windows' : 'linux',
    'topology.kubernetes.io/region': region,
    'karpenter.k8s.aws/instance-category': category,
    'karpenter.k8s.aws/instance-family': family,
    'karpenter.k8s.aws/instance-size': size,
    'karpenter.k8s.aws/instance-cpu': String(type.VCpuInfo.DefaultVCpus),
    'karpenter.k8s.aws/instance-memory': String(type.MemoryInfo.SizeInMiB),
    'karpenter.k8s.aws/instance-hypervisor': type.Hypervisor ?? '',
    'karpenter.k8s.aws/instance-encryption-in-transit-supported': String(
      type.NetworkInfo?.EncryptionInTransitSupported ?? false
    ),
  };
  if (generation !== undefined) values['karpenter.k8s.aws/instance-generation'] = generation;
  const manufacturer = type.ProcessorInfo?.Manufacturer;
  if (manufacturer) values['karpenter.k8s.aws/instance-cpu-manufacturer'] = manufacturer.toLowerCase();
  const bandwidth = type.NetworkInfo?.NetworkCards?.[0]?.BaselineBandwidthInGbps;
  if (bandwidth !== undefined)
    values['karpenter.k8s.aws/instance-network-bandwidth'] = String(Math.round(bandwidth * 1000));
  const gpu = type.GpuInfo?.Gpus?.[0];
  if (gpu !== undefined) {
    values['karpenter.k8s.aws/instance-gpu-name'] = (gpu.Name ?? '').toLowerCase();
    values['karpenter.k8s.aws/instance-gpu-manufacturer'] = (gpu.Manufacturer ?? '').toLowerCase();
    values['karpenter.k8s.aws/instance-gpu-count'] = String(gpu.Count ?? 0);
    values['karpenter.k8s.aws/instance-gpu-memory'] = String(gpu.MemoryInfo?.SizeInMiB ?? 0);
  }
  if (type.InstanceStorageInfo?.TotalSizeInGB !== undefined) {
    values['karpenter.k8s.aws/instance-local-nvme'] = String(type.InstanceStorageInfo.TotalSizeInGB);
  }
  return Object.entries(values).map(([key, value]) => ({ key, operator: 'In', values: [value] }));
}

export interface CatalogFiles {
  instanceTypes: unknown;
  offerings: unknown;
  onDemandPrices: unknown;
  spotPriceHistory?: unknown;
}

export function readCatalogDirectory(dir: string): CatalogFiles {
  const file = (names: string[]): string | undefined => names.map((n) => join(dir, n)).find((p) => existsSync(p));
  const types = file(['instance-types.json', 'describe-instance-types.json']);
  const offerings = file(['instance-type-offerings.json', 'describe-instance-type-offerings.json']);
  const prices = file(['on-demand-prices.json']);
  const spot = file(['spot-price-history.json', 'describe-spot-price-history.json']);
  if (types === undefined || offerings === undefined || prices === undefined) {
    throw new Error(
      `catalogue ${dir} needs instance-types.json, instance-type-offerings.json and on-demand-prices.json`
    );
  }
  return {
    instanceTypes: readJson(types),
    offerings: readJson(offerings),
    onDemandPrices: readJson(prices),
    ...(spot !== undefined ? { spotPriceHistory: readJson(spot) } : {}),
  };
}

/**
 * Builds the catalogue. A type without an on-demand price gets no on-demand offering (Karpenter cannot price it
 * either); with a spot price history, spot offerings exist only where it has a Linux/UNIX price for that zone, and
 * without one every spot-capable type is offered as spot at its on-demand price (Karpenter before its first spot
 * price update).
 */
export function instanceTypesFromCatalog(
  files: CatalogFiles,
  settings: NodeClassSettings = DEFAULT_NODE_CLASS
): InstanceType[] {
  const types = ((files.instanceTypes as { InstanceTypes?: Ec2InstanceType[] }).InstanceTypes ??
    []) as Ec2InstanceType[];
  const offerings =
    (files.offerings as { InstanceTypeOfferings?: { InstanceType: string; Location: string }[] })
      .InstanceTypeOfferings ?? [];
  const prices = files.onDemandPrices as Record<string, number>;
  const spot = new Map<string, { price: number; at: string }>();
  for (const entry of (files.spotPriceHistory as { SpotPriceHistory?: Record<string, string>[] } | undefined)
    ?.SpotPriceHistory ?? []) {
    if (entry['ProductDescription'] !== undefined && !entry['ProductDescription'].startsWith('Linux/UNIX')) continue;
    const key = `${entry['InstanceType']}/${entry['AvailabilityZone']}`;
    const at = entry['Timestamp'] ?? '';
    const previous = spot.get(key);
    if (previous === undefined || at > previous.at) spot.set(key, { price: Number(entry['SpotPrice']), at });
  }
  const zonesByType = new Map<string, string[]>();
  for (const offering of offerings) {
    const zones = zonesByType.get(offering.InstanceType) ?? [];
    zones.push(offering.Location);
    zonesByType.set(offering.InstanceType, zones);
  }
  const result: InstanceType[] = [];
  for (const type of types) {
    const arch = architecture(type);
    const zones = (zonesByType.get(type.InstanceType) ?? []).sort();
    if (arch === undefined || zones.length === 0) continue;
    const region = zones[0]?.replace(/[a-z]$/, '') ?? '';
    const vcpus = type.VCpuInfo.DefaultVCpus;
    const network = type.NetworkInfo;
    const card = network?.NetworkCards?.find(
      (c) => (c.NetworkCardIndex ?? 0) === (network.DefaultNetworkCardIndex ?? 0)
    );
    const enis = card?.MaximumNetworkInterfaces ?? network?.MaximumNetworkInterfaces ?? 0;
    const pods = maxPods({
      vcpus,
      eniLimitedPods: eniLimitedPods(enis, network?.Ipv4AddressesPerInterface ?? 0),
      eniLimitedDensity: !settings.windows,
      ...(settings.kubeletMaxPods !== undefined ? { kubeletMaxPods: settings.kubeletMaxPods } : {}),
      ...(settings.podsPerCore !== undefined ? { podsPerCore: settings.podsPerCore } : {}),
      podsPerCoreEnabled: !settings.bottlerocket,
    });
    const memory = vmMemoryCapacity(type.MemoryInfo.SizeInMiB, arch);
    const capacity: Record<string, number> = {
      cpu: vcpus * 1000,
      memory,
      'ephemeral-storage': settings.rootVolumeBytes,
      pods,
    };
    for (const gpu of type.GpuInfo?.Gpus ?? []) {
      const resource =
        gpu.Manufacturer === 'NVIDIA'
          ? 'nvidia.com/gpu'
          : gpu.Manufacturer === 'AMD'
            ? 'amd.com/gpu'
            : gpu.Manufacturer === 'Habana'
              ? 'habana.ai/gaudi'
              : undefined;
      if (resource !== undefined) capacity[resource] = (capacity[resource] ?? 0) + (gpu.Count ?? 0);
    }
    const efa = network?.EfaInfo?.MaximumEfaInterfaces;
    if (efa) capacity['vpc.amazonaws.com/efa'] = efa;
    const typeOfferings: Offering[] = [];
    const onDemand = prices[type.InstanceType];
    for (const zone of zones) {
      if (onDemand !== undefined)
        typeOfferings.push({ zone, capacityType: 'on-demand', price: onDemand, available: true });
      // Without any spot price history, spot is offered at the on-demand price, as Karpenter v1.14.1 does until its
      // first spot price update (pricing.go:174, `Reset` :461); with a history, only where it has a price.
      const spotPrice = spot.size === 0 ? onDemand : spot.get(`${type.InstanceType}/${zone}`)?.price;
      if (spotPrice !== undefined && (type.SupportedUsageClasses ?? ['spot']).includes('spot')) {
        typeOfferings.push({ zone, capacityType: 'spot', price: spotPrice, available: true });
      }
    }
    if (typeOfferings.length === 0) continue;
    result.push({
      name: type.InstanceType,
      requirements: labels(type, arch, settings, region),
      capacity,
      overhead: {
        kubeReserved: kubeReserved(vcpus * 1000, pods, settings.kubeReserved),
        systemReserved: settings.systemReserved,
        evictionThreshold: evictionThreshold(memory, settings.rootVolumeBytes, settings.evictionHard),
      },
      offerings: typeOfferings,
      exotic: isExoticInstanceType(type.InstanceType, capacity),
    });
  }
  return result;
}
