import { Quantity } from '../resources/index.js';

/** The NodePool fields the gauges read. */
export interface NodePoolView {
  metadata: { name: string };
  spec?: { limits?: Record<string, string | number> };
}

/** The NodeClaim fields the gauges read. */
export interface NodeClaimView {
  metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string };
  status?: { capacity?: Record<string, string>; providerID?: string };
}

/** USD per hour of one offering; undefined when the catalogue does not know it. */
export type OfferingPrice = (instanceType: string, zone: string, capacityType: string) => number | undefined;

export interface NodeClaimCount {
  nodePool: string;
  instanceType: string;
  capacityType: string;
  zone: string;
  count: number;
}

/** What the cluster gauges show at one moment; values in Prometheus's base units (cores, bytes, count). */
export interface ClusterGauges {
  /** Per NodePool and resource: the capacity of its launched NodeClaims (Karpenter's `nodepools_usage`). */
  usage: { nodePool: string; resourceType: string; value: number }[];
  /** Per NodePool and resource: its `spec.limits` (`nodepools_limit`). */
  limits: { nodePool: string; resourceType: string; value: number }[];
  /** Per NodePool: the sum of its launched NodeClaims' offering prices, USD per hour. */
  costPerHour: { nodePool: string; value: number }[];
  /** Launched NodeClaims by NodePool, instance type, capacity type and zone. */
  nodeClaims: NodeClaimCount[];
}

const NODEPOOL = 'karpenter.sh/nodepool';
const INSTANCE_TYPE = 'node.kubernetes.io/instance-type';
const CAPACITY_TYPE = 'karpenter.sh/capacity-type';
const ZONE = 'topology.kubernetes.io/zone';

function number(quantity: string | number): number | undefined {
  return Quantity.tryParse(quantity)?.asNumber();
}

/**
 * The gauges from the cluster's NodePools and NodeClaims. A NodeClaim counts once it launched (it has a provider id):
 * before that it has neither capacity nor a price. Deleting NodeClaims still count, as their instances still run.
 */
export function clusterGauges(
  nodePools: readonly NodePoolView[],
  nodeClaims: readonly NodeClaimView[],
  priceOf: OfferingPrice
): ClusterGauges {
  const usage = new Map<string, Map<string, number>>();
  const cost = new Map<string, number>();
  const counts = new Map<string, NodeClaimCount>();
  for (const pool of nodePools) {
    usage.set(pool.metadata.name, new Map());
    cost.set(pool.metadata.name, 0);
  }
  for (const claim of nodeClaims) {
    if (!claim.status?.providerID) continue;
    const labels = claim.metadata.labels ?? {};
    const nodePool = labels[NODEPOOL] ?? '';
    const instanceType = labels[INSTANCE_TYPE] ?? '';
    const capacityType = labels[CAPACITY_TYPE] ?? '';
    const zone = labels[ZONE] ?? '';
    const resources = usage.get(nodePool) ?? new Map<string, number>();
    usage.set(nodePool, resources);
    resources.set('nodes', (resources.get('nodes') ?? 0) + 1);
    for (const [name, quantity] of Object.entries(claim.status.capacity ?? {})) {
      const value = number(quantity);
      if (value !== undefined) resources.set(name, (resources.get(name) ?? 0) + value);
    }
    cost.set(nodePool, (cost.get(nodePool) ?? 0) + (priceOf(instanceType, zone, capacityType) ?? 0));
    const key = [nodePool, instanceType, capacityType, zone].join('\u0000');
    const row = counts.get(key) ?? { nodePool, instanceType, capacityType, zone, count: 0 };
    row.count += 1;
    counts.set(key, row);
  }
  return {
    usage: [...usage].flatMap(([nodePool, resources]) =>
      [...resources].map(([resourceType, value]) => ({ nodePool, resourceType, value }))
    ),
    limits: nodePools.flatMap((pool) =>
      Object.entries(pool.spec?.limits ?? {}).flatMap(([resourceType, quantity]) => {
        const value = number(quantity);
        return value === undefined ? [] : [{ nodePool: pool.metadata.name, resourceType, value }];
      })
    ),
    costPerHour: [...cost].map(([nodePool, value]) => ({ nodePool, value: Math.round(value * 1e6) / 1e6 })),
    nodeClaims: [...counts.values()],
  };
}
