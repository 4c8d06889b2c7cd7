/**
 * AWS node overhead, as Karpenter's AWS provider estimates it before a node exists
 * (aws/karpenter-provider-aws `pkg/providers/instancetype/types.go`: `memory`, `ENILimitedPods`, `pods`,
 * `kubeReservedResources`, `evictionThreshold`). Shared by the EC2 provider and the test bed's kubelet bridge so
 * that the capacity the solver plans with is the capacity the fake kubelet reports.
 *
 * Units: cpu in millicores, memory and storage in bytes, pods as a count.
 */

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** `--vm-memory-overhead-percent` default: the share of nominal memory the hypervisor and firmware keep. */
export const DEFAULT_VM_MEMORY_OVERHEAD_PERCENT = 0.075;

/** Max pods when the AMI family has no ENI-limited density (Windows) and kubelet maxPods is unset. */
export const DEFAULT_MAX_PODS = 110;

/**
 * Memory capacity the kubelet will report: `SizeInMiB` (minus 64 MiB of CMA on arm64/Graviton), minus
 * `ceil(MiB × vmMemoryOverheadPercent)` MiB.
 */
export function vmMemoryCapacity(
  sizeInMiB: number,
  architecture: 'amd64' | 'arm64',
  vmMemoryOverheadPercent = DEFAULT_VM_MEMORY_OVERHEAD_PERCENT
): number {
  const mib = architecture === 'arm64' ? sizeInMiB - 64 : sizeInMiB;
  return (mib - Math.ceil(mib * vmMemoryOverheadPercent)) * MiB;
}

/**
 * Pods the VPC CNI can address on the default network card: `usableENIs × (IPv4 per ENI − 1) + 2`, where
 * usableENIs = max(ENIs on the default card − reservedENIs, 0); 0 when no ENI is usable.
 */
export function eniLimitedPods(
  maxNetworkInterfaces: number,
  ipv4AddressesPerInterface: number,
  reservedENIs = 0
): number {
  const usable = Math.max(maxNetworkInterfaces - reservedENIs, 0);
  if (usable === 0) return 0;
  return usable * (ipv4AddressesPerInterface - 1) + 2;
}

export interface MaxPodsInput {
  vcpus: number;
  /** ENI-limited pod count for the type (see `eniLimitedPods`). */
  eniLimitedPods: number;
  /** Linux AMI families (AL2, AL2023, Bottlerocket, Custom) use ENI-limited density; Windows uses 110. */
  eniLimitedDensity: boolean;
  /** kubelet `maxPods` from the EC2NodeClass; wins over everything else. */
  kubeletMaxPods?: number;
  /** kubelet `podsPerCore`; caps the result at podsPerCore × vCPU (ignored by Bottlerocket). */
  podsPerCore?: number;
  podsPerCoreEnabled?: boolean;
}

/** Karpenter's `pods()`: kubelet maxPods, else ENI-limited or 110, then min with podsPerCore × vCPU. */
export function maxPods(input: MaxPodsInput): number {
  let count =
    input.kubeletMaxPods !== undefined
      ? input.kubeletMaxPods
      : input.eniLimitedDensity
        ? input.eniLimitedPods
        : DEFAULT_MAX_PODS;
  if ((input.podsPerCore ?? 0) > 0 && input.podsPerCoreEnabled !== false) {
    count = Math.min(count, (input.podsPerCore ?? 0) * input.vcpus);
  }
  return count;
}

/**
 * Default kube-reserved (the EKS/Bottlerocket formula): memory `11 MiB × maxPods + 255 MiB`; ephemeral-storage
 * 1 GiB; cpu 6% of the first core, 1% of the second, 0.5% of cores 3–4 and 0.25% of every core above 4 (each
 * band truncated to whole millicores, as Karpenter does). `overrides` (kubelet.kubeReserved) replace keys.
 */
export function kubeReserved(
  cpuMillis: number,
  pods: number,
  overrides: Record<string, number> = {}
): Record<string, number> {
  const bands = [
    { start: 0, end: 1000, percentage: 0.06 },
    { start: 1000, end: 2000, percentage: 0.01 },
    { start: 2000, end: 4000, percentage: 0.005 },
    { start: 4000, end: 2 ** 31, percentage: 0.0025 },
  ];
  let cpu = 0;
  for (const band of bands) {
    if (cpuMillis >= band.start) {
      const width = cpuMillis < band.end ? cpuMillis - band.start : band.end - band.start;
      cpu += Math.trunc(width * band.percentage);
    }
  }
  return { cpu, memory: (11 * pods + 255) * MiB, 'ephemeral-storage': GiB, ...overrides };
}

/** An eviction signal value: a percentage of capacity or an absolute quantity in canonical units. */
export type EvictionSignal = { percent: number } | { quantity: number };

function evictionAmount(capacity: number, signal: EvictionSignal): number {
  if ('percent' in signal) {
    // kubelet treats 100% as "threshold disabled".
    const percent = signal.percent === 100 ? 0 : signal.percent;
    return Math.ceil((capacity / 100) * percent);
  }
  return signal.quantity;
}

/**
 * Hard eviction threshold withheld from allocatable: memory 100 MiB and ephemeral-storage 10% (rounded up) by
 * default; `evictionHard` `memory.available` / `nodefs.available` override. evictionSoft does not reduce
 * allocatable.
 */
export function evictionThreshold(
  memoryCapacity: number,
  ephemeralStorageCapacity: number,
  evictionHard: { memoryAvailable?: EvictionSignal; nodefsAvailable?: EvictionSignal } = {}
): Record<string, number> {
  return {
    memory:
      evictionHard.memoryAvailable !== undefined
        ? evictionAmount(memoryCapacity, evictionHard.memoryAvailable)
        : 100 * MiB,
    'ephemeral-storage':
      evictionHard.nodefsAvailable !== undefined
        ? evictionAmount(ephemeralStorageCapacity, evictionHard.nodefsAvailable)
        : Math.ceil((ephemeralStorageCapacity / 100) * 10),
  };
}
