/**
 * One EC2 instance type as the solver sees it (Karpenter `pkg/providers/instancetype/types.go` `NewInstanceType`):
 * labels as requirements, capacity as the kubelet will report it, overhead, and offerings with prices and
 * availability. Pure: the EC2 answers, prices and the ICE cache arrive as arguments.
 */
import type { InstanceTypeInfo } from '@aws-sdk/client-ec2';
import type {
  CapacityType,
  InstanceType,
  Offering,
  RequirementSpec,
  ResourceList,
} from '../../core/cloudprovider/index.js';
import {
  eniLimitedPods,
  evictionThreshold,
  kubeReserved,
  maxPods,
  vmMemoryCapacity,
  type EvictionSignal,
} from './overhead.js';
import { Quantity } from '../../core/resources/index.js';
import type { AmiFamily, KubeletConfiguration } from './nodeclass.js';
import type { OfferingKey } from './ice-cache.js';

export const LABEL = {
  instanceType: 'node.kubernetes.io/instance-type',
  arch: 'kubernetes.io/arch',
  os: 'kubernetes.io/os',
  zone: 'topology.kubernetes.io/zone',
  zoneID: 'topology.k8s.aws/zone-id',
  region: 'topology.kubernetes.io/region',
  capacityType: 'karpenter.sh/capacity-type',
  nodePool: 'karpenter.sh/nodepool',
  category: 'karpenter.k8s.aws/instance-category',
  family: 'karpenter.k8s.aws/instance-family',
  generation: 'karpenter.k8s.aws/instance-generation',
  size: 'karpenter.k8s.aws/instance-size',
  cpu: 'karpenter.k8s.aws/instance-cpu',
  cpuManufacturer: 'karpenter.k8s.aws/instance-cpu-manufacturer',
  cpuClock: 'karpenter.k8s.aws/instance-cpu-sustained-clock-speed-mhz',
  memory: 'karpenter.k8s.aws/instance-memory',
  ebsBandwidth: 'karpenter.k8s.aws/instance-ebs-bandwidth',
  networkBandwidth: 'karpenter.k8s.aws/instance-network-bandwidth',
  hypervisor: 'karpenter.k8s.aws/instance-hypervisor',
  encryptionInTransit: 'karpenter.k8s.aws/instance-encryption-in-transit-supported',
  localNvme: 'karpenter.k8s.aws/instance-local-nvme',
  gpuName: 'karpenter.k8s.aws/instance-gpu-name',
  gpuManufacturer: 'karpenter.k8s.aws/instance-gpu-manufacturer',
  gpuCount: 'karpenter.k8s.aws/instance-gpu-count',
  gpuMemory: 'karpenter.k8s.aws/instance-gpu-memory',
} as const;

/** The `karpenter.k8s.aws/instance-*` labels this provider writes. */
export const PROVIDER_LABELS: readonly string[] = Object.values(LABEL).filter((key) =>
  key.startsWith('karpenter.k8s.aws/')
);

export const RESOURCE = {
  nvidiaGpu: 'nvidia.com/gpu',
  amdGpu: 'amd.com/gpu',
  neuron: 'aws.amazon.com/neuron',
} as const;

const GiB = 1024 * 1024 * 1024;
/** Root volume of the AL2/AL2023 default block device mapping (`/dev/xvda` 20Gi); Bottlerocket's data volume is 20Gi too. */
export const DEFAULT_EPHEMERAL_STORAGE_BYTES = 20 * GiB;

/** EC2 architecture names → Kubernetes `kubernetes.io/arch`. */
export function kubernetesArch(ec2Architecture: string | undefined): 'amd64' | 'arm64' | undefined {
  if (ec2Architecture === 'x86_64') return 'amd64';
  if (ec2Architecture === 'arm64') return 'arm64';
  return undefined;
}

/**
 * Only the fields this file reads, from one DescribeInstanceTypes entry: the catalogue keeps ~1,400 of them for five
 * minutes, and the full entries (bandwidth tables, placement, boot modes, NitroTPM, ...) took ~7 MiB of the worker's
 * heap. A field read here must be kept here (the unit test builds every bundled type from both and compares).
 */
export function pruneInstanceTypeInfo(info: InstanceTypeInfo): InstanceTypeInfo {
  const network = info.NetworkInfo;
  return {
    InstanceType: info.InstanceType,
    Hypervisor: info.Hypervisor,
    SupportedUsageClasses: info.SupportedUsageClasses,
    VCpuInfo: { DefaultVCpus: info.VCpuInfo?.DefaultVCpus },
    MemoryInfo: { SizeInMiB: info.MemoryInfo?.SizeInMiB },
    ProcessorInfo: {
      SupportedArchitectures: info.ProcessorInfo?.SupportedArchitectures,
      Manufacturer: info.ProcessorInfo?.Manufacturer,
      SustainedClockSpeedInGhz: info.ProcessorInfo?.SustainedClockSpeedInGhz,
    },
    EbsInfo: { EbsOptimizedInfo: { MaximumBandwidthInMbps: info.EbsInfo?.EbsOptimizedInfo?.MaximumBandwidthInMbps } },
    NetworkInfo: network && {
      DefaultNetworkCardIndex: network.DefaultNetworkCardIndex,
      EncryptionInTransitSupported: network.EncryptionInTransitSupported,
      MaximumNetworkInterfaces: network.MaximumNetworkInterfaces,
      Ipv4AddressesPerInterface: network.Ipv4AddressesPerInterface,
      NetworkCards: network.NetworkCards?.map((card) => ({
        NetworkCardIndex: card.NetworkCardIndex,
        BaselineBandwidthInGbps: card.BaselineBandwidthInGbps,
        MaximumNetworkInterfaces: card.MaximumNetworkInterfaces,
      })),
    },
    InstanceStorageInfo: info.InstanceStorageInfo,
    GpuInfo: info.GpuInfo && { Gpus: info.GpuInfo.Gpus },
    NeuronInfo: info.NeuronInfo && { NeuronDevices: info.NeuronInfo.NeuronDevices },
  };
}

export function architectureOf(info: InstanceTypeInfo): 'amd64' | 'arm64' | undefined {
  for (const arch of info.ProcessorInfo?.SupportedArchitectures ?? []) {
    const k = kubernetesArch(arch);
    if (k !== undefined) return k;
  }
  return undefined;
}

/**
 * The single-valued labels of an instance type (`karpenter.k8s.aws/instance-*`, arch, os, instance type). Karpenter
 * derives category, family, generation and size from the name: `m5d.large` → category `m`, family `m5d`,
 * generation `5`, size `large`.
 */
export function instanceTypeLabels(info: InstanceTypeInfo): Record<string, string> {
  const name = info.InstanceType ?? '';
  const labels: Record<string, string> = { [LABEL.instanceType]: name, [LABEL.os]: 'linux' };
  const arch = architectureOf(info);
  if (arch !== undefined) labels[LABEL.arch] = arch;
  const [family = '', size] = name.split('.');
  labels[LABEL.family] = family;
  if (size !== undefined) labels[LABEL.size] = size;
  const parsed = /^([a-z]+)(\d+)/.exec(family);
  if (parsed) {
    labels[LABEL.category] = parsed[1]!;
    labels[LABEL.generation] = parsed[2]!;
  }
  const vcpus = info.VCpuInfo?.DefaultVCpus;
  if (vcpus !== undefined) labels[LABEL.cpu] = String(vcpus);
  const manufacturer = info.ProcessorInfo?.Manufacturer;
  if (manufacturer) labels[LABEL.cpuManufacturer] = manufacturer.toLowerCase().replace(/\s+/g, '-');
  const clock = info.ProcessorInfo?.SustainedClockSpeedInGhz;
  if (clock !== undefined) labels[LABEL.cpuClock] = String(Math.round(clock * 1000));
  const memory = info.MemoryInfo?.SizeInMiB;
  if (memory !== undefined) labels[LABEL.memory] = String(memory);
  const ebs = info.EbsInfo?.EbsOptimizedInfo?.MaximumBandwidthInMbps;
  if (ebs !== undefined) labels[LABEL.ebsBandwidth] = String(ebs);
  const network = info.NetworkInfo?.NetworkCards?.find(
    (card) => card.NetworkCardIndex === (info.NetworkInfo?.DefaultNetworkCardIndex ?? 0)
  )?.BaselineBandwidthInGbps;
  if (network !== undefined) labels[LABEL.networkBandwidth] = String(Math.round(network * 1000));
  labels[LABEL.hypervisor] = info.Hypervisor ?? '';
  labels[LABEL.encryptionInTransit] = String(info.NetworkInfo?.EncryptionInTransitSupported ?? false);
  const nvme = info.InstanceStorageInfo;
  if (nvme?.NvmeSupport !== undefined && nvme.NvmeSupport !== 'unsupported' && nvme.TotalSizeInGB !== undefined) {
    labels[LABEL.localNvme] = String(nvme.TotalSizeInGB);
  }
  const gpu = info.GpuInfo?.Gpus?.[0];
  if (gpu !== undefined) {
    if (gpu.Name) labels[LABEL.gpuName] = gpu.Name.toLowerCase();
    if (gpu.Manufacturer) labels[LABEL.gpuManufacturer] = gpu.Manufacturer.toLowerCase();
    labels[LABEL.gpuCount] = String(gpu.Count ?? 0);
    if (gpu.MemoryInfo?.SizeInMiB !== undefined) labels[LABEL.gpuMemory] = String(gpu.MemoryInfo.SizeInMiB);
  }
  return labels;
}

/** What a node's kubelet settings and AMI family change about capacity and overhead. */
export interface CapacityOptions {
  amiFamily: AmiFamily;
  kubelet?: KubeletConfiguration;
  /** Size of the volume kubelet and containerd use (root for AL2023, data volume for Bottlerocket). */
  ephemeralStorageBytes?: number;
  vmMemoryOverheadPercent?: number;
  /** ENIs withheld from pods (e.g. for custom networking); Karpenter `--reserved-enis`, default 0. */
  reservedENIs?: number;
}

function parseCanonical(name: string, value: string): number {
  const quantity = Quantity.parse(value);
  return name === 'cpu' ? quantity.milliValue() : quantity.value();
}

function reservedOverrides(reserved: Record<string, string> | undefined): ResourceList {
  const out: ResourceList = {};
  for (const [name, value] of Object.entries(reserved ?? {}))
    if (name !== 'pid') out[name] = parseCanonical(name, value);
  return out;
}

function evictionSignal(value: string | undefined, name: string): EvictionSignal | undefined {
  if (value === undefined) return undefined;
  if (value.endsWith('%')) return { percent: Number(value.slice(0, -1)) };
  return { quantity: parseCanonical(name, value) };
}

/** Capacity and overhead by Karpenter's formulas (`overhead.ts`, shared with the kubelet bridge). */
export function capacityAndOverhead(
  info: InstanceTypeInfo,
  options: CapacityOptions
): { capacity: ResourceList; overhead: InstanceType['overhead']; pods: number } {
  const vcpus = info.VCpuInfo?.DefaultVCpus ?? 0;
  const arch = architectureOf(info) ?? 'amd64';
  const memory = vmMemoryCapacity(info.MemoryInfo?.SizeInMiB ?? 0, arch, options.vmMemoryOverheadPercent);
  const ephemeral = options.ephemeralStorageBytes ?? DEFAULT_EPHEMERAL_STORAGE_BYTES;
  const defaultCard = info.NetworkInfo?.NetworkCards?.find(
    (card) => card.NetworkCardIndex === (info.NetworkInfo?.DefaultNetworkCardIndex ?? 0)
  );
  const enis = defaultCard?.MaximumNetworkInterfaces ?? info.NetworkInfo?.MaximumNetworkInterfaces ?? 0;
  const pods = maxPods({
    vcpus,
    eniLimitedPods: eniLimitedPods(enis, info.NetworkInfo?.Ipv4AddressesPerInterface ?? 0, options.reservedENIs),
    eniLimitedDensity: !options.amiFamily.startsWith('Windows'),
    ...(options.kubelet?.maxPods !== undefined ? { kubeletMaxPods: options.kubelet.maxPods } : {}),
    ...(options.kubelet?.podsPerCore !== undefined ? { podsPerCore: options.kubelet.podsPerCore } : {}),
    // Bottlerocket ignores podsPerCore (Karpenter `amifamily.Bottlerocket.FeatureFlags`).
    podsPerCoreEnabled: options.amiFamily !== 'Bottlerocket',
  });
  const capacity: ResourceList = { cpu: vcpus * 1000, memory, 'ephemeral-storage': ephemeral, pods };
  const gpus = info.GpuInfo?.Gpus ?? [];
  const nvidia = gpus.filter((g) => g.Manufacturer === 'NVIDIA').reduce((n, g) => n + (g.Count ?? 0), 0);
  const amd = gpus.filter((g) => g.Manufacturer === 'AMD').reduce((n, g) => n + (g.Count ?? 0), 0);
  const neuron = (info.NeuronInfo?.NeuronDevices ?? []).reduce((n, d) => n + (d.Count ?? 0), 0);
  if (nvidia > 0) capacity[RESOURCE.nvidiaGpu] = nvidia;
  if (amd > 0) capacity[RESOURCE.amdGpu] = amd;
  if (neuron > 0) capacity[RESOURCE.neuron] = neuron;
  const kubelet = options.kubelet;
  return {
    capacity,
    pods,
    overhead: {
      kubeReserved: kubeReserved(vcpus * 1000, pods, reservedOverrides(kubelet?.kubeReserved)),
      systemReserved: reservedOverrides(kubelet?.systemReserved),
      evictionThreshold: evictionThreshold(memory, ephemeral, {
        ...withDefined('memoryAvailable', evictionSignal(kubelet?.evictionHard?.['memory.available'], 'memory')),
        ...withDefined(
          'nodefsAvailable',
          evictionSignal(kubelet?.evictionHard?.['nodefs.available'], 'ephemeral-storage')
        ),
      }),
    },
  };
}

function withDefined<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

export interface OfferingInputs {
  /** Zones the type is offered in (DescribeInstanceTypeOfferings) that also have a subnet of the node class. */
  zones: readonly string[];
  zoneIDs?: Readonly<Record<string, string>>;
  region: string;
  onDemandPrice: (instanceType: string) => number | undefined;
  spotPrice: (instanceType: string, zone: string) => number | undefined;
  isUnavailable: (offering: OfferingKey) => boolean;
}

/**
 * Offerings per (zone, capacity type) the type supports. An offering without a known price is listed as not
 * available rather than dropped, as Karpenter does, so the solver can say why it was not chosen.
 */
export function offeringsOf(info: InstanceTypeInfo, inputs: OfferingInputs): Offering[] {
  const name = info.InstanceType ?? '';
  const usage = new Set(info.SupportedUsageClasses ?? ['on-demand']);
  const capacityTypes: CapacityType[] = (['spot', 'on-demand'] as const).filter((c) => usage.has(c));
  const offerings: Offering[] = [];
  for (const zone of [...inputs.zones].sort()) {
    for (const capacityType of capacityTypes) {
      const price = capacityType === 'spot' ? inputs.spotPrice(name, zone) : inputs.onDemandPrice(name);
      const zoneID = inputs.zoneIDs?.[zone];
      offerings.push({
        zone,
        capacityType,
        price: price ?? Number.MAX_VALUE,
        available: price !== undefined && !inputs.isUnavailable({ instanceType: name, zone, capacityType }),
        ...(zoneID !== undefined ? { labels: { [LABEL.zoneID]: zoneID } } : {}),
      });
    }
  }
  return offerings;
}

/** Resources that make a type exotic: it is launched only when asked for (Karpenter AWS `ExoticInstanceTypeFilter`). */
const EXOTIC_RESOURCES = [
  'aws.amazon.com/neuron',
  'aws.amazon.com/neuroncore',
  'amd.com/gpu',
  'nvidia.com/gpu',
  'habana.ai/gaudi',
];

/** Metal sizes and types with GPUs or accelerators (filter.go:329 in Karpenter's AWS provider v1.14.1). */
export function isExoticInstanceType(name: string, capacity: Readonly<Record<string, number>>): boolean {
  const size = name.split('.')[1] ?? '';
  return size.includes('metal') || EXOTIC_RESOURCES.some((resource) => (capacity[resource] ?? 0) > 0);
}

/**
 * One frozen object per distinct requirement for a catalogue build: ~1,400 types repeat the same few hundred
 * (`kubernetes.io/os In [linux]`, the region, the zones, a `DoesNotExist` per absent provider label), ~40,000
 * objects and ~3 MiB of heap otherwise. Frozen, so code that would edit one type's requirement in place fails loudly.
 */
export function requirementInterner(): (spec: RequirementSpec) => RequirementSpec {
  const shared = new Map<string, RequirementSpec>();
  return (spec) => {
    const key = JSON.stringify([spec.key, spec.operator, spec.values ?? null, spec.minValues ?? null]);
    let found = shared.get(key);
    if (found === undefined) {
      found = Object.freeze({
        ...spec,
        ...(spec.values ? { values: Object.freeze([...spec.values]) as string[] } : {}),
      });
      shared.set(key, found);
    }
    return found;
  };
}

/** The full InstanceType: requirements (single-valued labels plus zones and capacity types), capacity, offerings. */
export function buildInstanceType(
  info: InstanceTypeInfo,
  capacity: CapacityOptions,
  inputs: OfferingInputs,
  intern: (spec: RequirementSpec) => RequirementSpec = (spec) => spec
): InstanceType {
  const offerings = offeringsOf(info, inputs);
  const requirements: RequirementSpec[] = Object.entries(instanceTypeLabels(info))
    .filter(([, value]) => value !== '')
    .map(([key, value]) => ({ key, operator: 'In' as const, values: [value] }));
  requirements.push({ key: LABEL.region, operator: 'In', values: [inputs.region] });
  requirements.push({ key: LABEL.zone, operator: 'In', values: [...new Set(offerings.map((o) => o.zone))] });
  requirements.push({
    key: LABEL.capacityType,
    operator: 'In',
    values: [...new Set(offerings.map((o) => o.capacityType))],
  });
  // Every provider label the type lacks is stated as absent, as Karpenter does: a NodePool or pod asking for
  // `instance-gpu-manufacturer In [nvidia]`, or an nvidia AMI, must not match a type that simply has no GPU.
  const present = new Set(requirements.map((r) => r.key));
  for (const key of PROVIDER_LABELS) {
    if (!present.has(key)) requirements.push({ key, operator: 'DoesNotExist' });
  }
  const { capacity: resources, overhead } = capacityAndOverhead(info, capacity);
  const name = info.InstanceType ?? '';
  return {
    name,
    requirements: requirements.map(intern),
    capacity: resources,
    overhead,
    offerings,
    exotic: isExoticInstanceType(name, resources),
  };
}
