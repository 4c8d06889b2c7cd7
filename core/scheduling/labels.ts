/**
 * Label keys the solver treats specially. Kept local so the hot path has no dependency on the schema module;
 * values follow Karpenter v1 (`pkg/apis/v1/labels.go`) and the AWS provider.
 */
export const LABEL_HOSTNAME = 'kubernetes.io/hostname';
export const LABEL_ZONE = 'topology.kubernetes.io/zone';
export const LABEL_REGION = 'topology.kubernetes.io/region';
export const LABEL_CAPACITY_TYPE = 'karpenter.sh/capacity-type';
export const LABEL_INSTANCE_TYPE = 'node.kubernetes.io/instance-type';
export const LABEL_NODEPOOL = 'karpenter.sh/nodepool';
export const LABEL_ARCH = 'kubernetes.io/arch';
export const LABEL_OS = 'kubernetes.io/os';

/** Deprecated keys rewritten to their stable form before any comparison (Karpenter `NormalizedLabels`). */
export const NORMALIZED_LABELS: Readonly<Record<string, string>> = {
  'failure-domain.beta.kubernetes.io/zone': LABEL_ZONE,
  'failure-domain.beta.kubernetes.io/region': LABEL_REGION,
  'beta.kubernetes.io/arch': LABEL_ARCH,
  'beta.kubernetes.io/os': LABEL_OS,
  'beta.kubernetes.io/instance-type': LABEL_INSTANCE_TYPE,
};

export function normalizeKey(key: string): string {
  return NORMALIZED_LABELS[key] ?? key;
}

/**
 * Labels a NodeClaim may leave undefined in its requirements because the instance type or offering will supply
 * them (Karpenter `WellKnownLabels`). The solver adds every key any instance type defines.
 */
export const CORE_WELL_KNOWN_LABELS: readonly string[] = [
  LABEL_NODEPOOL,
  LABEL_ZONE,
  LABEL_REGION,
  LABEL_INSTANCE_TYPE,
  LABEL_ARCH,
  LABEL_OS,
  LABEL_CAPACITY_TYPE,
  'node.kubernetes.io/windows-build',
];
