/**
 * Well-known and restricted node labels of Karpenter (`karpenter.sh`) and of the AWS provider (`karpenter.k8s.aws`).
 *
 * Pure data plus two predicates. The requirement algebra (`core/requirements/`) and the zod schemas (`apis/`) both read
 * these sets, so a label is well-known or restricted in exactly one place.
 */

export const GROUP = 'karpenter.sh';
export const AWS_GROUP = 'karpenter.k8s.aws';

export const LABEL_NODEPOOL = 'karpenter.sh/nodepool';
export const LABEL_CAPACITY_TYPE = 'karpenter.sh/capacity-type';
export const LABEL_REGISTERED = 'karpenter.sh/registered';
export const LABEL_INITIALIZED = 'karpenter.sh/initialized';
export const LABEL_DO_NOT_SYNC_TAINTS = 'karpenter.sh/do-not-sync-taints';

export const LABEL_TOPOLOGY_ZONE = 'topology.kubernetes.io/zone';
export const LABEL_TOPOLOGY_REGION = 'topology.kubernetes.io/region';
export const LABEL_INSTANCE_TYPE = 'node.kubernetes.io/instance-type';
export const LABEL_ARCH = 'kubernetes.io/arch';
export const LABEL_OS = 'kubernetes.io/os';
export const LABEL_WINDOWS_BUILD = 'node.kubernetes.io/windows-build';
export const LABEL_HOSTNAME = 'kubernetes.io/hostname';

export const CAPACITY_TYPE_SPOT = 'spot';
export const CAPACITY_TYPE_ON_DEMAND = 'on-demand';
export const CAPACITY_TYPE_RESERVED = 'reserved';
export const CAPACITY_TYPES = [CAPACITY_TYPE_ON_DEMAND, CAPACITY_TYPE_SPOT, CAPACITY_TYPE_RESERVED] as const;

export const ARCH_AMD64 = 'amd64';
export const ARCH_ARM64 = 'arm64';

/** Deprecated label keys that Karpenter rewrites to their stable form before any comparison. */
export const NORMALIZED_LABELS: Readonly<Record<string, string>> = Object.freeze({
  'failure-domain.beta.kubernetes.io/zone': LABEL_TOPOLOGY_ZONE,
  'failure-domain.beta.kubernetes.io/region': LABEL_TOPOLOGY_REGION,
  'beta.kubernetes.io/arch': LABEL_ARCH,
  'beta.kubernetes.io/os': LABEL_OS,
  'beta.kubernetes.io/instance-type': LABEL_INSTANCE_TYPE,
});

/** Labels under a restricted domain that Karpenter core still lets users put in requirements and selectors. */
export const CORE_WELL_KNOWN_LABELS: ReadonlySet<string> = new Set([
  LABEL_NODEPOOL,
  LABEL_TOPOLOGY_ZONE,
  LABEL_TOPOLOGY_REGION,
  LABEL_INSTANCE_TYPE,
  LABEL_ARCH,
  LABEL_OS,
  LABEL_CAPACITY_TYPE,
  LABEL_WINDOWS_BUILD,
]);

export const AWS_LABEL_INSTANCE_CATEGORY = 'karpenter.k8s.aws/instance-category';
export const AWS_LABEL_INSTANCE_FAMILY = 'karpenter.k8s.aws/instance-family';
export const AWS_LABEL_INSTANCE_GENERATION = 'karpenter.k8s.aws/instance-generation';
export const AWS_LABEL_INSTANCE_SIZE = 'karpenter.k8s.aws/instance-size';
export const AWS_LABEL_INSTANCE_CPU = 'karpenter.k8s.aws/instance-cpu';
export const AWS_LABEL_INSTANCE_MEMORY = 'karpenter.k8s.aws/instance-memory';
export const AWS_LABEL_TOPOLOGY_ZONE_ID = 'topology.k8s.aws/zone-id';

/** Instance-type labels the AWS provider writes on NodeClaims and Nodes (karpenter-behaviour.md §1.4). */
export const AWS_WELL_KNOWN_LABELS: ReadonlySet<string> = new Set([
  AWS_LABEL_INSTANCE_CATEGORY,
  AWS_LABEL_INSTANCE_FAMILY,
  AWS_LABEL_INSTANCE_GENERATION,
  AWS_LABEL_INSTANCE_SIZE,
  AWS_LABEL_INSTANCE_CPU,
  'karpenter.k8s.aws/instance-cpu-manufacturer',
  'karpenter.k8s.aws/instance-cpu-sustained-clock-speed-mhz',
  AWS_LABEL_INSTANCE_MEMORY,
  'karpenter.k8s.aws/instance-ebs-bandwidth',
  'karpenter.k8s.aws/instance-network-bandwidth',
  'karpenter.k8s.aws/instance-hypervisor',
  'karpenter.k8s.aws/instance-encryption-in-transit-supported',
  'karpenter.k8s.aws/instance-local-nvme',
  'karpenter.k8s.aws/instance-gpu-name',
  'karpenter.k8s.aws/instance-gpu-manufacturer',
  'karpenter.k8s.aws/instance-gpu-count',
  'karpenter.k8s.aws/instance-gpu-memory',
  'karpenter.k8s.aws/instance-accelerator-name',
  'karpenter.k8s.aws/instance-accelerator-manufacturer',
  'karpenter.k8s.aws/instance-accelerator-count',
  'karpenter.k8s.aws/instance-capability-flex',
  'karpenter.k8s.aws/instance-tenancy',
  'karpenter.k8s.aws/nitro-sandbox',
  'karpenter.k8s.aws/capacity-reservation-id',
  'karpenter.k8s.aws/capacity-reservation-type',
  'karpenter.k8s.aws/capacity-reservation-interruptible',
  'karpenter.k8s.aws/placement-group-id',
  'karpenter.k8s.aws/placement-group-partition',
  AWS_LABEL_TOPOLOGY_ZONE_ID,
]);

/** Every label the AWS build of Karpenter treats as well-known: undefined on a NodePool means "any value". */
export const WELL_KNOWN_LABELS: ReadonlySet<string> = new Set([...CORE_WELL_KNOWN_LABELS, ...AWS_WELL_KNOWN_LABELS]);

/** Domains whose labels belong to Kubernetes, Karpenter or the AWS provider, not to users. */
export const RESTRICTED_LABEL_DOMAINS: readonly string[] = ['kubernetes.io', 'k8s.io', GROUP, AWS_GROUP];

/** Sub-domains of restricted domains that users may still label with (kOps, node-role style labels). */
export const LABEL_DOMAIN_EXCEPTIONS: readonly string[] = [
  'kops.k8s.io',
  'node.kubernetes.io',
  'node-restriction.kubernetes.io',
];

/** Individual keys that would break provisioning if a user set them. */
export const RESTRICTED_LABELS: ReadonlySet<string> = new Set([LABEL_HOSTNAME]);

/** Well-known resource names every instance type reports. */
export const WELL_KNOWN_RESOURCES: ReadonlySet<string> = new Set(['cpu', 'memory', 'ephemeral-storage', 'pods']);

/** Extended resources the AWS provider knows how to count on an instance type. */
export const AWS_EXTENDED_RESOURCES: ReadonlySet<string> = new Set([
  'nvidia.com/gpu',
  'amd.com/gpu',
  'aws.amazon.com/neuron',
  'aws.amazon.com/neuroncore',
  'habana.ai/gaudi',
  'vpc.amazonaws.com/pod-eni',
  'vpc.amazonaws.com/efa',
]);

/**
 * The part of a label key before the first `/` (the whole key when there is none). This is what Karpenter's CEL rules
 * test with `key.find("^([^/]+)")`, so the runtime and the apiserver reach the same verdict on odd keys.
 */
export function labelDomain(key: string): string {
  const slash = key.indexOf('/');
  return slash < 0 ? key : key.slice(0, slash);
}

/** Rewrites a deprecated alias (e.g. `beta.kubernetes.io/arch`) to its stable key; other keys are returned unchanged. */
export function normalizeLabelKey(key: string): string {
  return NORMALIZED_LABELS[key] ?? key;
}

// A plain suffix test, as in Karpenter (`strings.HasSuffix` in Go, `endsWith` in CEL): `xkubernetes.io` is restricted too.
function domainMatches(domain: string, suffix: string): boolean {
  return domain.endsWith(suffix);
}

/**
 * Why a label key may not appear in a NodePool's requirements or template labels, or undefined when it may.
 * Aliases are normalised first, so `beta.kubernetes.io/arch` is as acceptable as `kubernetes.io/arch`.
 * `karpenter.sh/nodepool` is well-known (pods may select on it) but Karpenter sets it itself, so NodePools may not.
 */
export function restrictedLabelReason(key: string): string | undefined {
  const normalized = normalizeLabelKey(key);
  if (normalized === LABEL_NODEPOOL) return `label "${LABEL_NODEPOOL}" is restricted`;
  if (WELL_KNOWN_LABELS.has(normalized)) return undefined;
  if (RESTRICTED_LABELS.has(normalized)) return `label "${normalized}" is restricted`;
  const domain = labelDomain(normalized);
  if (LABEL_DOMAIN_EXCEPTIONS.some((exception) => domainMatches(domain, exception))) return undefined;
  const restricted = RESTRICTED_LABEL_DOMAINS.find((restrictedDomain) => domainMatches(domain, restrictedDomain));
  return restricted === undefined ? undefined : `label domain "${restricted}" is restricted`;
}
