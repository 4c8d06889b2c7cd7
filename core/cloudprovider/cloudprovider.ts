import type { InstanceType, RequirementSpec, ResourceList } from './types.js';

/**
 * The smallest view of a NodeClaim the port needs. The full object is `apis/`'s NodeClaim; this structural type
 * keeps the port free of a dependency on the schema module and lets any richer NodeClaim be passed in.
 */
export interface NodeClaimLike {
  metadata: { name: string; uid?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    requirements: RequirementSpec[];
    resources?: { requests?: Record<string, string | number> };
    nodeClassRef: { group: string; kind: string; name: string };
    taints?: { key: string; value?: string; effect: string }[];
    startupTaints?: { key: string; value?: string; effect: string }[];
  };
  status?: {
    providerID?: string;
    imageID?: string;
    nodeName?: string;
    capacity?: Record<string, string>;
    allocatable?: Record<string, string>;
  };
}

export interface NodePoolLike {
  metadata: { name: string };
  spec: {
    template: {
      spec: { requirements: RequirementSpec[]; nodeClassRef: { group: string; kind: string; name: string } };
    };
  };
}

/** What Create returns: the launched instance described as a NodeClaim status plus the labels it resolved to. */
export interface LaunchedNodeClaim {
  providerID: string;
  imageID?: string;
  /** Resolved single values: instance type, zone, capacity type, arch and every instance-type label. */
  labels: Record<string, string>;
  capacity: ResourceList;
  allocatable: ResourceList;
}

/** An instance the provider knows about, as returned by Get and List. */
export interface CloudInstance {
  providerID: string;
  nodeClaimName?: string;
  nodePoolName?: string;
  instanceType: string;
  zone: string;
  capacityType: string;
  state: string;
  /** RFC3339 launch time; Karpenter's garbage collector ignores instances younger than 30 s. */
  launchTime: string;
}

/** Empty string means not drifted; any other value is the `Drifted` condition reason, e.g. `AMIDrift`. */
export type DriftReason = '' | 'AMIDrift' | 'SubnetDrift' | 'SecurityGroupDrift' | 'NodeClassDrift' | (string & {});

/**
 * The port every cloud implements (Karpenter `cloudprovider.CloudProvider`). All methods may be retried by the
 * caller (a Temporal activity retry policy); implementations must make each one safe to repeat. Errors are the
 * typed ones from `errors.ts`, recognised by their `type` string.
 */
export interface CloudProvider {
  /**
   * Launch one instance for the NodeClaim, choosing among its requirements' instance types and offerings.
   * Idempotent per NodeClaim: a repeat call for the same NodeClaim (same uid) returns the instance already
   * launched instead of launching a second one (EC2: CreateFleet ClientToken = NodeClaim uid).
   * Throws InsufficientCapacityError when no allowed offering has capacity (the caller deletes the NodeClaim),
   * NodeClassNotReadyError when the node class is not Ready (the caller deletes the NodeClaim), CreateError for
   * anything else (the caller retries until the launch timeout).
   */
  create(nodeClaim: NodeClaimLike): Promise<LaunchedNodeClaim>;

  /**
   * Terminate the NodeClaim's instance. Throws NodeClaimNotFoundError once the instance is gone, which callers
   * treat as success; callers repeat delete until they get it (Karpenter requeues every 5 s).
   */
  delete(nodeClaim: NodeClaimLike): Promise<void>;

  /** The instance with this provider id. Throws NodeClaimNotFoundError when it does not exist or is terminated. */
  get(providerID: string): Promise<CloudInstance>;

  /** Every instance this cluster's provider launched and that is not terminated; used by garbage collection. */
  list(): Promise<CloudInstance[]>;

  /**
   * Instance types a NodePool may launch, with capacity, overhead and offerings (price, availability). Read-only;
   * may be served from a cache (Karpenter: 5 min for types and offerings). Offerings recently out of capacity are
   * returned with `available: false`.
   */
  getInstanceTypes(nodePool: NodePoolLike): Promise<InstanceType[]>;

  /** Provider-specific drift of a launched NodeClaim (AMI, subnets, security groups, node class hash). Read-only. */
  isDrifted(nodeClaim: NodeClaimLike): Promise<DriftReason>;

  /** Short provider name, e.g. `aws`; used in labels, metrics and logs. */
  name(): string;
}
