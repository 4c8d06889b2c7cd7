import { describe, expect, it } from '@jest/globals';
import { allocatable, cheapestOffering } from './instancetype.js';
import type { InstanceType } from './types.js';

describe('instance type', () => {
  const instanceType: InstanceType = {
    name: 'm5.large',
    requirements: [{ key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['m5.large'] }],
    capacity: { cpu: 2000, memory: 1000, pods: 29 },
    overhead: {
      kubeReserved: { cpu: 70, memory: 300 },
      systemReserved: { cpu: 30 },
      evictionThreshold: { memory: 800 },
    },
    offerings: [
      { zone: 'b', capacityType: 'spot', price: 0.04, available: true },
      { zone: 'a', capacityType: 'spot', price: 0.04, available: true },
      { zone: 'a', capacityType: 'on-demand', price: 0.096, available: true },
    ],
  };

  it('should subtract every overhead term from capacity, never below zero', () => {
    expect(allocatable(instanceType)).toEqual({ cpu: 1900, memory: 0, pods: 29 });
  });

  it('should pick the cheapest offering and break price ties by zone', () => {
    expect(cheapestOffering(instanceType.offerings)).toEqual(instanceType.offerings[1]);
    expect(cheapestOffering([])).toBeUndefined();
  });
});
