/**
 * Value types of the CloudProvider port, after Karpenter's `pkg/cloudprovider/types.go`.
 *
 * Everything here is plain JSON (records and arrays), so an instance-type catalogue can cross a Temporal
 * activity boundary or be written to disk unchanged.
 */

/** Karpenter's capacity types (`karpenter.sh/capacity-type`). */
export type CapacityType = 'on-demand' | 'spot' | 'reserved';

/**
 * A resource list in canonical integer units: `cpu` in millicores, `memory` and `ephemeral-storage` in bytes,
 * `pods` and extended resources (`nvidia.com/gpu`, `vpc.amazonaws.com/pod-eni`, ...) as counts.
 * Numbers rather than Quantity strings because the solver adds and compares them millions of times.
 */
export type ResourceList = Record<string, number>;

/** A node-selector requirement as it appears in NodePool/NodeClaim specs and instance-type labels. */
export interface RequirementSpec {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt' | 'Gte' | 'Lte';
  values?: string[];
  minValues?: number;
}

/**
 * One way to buy an instance type: a zone and a capacity type at a price. Karpenter models an offering as a
 * requirement set; zone and capacity type are the two keys every provider fills, so they are fields here.
 */
export interface Offering {
  zone: string;
  capacityType: CapacityType;
  /** USD per hour. */
  price: number;
  /** False while the offering is known to be out of capacity (the ICE cache) or otherwise unusable. */
  available: boolean;
  /** `topology.k8s.aws/zone-id` and similar extra offering labels, if the provider knows them. */
  labels?: Record<string, string>;
  /** Capacity reservation id for `reserved` offerings. */
  reservationId?: string;
}

/**
 * What the node's kubelet withholds from pods; `allocatable = capacity − kubeReserved − systemReserved −
 * evictionThreshold` (Karpenter `InstanceTypeOverhead.Total()`).
 */
export interface InstanceTypeOverhead {
  kubeReserved: ResourceList;
  systemReserved: ResourceList;
  evictionThreshold: ResourceList;
}

export interface InstanceType {
  /** `node.kubernetes.io/instance-type`, e.g. `m5.large`. */
  name: string;
  /**
   * Labels every node of this type carries (arch, os, instance family, cpu count, ...), as requirements so that
   * multi-valued facts such as the zones it is offered in can be expressed (`topology.kubernetes.io/zone In [...]`).
   */
  requirements: RequirementSpec[];
  /** Capacity as the kubelet will report it (for AWS: memory already reduced by the VM overhead). */
  capacity: ResourceList;
  overhead: InstanceTypeOverhead;
  offerings: Offering[];
  /**
   * Launched only when the NodeClaim asks for it or nothing else remains (Karpenter AWS `ExoticInstanceTypeFilter`:
   * metal sizes, GPUs, accelerators). The provider that builds the type decides; default false.
   */
  exotic?: boolean;
}
