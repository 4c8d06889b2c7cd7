import { describe, expect, it } from '@jest/globals';
import { eniLimitedPods, evictionThreshold, kubeReserved, maxPods, vmMemoryCapacity } from './overhead.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

describe('AWS overhead formulas', () => {
  it.each([
    // [ENIs, IPv4 per ENI, reserved ENIs, expected] — m5.large, c5.18xlarge, t3.nano, all ENIs reserved
    [3, 10, 0, 29],
    [15, 50, 0, 737],
    [2, 2, 0, 4],
    [3, 10, 1, 20],
    [1, 10, 1, 0],
  ])('should compute ENI-limited pods for %i ENIs × %i IPs (reserved %i) as %i', (enis, ips, reserved, expected) => {
    expect(eniLimitedPods(enis, ips, reserved)).toBe(expected);
  });

  it('should take 7.5% of memory, rounded up in MiB, and 64 MiB more on arm64', () => {
    expect(vmMemoryCapacity(8192, 'amd64')).toBe((8192 - 615) * MiB);
    expect(vmMemoryCapacity(8192, 'arm64')).toBe((8128 - 610) * MiB);
    expect(vmMemoryCapacity(8192, 'amd64', 0)).toBe(8192 * MiB);
  });

  it('should reserve cpu by core bands and memory by max pods', () => {
    // 2 vCPU: 6% of 1000m + 1% of 1000m = 70m; 29 pods: 11 × 29 + 255 = 574 MiB.
    expect(kubeReserved(2000, 29)).toEqual({ cpu: 70, memory: 574 * MiB, 'ephemeral-storage': GiB });
    // 8 vCPU: 60 + 10 + 10 + 10 = 90m.
    expect(kubeReserved(8000, 58).cpu).toBe(90);
    // 96 vCPU: 60 + 10 + 10 + 0.25% × 92000 = 310m.
    expect(kubeReserved(96000, 737).cpu).toBe(310);
    expect(kubeReserved(2000, 29, { cpu: 500 }).cpu).toBe(500);
  });

  it('should pick kubelet maxPods over ENI density and cap by podsPerCore', () => {
    expect(maxPods({ vcpus: 2, eniLimitedPods: 29, eniLimitedDensity: true })).toBe(29);
    expect(maxPods({ vcpus: 2, eniLimitedPods: 29, eniLimitedDensity: false })).toBe(110);
    expect(maxPods({ vcpus: 2, eniLimitedPods: 29, eniLimitedDensity: true, kubeletMaxPods: 50 })).toBe(50);
    expect(maxPods({ vcpus: 2, eniLimitedPods: 29, eniLimitedDensity: true, podsPerCore: 4 })).toBe(8);
    expect(
      maxPods({ vcpus: 2, eniLimitedPods: 29, eniLimitedDensity: true, podsPerCore: 4, podsPerCoreEnabled: false })
    ).toBe(29);
  });

  it('should hold back 100Mi memory and 10% of disk unless evictionHard says otherwise', () => {
    expect(evictionThreshold(8 * GiB, 20 * GiB)).toEqual({
      memory: 100 * MiB,
      'ephemeral-storage': Math.ceil(2 * GiB),
    });
    expect(
      evictionThreshold(8 * GiB, 20 * GiB, { memoryAvailable: { percent: 5 }, nodefsAvailable: { quantity: GiB } })
    ).toEqual({ memory: Math.ceil((8 * GiB) / 20), 'ephemeral-storage': GiB });
    expect(evictionThreshold(8 * GiB, 20 * GiB, { memoryAvailable: { percent: 100 } }).memory).toBe(0);
  });
});
