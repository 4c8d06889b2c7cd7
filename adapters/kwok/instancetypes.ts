/**
 * The kwok provider's synthetic catalogue (Karpenter core `kwok/tools/gen_instance_types.go` and
 * `kwok/cloudprovider/helpers.go`): instance types that exist nowhere but in a JSON file, priced by a formula, so the
 * whole autoscaler can run with no cloud. Pure.
 *
 * The file format is ours, not Karpenter's (theirs embeds Go quantities and offering requirement sets): a list of
 * `{ name, architecture, operatingSystems, resources, offerings: [{ zone, capacityType, price }] }`, resources as
 * Kubernetes quantity strings. `genericInstanceTypeOptions()` writes the default, bundled as `instance-types.json`.
 */
import { z } from 'zod';
import type { InstanceType, Offering, RequirementSpec, ResourceList } from '../../core/cloudprovider/index.js';
import { Quantity } from '../../core/resources/index.js';

export const KWOK_ZONES = ['test-zone-a', 'test-zone-b', 'test-zone-c', 'test-zone-d'] as const;
/** Spot costs this share of on-demand, as in Karpenter's generator. */
export const SPOT_PRICE_RATIO = 0.7;

export const LABEL = {
  instanceType: 'node.kubernetes.io/instance-type',
  arch: 'kubernetes.io/arch',
  os: 'kubernetes.io/os',
  zone: 'topology.kubernetes.io/zone',
  capacityType: 'karpenter.sh/capacity-type',
  hostname: 'kubernetes.io/hostname',
  nodePool: 'karpenter.sh/nodepool',
  /** Provider labels, as Karpenter's kwok provider names them (`kwok/apis/v1alpha1/labels.go`). */
  instanceFamily: 'karpenter.kwok.sh/instance-family',
  instanceSize: 'karpenter.kwok.sh/instance-size',
  instanceCPU: 'karpenter.kwok.sh/instance-cpu',
  /** Memory in MiB, as the AWS provider's `instance-memory` (Karpenter's kwok build writes the quantity string). */
  instanceMemory: 'karpenter.kwok.sh/instance-memory',
} as const;

const quantity = z.union([z.string(), z.number()]).transform((v) => String(v));

export const instanceTypeOptionsSchema = z.object({
  name: z.string().min(1),
  architecture: z.enum(['amd64', 'arm64']),
  operatingSystems: z.array(z.enum(['linux', 'windows'])).min(1),
  /** cpu, memory, pods, ephemeral-storage and any extended resource, as quantities. */
  resources: z.record(z.string(), quantity),
  offerings: z
    .array(
      z.object({
        zone: z.string().min(1),
        capacityType: z.enum(['on-demand', 'spot', 'reserved']),
        price: z.number().nonnegative(),
        available: z.boolean().default(true),
      })
    )
    .min(1),
});
export type InstanceTypeOptions = z.input<typeof instanceTypeOptionsSchema>;
export const catalogueFileSchema = z.array(instanceTypeOptionsSchema);

/** Why a catalogue file was refused, naming the entry and field. Stable `type` for logs and the worker's exit. */
export class KwokCatalogueError extends Error {
  readonly type = 'KwokCatalogueInvalid';
  override readonly name = 'KwokCatalogueError';
}

/** Parses the JSON text of a catalogue file; throws KwokCatalogueError. */
export function parseCatalogue(text: string): z.output<typeof catalogueFileSchema> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new KwokCatalogueError(`instance types file is not JSON: ${(err as Error).message}`);
  }
  const parsed = catalogueFileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new KwokCatalogueError(`invalid instance types file: ${problems}`);
  }
  const names = new Set<string>();
  for (const t of parsed.data) {
    if (names.has(t.name)) throw new KwokCatalogueError(`instance type ${t.name} appears twice`);
    names.add(t.name);
  }
  return parsed.data;
}

/** Karpenter's price formula: $0.025 per vCPU-hour plus $0.001 per GB-hour of memory. */
export function priceFromResources(cpu: number, memoryBytes: number): number {
  return 0.025 * cpu + (0.001 * memoryBytes) / 1e9;
}

const FAMILY_BY_MEMORY_FACTOR: Record<number, string> = { 2: 'c', 4: 's', 8: 'm' };
const round = (n: number): number => Math.round(n * 1e6) / 1e6;

/**
 * The default catalogue: families c (2 GiB per vCPU), s (4) and m (8), 12 sizes from 1 to 256 vCPU, amd64 and arm64,
 * linux; each offered in `test-zone-a..d` as spot and on-demand, spot at 70 % of on-demand. 72 types, 576 offerings.
 */
export function genericInstanceTypeOptions(): InstanceTypeOptions[] {
  const out: InstanceTypeOptions[] = [];
  for (const cpu of [1, 2, 4, 8, 16, 32, 48, 64, 96, 128, 192, 256]) {
    for (const factor of [2, 4, 8]) {
      for (const arch of ['amd64', 'arm64'] as const) {
        const memoryGi = cpu * factor;
        const price = priceFromResources(cpu, memoryGi * 1024 ** 3);
        out.push({
          name: `${FAMILY_BY_MEMORY_FACTOR[factor]}-${cpu}x-${arch}-linux`,
          architecture: arch,
          operatingSystems: ['linux'],
          resources: {
            cpu: String(cpu),
            memory: `${memoryGi}Gi`,
            pods: String(Math.min(cpu * 16, 1024)),
            'ephemeral-storage': '20Gi',
          },
          offerings: KWOK_ZONES.flatMap((zone) =>
            (['spot', 'on-demand'] as const).map((capacityType) => ({
              zone,
              capacityType,
              price: round(capacityType === 'spot' ? price * SPOT_PRICE_RATIO : price),
              available: true,
            }))
          ),
        });
      }
    }
  }
  return out;
}

/** How a KWOKNodeClass shapes its types: a pod limit and what the "kubelet" reserves. */
export interface KwokNodeClassShape {
  maxPods?: number;
  /** Quantity strings by resource; default 100m cpu and 10Mi memory (Karpenter's kwok provider). */
  reservedResources?: Record<string, string>;
}

export const DEFAULT_RESERVED: Record<string, string> = { cpu: '100m', memory: '10Mi' };

function canonical(name: string, value: string): number {
  const q = Quantity.parse(value);
  return name === 'cpu' ? q.milliValue() : q.value();
}

/** Karpenter's size label: the vCPU count for names that are not in AWS's `family.size` form. */
function sizeOf(name: string, cpu: string): string {
  return /^\w+\.(nano|micro|small|medium|large|\d*xlarge|metal)$/.exec(name)?.[1] ?? cpu;
}

/** Karpenter's family label: the part before the first `.` or `-`, else the first character. */
function familyOf(name: string): string {
  const parts = name.split(/[.-]/);
  return parts.length > 1 ? parts[0]! : name.slice(0, 1);
}

/** Catalogue entries as the port's InstanceTypes, shaped by the node class. */
export function toInstanceTypes(
  options: readonly z.output<typeof instanceTypeOptionsSchema>[],
  shape: KwokNodeClassShape = {}
): InstanceType[] {
  return options.map((o) => {
    const capacity: ResourceList = { pods: 110 };
    for (const [name, value] of Object.entries(o.resources)) capacity[name] = canonical(name, value);
    if (shape.maxPods !== undefined) capacity['pods'] = shape.maxPods;
    const kubeReserved: ResourceList = {};
    for (const [name, value] of Object.entries(shape.reservedResources ?? DEFAULT_RESERVED)) {
      if (name !== 'pid') kubeReserved[name] = canonical(name, value);
    }
    const offerings: Offering[] = o.offerings.map((x) => ({
      zone: x.zone,
      capacityType: x.capacityType,
      price: x.price,
      available: x.available,
    }));
    const available = offerings.filter((x) => x.available);
    const cpu = String((capacity['cpu'] ?? 0) / 1000);
    const requirements: RequirementSpec[] = [
      { key: LABEL.instanceType, operator: 'In', values: [o.name] },
      { key: LABEL.arch, operator: 'In', values: [o.architecture] },
      { key: LABEL.os, operator: 'In', values: [...o.operatingSystems] },
      { key: LABEL.zone, operator: 'In', values: [...new Set(available.map((x) => x.zone))].sort() },
      { key: LABEL.capacityType, operator: 'In', values: [...new Set(available.map((x) => x.capacityType))].sort() },
      { key: LABEL.instanceFamily, operator: 'In', values: [familyOf(o.name)] },
      { key: LABEL.instanceSize, operator: 'In', values: [sizeOf(o.name, cpu)] },
      { key: LABEL.instanceCPU, operator: 'In', values: [cpu] },
      {
        key: LABEL.instanceMemory,
        operator: 'In',
        values: [String(Math.floor((capacity['memory'] ?? 0) / 1024 ** 2))],
      },
    ];
    return {
      name: o.name,
      requirements,
      capacity,
      overhead: { kubeReserved, systemReserved: {}, evictionThreshold: {} },
      offerings,
    };
  });
}
