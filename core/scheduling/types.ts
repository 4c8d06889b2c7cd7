/**
 * Inputs and outputs of the solver. Everything is plain JSON so that the solve can run inside a Temporal activity:
 * a snapshot goes in, a plan comes out. Kubernetes objects are the minimal structural subsets the solver reads, so
 * both parsed YAML and `@kubernetes/client-node` objects fit.
 */
import type { InstanceType, RequirementSpec } from '../cloudprovider/types.js';

export type Quantity = string | number;

export interface NodeSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface PodAffinityTerm {
  labelSelector?: LabelSelector | null;
  namespaces?: string[];
  namespaceSelector?: LabelSelector | null;
  topologyKey: string;
  matchLabelKeys?: string[];
  mismatchLabelKeys?: string[];
}

export interface WeightedPodAffinityTerm {
  weight: number;
  podAffinityTerm: PodAffinityTerm;
}

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

export interface TopologySpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: string;
  labelSelector?: LabelSelector | null;
  minDomains?: number;
  nodeAffinityPolicy?: string;
  nodeTaintsPolicy?: string;
  matchLabelKeys?: string[];
}

export interface Container {
  name?: string;
  resources?: { requests?: Record<string, Quantity>; limits?: Record<string, Quantity> };
  ports?: { containerPort?: number; hostPort?: number; hostIP?: string; protocol?: string }[];
  restartPolicy?: string;
}

export interface Pod {
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    creationTimestamp?: string;
    ownerReferences?: { kind: string; name: string }[];
  };
  spec: {
    nodeName?: string;
    nodeSelector?: Record<string, string>;
    affinity?: {
      nodeAffinity?: {
        requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms: NodeSelectorTerm[] };
        preferredDuringSchedulingIgnoredDuringExecution?: { weight: number; preference: NodeSelectorTerm }[];
      };
      podAffinity?: {
        requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[];
        preferredDuringSchedulingIgnoredDuringExecution?: WeightedPodAffinityTerm[];
      };
      podAntiAffinity?: {
        requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[];
        preferredDuringSchedulingIgnoredDuringExecution?: WeightedPodAffinityTerm[];
      };
    };
    tolerations?: Toleration[];
    topologySpreadConstraints?: TopologySpreadConstraint[];
    containers: Container[];
    initContainers?: Container[];
    overhead?: Record<string, Quantity>;
    volumes?: { name: string; persistentVolumeClaim?: { claimName: string } }[];
  };
}

export interface NodePool {
  metadata: { name: string; deletionTimestamp?: string };
  spec: {
    weight?: number;
    /** Static NodePool (alpha): it keeps a fixed node count and never provisions for pending pods. */
    replicas?: number;
    limits?: Record<string, Quantity>;
    template: {
      metadata?: { labels?: Record<string, string> };
      spec: {
        requirements?: RequirementSpec[];
        taints?: Taint[];
        startupTaints?: Taint[];
        nodeClassRef?: { group: string; kind: string; name: string };
      };
    };
  };
}

/** A registered Node, or an in-flight NodeClaim not yet initialized, with the pods already bound to it. */
export interface ExistingNode {
  name: string;
  labels: Record<string, string>;
  taints?: Taint[];
  /** Ignored for placement while the node is not initialized, like Karpenter's cluster state does. */
  startupTaints?: Taint[];
  allocatable: Record<string, Quantity>;
  /** Counted against the NodePool's limits; defaults to allocatable. */
  capacity?: Record<string, Quantity>;
  /** False for a launched-but-not-initialized NodeClaim: pods may still be planned onto it. Default true. */
  initialized?: boolean;
  pods?: Pod[];
}

export interface PersistentVolumeClaim {
  metadata: { name: string; namespace?: string; annotations?: Record<string, string>; deletionTimestamp?: string };
  spec: { storageClassName?: string; volumeName?: string };
  status?: { phase?: string };
}

export interface PersistentVolume {
  metadata: { name: string; deletionTimestamp?: string };
  spec: { nodeAffinity?: { required?: { nodeSelectorTerms: NodeSelectorTerm[] } } };
}

export interface StorageClass {
  metadata: { name: string; annotations?: Record<string, string> };
  provisioner?: string;
  volumeBindingMode?: string;
  allowedTopologies?: { matchLabelExpressions?: { key: string; values: string[] }[] }[];
}

export interface SchedulingOptions {
  /** `Respect` (default): preferences start hard and are relaxed one at a time. `Ignore`: dropped up front. */
  preferencePolicy?: 'Respect' | 'Ignore';
  /** `Strict` (default): a NodeClaim that cannot keep minValues fails. `BestEffort`: minValues is lowered. */
  minValuesPolicy?: 'Strict' | 'BestEffort';
  /** Instance types kept per NodeClaim, cheapest first (the AWS provider's CreateFleet cap). Default 60. */
  maxInstanceTypes?: number;
}

export interface SchedulingInput {
  /** Pending pods to place. */
  pods: Pod[];
  nodePools: NodePool[];
  /** The instance-type catalogue; each NodePool uses the types compatible with its requirements. */
  instanceTypes: InstanceType[];
  existingNodes?: ExistingNode[];
  /** DaemonSet pod templates (metadata + spec); each new node is expected to run the compatible ones. */
  daemonSets?: Pod[];
  persistentVolumeClaims?: PersistentVolumeClaim[];
  persistentVolumes?: PersistentVolume[];
  storageClasses?: StorageClass[];
  /**
   * Namespaces with their labels, for pod (anti-)affinity `namespaceSelector`. A namespace not listed has only the
   * `kubernetes.io/metadata.name` label the API server puts on every namespace.
   */
  namespaces?: Namespace[];
  options?: SchedulingOptions;
}

export interface Namespace {
  metadata: { name: string; labels?: Record<string, string> };
}

export interface LaunchChoice {
  instanceType: string;
  zone: string;
  capacityType: string;
  /** USD per hour. */
  price: number;
}

export interface PlannedNodeClaim {
  name: string;
  nodePool: string;
  /** Launch options, cheapest first, at most `maxInstanceTypes`. */
  instanceTypes: string[];
  /** The cheapest offering this NodeClaim could get. */
  launch: LaunchChoice;
  requirements: RequirementSpec[];
  /** `namespace/name` of each pod planned onto it. */
  pods: string[];
  /** Pod requests plus the smallest DaemonSet overhead among the launch options, canonical units. */
  requests: Record<string, number>;
}

export interface SchedulingPlan {
  nodeClaims: PlannedNodeClaim[];
  existingNodes: { name: string; pods: string[] }[];
  unschedulable: { pod: string; reason: string }[];
}

export interface SolveHooks {
  /** Called now and then with the number of pods taken from the queue so far; for progress display. */
  onProgress?: (processed: number, total: number) => void;
  /**
   * Turns off every shortcut (topology pre-checks, zone-partitioned visits, blocked-pod skips, lazy option
   * pruning), leaving the plain Karpenter algorithm. For tests: the plan must be the same either way.
   */
  withoutShortcuts?: boolean;
}
