import { createHash } from 'node:crypto';
import { toQuantities } from '../lifecycle/resource-quantities.js';
import type { PlannedNodeClaim } from '../scheduling/types.js';

/** Annotation that ties a NodeClaim to the plan that created it, so a retried create recognises its own object. */
export const PLAN_ANNOTATION = 'karpenter-temporal.sh/plan';

/**
 * The name of the `index`-th NodeClaim of a provisioning round: `<nodepool>-<5 chars>`, like Karpenter's, but
 * derived from the provisioner's identity and round instead of random, so a replayed or retried round names the
 * same NodeClaims and never creates one twice.
 */
export function nodeClaimName(nodePool: string, provisionerKey: string, round: number, index: number): string {
  const digest = createHash('sha256').update(`${provisionerKey}/${round}/${index}`).digest();
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += alphabet[digest[i]! % alphabet.length];
  return `${nodePool}-${suffix}`;
}

interface NodePoolTemplate {
  metadata: { name: string; uid?: string };
  spec: {
    template: {
      metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
      spec: {
        nodeClassRef: { group: string; kind: string; name: string };
        taints?: unknown[];
        startupTaints?: unknown[];
        expireAfter?: string;
        terminationGracePeriod?: string;
      };
    };
  };
}

/** The finalizer that holds a NodeClaim until its instance is gone (Karpenter's `karpenter.sh/termination`). */
export const TERMINATION_FINALIZER = 'karpenter.sh/termination';

/**
 * The NodeClaim object for a planned claim: the pool's template plus the plan's requirements and requests. It is
 * created with the termination finalizer that Karpenter's lifecycle controller adds on its first reconcile, so the
 * NodeClaim workflow's first step finds it in place and launches without another write.
 */
export function nodeClaimManifest(
  planned: PlannedNodeClaim,
  nodePool: NodePoolTemplate,
  name: string,
  planRef: string
) {
  const template = nodePool.spec.template;
  // Exact quantities: the solver's formatResource is for display and rounds bytes that are not whole KiB.
  const requests = toQuantities(planned.requests);
  return {
    apiVersion: 'karpenter.sh/v1',
    kind: 'NodeClaim',
    metadata: {
      name,
      labels: { ...template.metadata?.labels, 'karpenter.sh/nodepool': nodePool.metadata.name },
      annotations: { ...template.metadata?.annotations, [PLAN_ANNOTATION]: planRef },
      finalizers: [TERMINATION_FINALIZER],
      ...(nodePool.metadata.uid
        ? {
            ownerReferences: [
              {
                apiVersion: 'karpenter.sh/v1',
                kind: 'NodePool',
                name: nodePool.metadata.name,
                uid: nodePool.metadata.uid,
                blockOwnerDeletion: true,
              },
            ],
          }
        : {}),
    },
    spec: {
      requirements: planned.requirements,
      nodeClassRef: template.spec.nodeClassRef,
      ...(template.spec.taints?.length ? { taints: template.spec.taints } : {}),
      ...(template.spec.startupTaints?.length ? { startupTaints: template.spec.startupTaints } : {}),
      ...(template.spec.expireAfter ? { expireAfter: template.spec.expireAfter } : {}),
      ...(template.spec.terminationGracePeriod ? { terminationGracePeriod: template.spec.terminationGracePeriod } : {}),
      resources: { requests },
    },
  };
}
