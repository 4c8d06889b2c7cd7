/**
 * The instance-type catalogue (Karpenter `pkg/providers/instancetype`): every type the region offers, paginated
 * DescribeInstanceTypes, plus where each is offered (DescribeInstanceTypeOfferings for the node class's zones),
 * cached for 5 minutes by the injected clock; prices from PricingProvider; availability from the ICE cache.
 */
import {
  DescribeInstanceTypeOfferingsCommand,
  DescribeInstanceTypesCommand,
  type EC2Client,
  type InstanceTypeInfo,
} from '@aws-sdk/client-ec2';
import type { InstanceType } from '../../core/cloudprovider/index.js';
import { Quantity } from '../../core/resources/index.js';
import type { Clock } from './clock.js';
import { call } from './errors.js';
import type { UnavailableOfferings } from './ice-cache.js';
import {
  buildInstanceType,
  DEFAULT_EPHEMERAL_STORAGE_BYTES,
  pruneInstanceTypeInfo,
  requirementInterner,
} from './instancetype.js';
import { amiFamilyOf, type EC2NodeClass } from './nodeclass.js';
import type { PricingProvider } from './pricing.js';

/** Karpenter refreshes instance types and offerings every 5 minutes. */
export const INSTANCE_TYPES_TTL_MS = 5 * 60 * 1000;

export class InstanceTypeProvider {
  private types: { at: number; value: InstanceTypeInfo[] } | undefined;
  private offerings = new Map<string, { at: number; value: Map<string, Set<string>> }>();
  /** Last catalogue built per node class, with the inputs it was built from. Shared read-only by callers. */
  private readonly built = new Map<string, { key: string; value: InstanceType[] }>();
  /**
   * Loads in flight, by what they load: a solve that arrives while the catalogue is being (re)loaded, e.g. by the
   * worker's warm-up, waits for that load instead of paging through every Describe* call a second time.
   */
  private readonly inflight = new Map<string, Promise<unknown>>();

  private once<T>(key: string, load: () => Promise<T>): Promise<T> {
    const running = this.inflight.get(key) as Promise<T> | undefined;
    if (running !== undefined) return running;
    const promise = load().finally(() => this.inflight.delete(key));
    this.inflight.set(key, promise);
    return promise;
  }

  constructor(
    private readonly ec2: EC2Client,
    private readonly pricing: PricingProvider,
    private readonly unavailable: UnavailableOfferings,
    private readonly clock: Clock,
    private readonly region: string,
    private readonly vmMemoryOverheadPercent?: number
  ) {}

  /**
   * Every hvm x86_64/arm64 type of the region, all pages (AWS answers at most 100 per page). `aheadMs` reloads
   * that long before the TTL expires (the worker's warm-up does, so no solve waits for a reload).
   */
  async describeInstanceTypes(aheadMs = 0): Promise<InstanceTypeInfo[]> {
    const now = this.clock.now();
    if (this.types !== undefined && now - this.types.at < INSTANCE_TYPES_TTL_MS - aheadMs) return this.types.value;
    return this.once('types', () => this.loadInstanceTypes(now));
  }

  private async loadInstanceTypes(now: number): Promise<InstanceTypeInfo[]> {
    const all: InstanceTypeInfo[] = [];
    let NextToken: string | undefined;
    do {
      const page = await call('ec2:DescribeInstanceTypes', () =>
        this.ec2.send(
          new DescribeInstanceTypesCommand({
            Filters: [
              { Name: 'supported-virtualization-type', Values: ['hvm'] },
              { Name: 'processor-info.supported-architecture', Values: ['x86_64', 'arm64'] },
            ],
            MaxResults: 100,
            ...(NextToken !== undefined ? { NextToken } : {}),
          })
        )
      );
      all.push(...(page.InstanceTypes ?? []).map(pruneInstanceTypeInfo));
      NextToken = page.NextToken || undefined;
    } while (NextToken);
    this.types = { at: now, value: all };
    return all;
  }

  /** Instance type → zones it is offered in, restricted to the given zones. */
  async describeOfferings(zones: readonly string[], aheadMs = 0): Promise<Map<string, Set<string>>> {
    const key = [...zones].sort().join(',');
    const now = this.clock.now();
    const cached = this.offerings.get(key);
    if (cached !== undefined && now - cached.at < INSTANCE_TYPES_TTL_MS - aheadMs) return cached.value;
    return this.once(`offerings/${key}`, () => this.loadOfferings(zones, key, now));
  }

  private async loadOfferings(zones: readonly string[], key: string, now: number): Promise<Map<string, Set<string>>> {
    const byType = new Map<string, Set<string>>();
    let NextToken: string | undefined;
    do {
      const page = await call('ec2:DescribeInstanceTypeOfferings', () =>
        this.ec2.send(
          new DescribeInstanceTypeOfferingsCommand({
            LocationType: 'availability-zone',
            Filters: [{ Name: 'location', Values: [...zones] }],
            MaxResults: 1000,
            ...(NextToken !== undefined ? { NextToken } : {}),
          })
        )
      );
      for (const offering of page.InstanceTypeOfferings ?? []) {
        if (!offering.InstanceType || !offering.Location) continue;
        const set = byType.get(offering.InstanceType) ?? new Set<string>();
        set.add(offering.Location);
        byType.set(offering.InstanceType, set);
      }
      NextToken = page.NextToken || undefined;
    } while (NextToken);
    this.offerings.set(key, { at: now, value: byType });
    return byType;
  }

  /**
   * The catalogue for a resolved node class: only types offered in at least one of its subnets' zones. Capacity
   * follows its AMI family, kubelet settings and block devices. `aheadMs`: reload what would expire within that
   * long (the warm-up's refresh ahead of expiry); solves and launches pass nothing.
   */
  async list(nodeClass: EC2NodeClass, aheadMs = 0): Promise<InstanceType[]> {
    const subnets = nodeClass.status?.subnets ?? [];
    const zones = [...new Set(subnets.map((s) => s.zone))];
    if (zones.length === 0) return [];
    const zoneIDs: Record<string, string> = {};
    for (const s of subnets) if (s.zoneID !== undefined) zoneIDs[s.zone] = s.zoneID;
    const [types, offered] = await Promise.all([
      this.describeInstanceTypes(aheadMs),
      this.describeOfferings(zones, aheadMs),
      this.pricing.refreshIfStale(aheadMs),
    ]);
    const amiFamily = amiFamilyOf(nodeClass.spec);
    const ephemeralStorageBytes = ephemeralStorageOf(nodeClass);
    // Building ~1,400 types costs tens of milliseconds; a launch and every solve ask for the same catalogue, so it is
    // rebuilt only when one of its inputs changed (describe caches, prices, the ICE cache, the class's settings).
    const key = JSON.stringify([
      this.types?.at,
      this.offerings.get([...zones].sort().join(','))?.at,
      this.pricing.version(),
      this.unavailable.version(),
      amiFamily,
      ephemeralStorageBytes,
      nodeClass.spec.kubelet ?? null,
      subnets,
    ]);
    const built = this.built.get(nodeClass.metadata.name ?? '');
    if (built !== undefined && built.key === key) return built.value;
    const result: InstanceType[] = [];
    const intern = requirementInterner();
    for (const info of types) {
      const name = info.InstanceType;
      const typeZones = name === undefined ? undefined : offered.get(name);
      if (name === undefined || typeZones === undefined || typeZones.size === 0) continue;
      result.push(
        buildInstanceType(
          info,
          {
            amiFamily,
            ephemeralStorageBytes,
            ...(nodeClass.spec.kubelet !== undefined ? { kubelet: nodeClass.spec.kubelet } : {}),
            ...(this.vmMemoryOverheadPercent !== undefined
              ? { vmMemoryOverheadPercent: this.vmMemoryOverheadPercent }
              : {}),
          },
          {
            zones: [...typeZones],
            zoneIDs,
            region: this.region,
            onDemandPrice: (t) => this.pricing.onDemandPrice(t),
            spotPrice: (t, z) => this.pricing.spotPrice(t, z),
            isUnavailable: (o) => this.unavailable.isUnavailable(o),
          },
          intern
        )
      );
    }
    this.built.set(nodeClass.metadata.name ?? '', { key, value: result });
    return result;
  }
}

/**
 * The volume kubelet's ephemeral storage lives on: the `rootVolume` mapping, else Bottlerocket's data volume
 * (`/dev/xvdb`), else the first mapping; 20Gi when nothing is set (the AMI families' defaults).
 */
export function ephemeralStorageOf(nodeClass: EC2NodeClass): number {
  const mappings = nodeClass.spec.blockDeviceMappings ?? [];
  const chosen =
    mappings.find((m) => m.rootVolume === true) ??
    (amiFamilyOf(nodeClass.spec) === 'Bottlerocket' ? mappings.find((m) => m.deviceName === '/dev/xvdb') : undefined) ??
    mappings[0];
  const size = chosen?.ebs?.volumeSize;
  return size === undefined ? DEFAULT_EPHEMERAL_STORAGE_BYTES : Quantity.parse(size).value();
}
