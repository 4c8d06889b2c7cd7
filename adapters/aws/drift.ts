/**
 * Provider drift of a launched NodeClaim (Karpenter `pkg/cloudprovider/drift.go`): its instance no longer matches
 * what the node class resolves to now — AMI, subnet, security groups — or the node class's static fields changed
 * (hash annotation). Pure: the instance and the node class arrive as arguments.
 */
import { createHash } from 'node:crypto';
import type { DriftReason } from '../../core/cloudprovider/index.js';
import type { Ec2Instance } from './instances.js';
import type { EC2NodeClass, EC2NodeClassSpec } from './nodeclass.js';

export const NODECLASS_HASH_ANNOTATION = 'karpenter.k8s.aws/ec2nodeclass-hash';
export const NODECLASS_HASH_VERSION_ANNOTATION = 'karpenter.k8s.aws/ec2nodeclass-hash-version';
/** Bumped whenever the hashed fields change, so old NodeClaims are not all declared drifted at once. */
export const NODECLASS_HASH_VERSION = 'v1';

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, canonical(v)])
    );
  }
  return value;
}

/**
 * Hash of the static spec: everything except the selector terms, whose effect is checked as dynamic drift against
 * the instance (Karpenter marks them `hash:"ignore"`).
 */
export function ec2NodeClassHash(spec: EC2NodeClassSpec): string {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { subnetSelectorTerms, securityGroupSelectorTerms, amiSelectorTerms, ...staticFields } =
    spec as EC2NodeClassSpec & {
      capacityReservationSelectorTerms?: unknown;
    };
  delete (staticFields as { capacityReservationSelectorTerms?: unknown }).capacityReservationSelectorTerms;
  return createHash('sha256')
    .update(JSON.stringify(canonical(staticFields)))
    .digest('hex')
    .slice(0, 16);
}

export function driftOf(
  instance: Ec2Instance,
  nodeClass: EC2NodeClass,
  nodeClaimAnnotations: Readonly<Record<string, string>> = {}
): DriftReason {
  const status = nodeClass.status ?? {};
  const amis = status.amis ?? [];
  if (amis.length > 0 && instance.imageId !== undefined && !amis.some((a) => a.id === instance.imageId)) {
    return 'AMIDrift';
  }
  const subnets = status.subnets ?? [];
  if (subnets.length > 0 && instance.subnetId !== undefined && !subnets.some((s) => s.id === instance.subnetId)) {
    return 'SubnetDrift';
  }
  const groups = (status.securityGroups ?? []).map((g) => g.id).sort();
  const attached = [...instance.securityGroupIds].sort();
  if (groups.length > 0 && (groups.length !== attached.length || groups.some((g, i) => g !== attached[i]))) {
    return 'SecurityGroupDrift';
  }
  const launchedWith = nodeClaimAnnotations[NODECLASS_HASH_ANNOTATION];
  const version = nodeClaimAnnotations[NODECLASS_HASH_VERSION_ANNOTATION];
  if (
    launchedWith !== undefined &&
    version === NODECLASS_HASH_VERSION &&
    launchedWith !== ec2NodeClassHash(nodeClass.spec)
  ) {
    return 'NodeClassDrift';
  }
  return '';
}
