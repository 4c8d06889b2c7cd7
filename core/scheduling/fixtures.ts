/** Builders for solver tests: small, explicit instance types, NodePools and pods. */
import type { InstanceType, Offering } from '../cloudprovider/types.js';
import type { ExistingNode, NodePool, Pod } from './types.js';

const GiB = 2 ** 30;

export interface TypeOptions {
  cpu: number;
  memoryGiB: number;
  pods?: number;
  price: number;
  zones?: string[];
  capacityTypes?: ('spot' | 'on-demand')[];
  /** Per capacity type price; defaults to `price`. */
  spotPrice?: number;
  labels?: Record<string, string>;
  extended?: Record<string, number>;
  arch?: string;
}

export function instanceType(name: string, options: TypeOptions): InstanceType {
  const zones = options.zones ?? ['zone-a', 'zone-b', 'zone-c'];
  const capacityTypes = options.capacityTypes ?? ['on-demand'];
  const offerings: Offering[] = [];
  for (const capacityType of capacityTypes) {
    for (const zone of zones) {
      offerings.push({
        zone,
        capacityType,
        price: capacityType === 'spot' ? (options.spotPrice ?? options.price) : options.price,
        available: true,
      });
    }
  }
  return {
    name,
    requirements: [
      { key: 'kubernetes.io/arch', operator: 'In', values: [options.arch ?? 'amd64'] },
      { key: 'kubernetes.io/os', operator: 'In', values: ['linux'] },
      ...Object.entries(options.labels ?? {}).map(([key, value]) => ({
        key,
        operator: 'In' as const,
        values: [value],
      })),
    ],
    capacity: {
      cpu: options.cpu * 1000,
      memory: options.memoryGiB * GiB,
      pods: options.pods ?? 110,
      ...options.extended,
    },
    overhead: { kubeReserved: {}, systemReserved: {}, evictionThreshold: {} },
    offerings,
  };
}

/** small 2 cpu/4Gi $0.1, medium 4/8 $0.2, large 8/16 $0.4, in zone-a/b/c, on-demand. */
export function standardTypes(): InstanceType[] {
  return [
    instanceType('small', { cpu: 2, memoryGiB: 4, price: 0.1 }),
    instanceType('medium', { cpu: 4, memoryGiB: 8, price: 0.2 }),
    instanceType('large', { cpu: 8, memoryGiB: 16, price: 0.4 }),
  ];
}

export function nodePool(
  name: string,
  spec: Partial<NodePool['spec']> = {},
  template: Partial<NodePool['spec']['template']['spec']> = {},
  labels?: Record<string, string>
): NodePool {
  return {
    metadata: { name },
    spec: {
      ...spec,
      template: {
        ...(labels !== undefined ? { metadata: { labels } } : {}),
        spec: { requirements: [], ...template },
      },
    },
  };
}

export function pod(
  name: string,
  cpu: string,
  memory: string,
  spec: Partial<Pod['spec']> = {},
  labels: Record<string, string> = {}
): Pod {
  return {
    metadata: { name, namespace: 'default', labels, uid: `uid-${name}` },
    spec: { containers: [{ name: 'app', resources: { requests: { cpu, memory } } }], ...spec },
  };
}

export function pods(
  count: number,
  prefix: string,
  cpu: string,
  memory: string,
  spec: Partial<Pod['spec']> = {},
  labels: Record<string, string> = {}
): Pod[] {
  return Array.from({ length: count }, (_, i) => pod(`${prefix}-${i}`, cpu, memory, spec, labels));
}

export function node(
  name: string,
  zone: string,
  cpu: number,
  memoryGiB: number,
  extra: Partial<ExistingNode> = {}
): ExistingNode {
  return {
    name,
    labels: {
      'topology.kubernetes.io/zone': zone,
      'kubernetes.io/hostname': name,
      'kubernetes.io/arch': 'amd64',
      'kubernetes.io/os': 'linux',
    },
    allocatable: { cpu: String(cpu), memory: `${memoryGiB}Gi`, pods: '110' },
    ...extra,
  };
}
