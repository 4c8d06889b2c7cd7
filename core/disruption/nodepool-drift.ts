import type { RequirementSpec } from '../cloudprovider/types.js';
import { Requirement } from '../requirements/index.js';

interface Taint {
  key: string;
  value?: string;
  effect: string;
}

export interface NodePoolTemplateView {
  metadata: { name: string };
  spec: {
    template: {
      metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
      spec: {
        requirements?: RequirementSpec[];
        taints?: Taint[];
        startupTaints?: Taint[];
        nodeClassRef: { group: string; kind: string; name: string };
        expireAfter?: string;
        terminationGracePeriod?: string;
      };
    };
  };
}

export interface NodeClaimDriftView {
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    taints?: Taint[];
    startupTaints?: Taint[];
    nodeClassRef: { group: string; kind: string; name: string };
    expireAfter?: string;
    terminationGracePeriod?: string;
  };
}

const taintSet = (taints: Taint[] | undefined): string =>
  (taints ?? [])
    .map((t) => `${t.key}=${t.value ?? ''}:${t.effect}`)
    .sort()
    .join(',');

function satisfies(labels: Record<string, string>, r: RequirementSpec): boolean {
  const value = labels[r.key];
  // A key the NodeClaim has no label for was never pinned at launch (Karpenter treats it as compatible).
  return value === undefined || Requirement.fromNodeSelectorRequirement(r).matches(value);
}

/**
 * Drift of a NodeClaim from its NodePool, compared field by field rather than through Karpenter's hash
 * annotation, so NodeClaims created before a change are judged the same way: the template's labels, annotations,
 * taints, startup taints, node class, expireAfter and terminationGracePeriod (Karpenter's static drift), and the
 * pool's requirements against the NodeClaim's labels (requirements drift). Undefined when nothing drifted.
 */
export function nodePoolDrift(claim: NodeClaimDriftView, pool: NodePoolTemplateView): string | undefined {
  const template = pool.spec.template;
  const labels = claim.metadata.labels ?? {};
  for (const [key, value] of Object.entries(template.metadata?.labels ?? {}))
    if (labels[key] !== value) return `NodePool label ${key}=${value} (NodeClaim has ${labels[key] ?? 'none'})`;
  const annotations = claim.metadata.annotations ?? {};
  for (const [key, value] of Object.entries(template.metadata?.annotations ?? {}))
    if (annotations[key] !== value) return `NodePool annotation ${key} changed`;
  if (taintSet(template.spec.taints) !== taintSet(claim.spec.taints)) return 'NodePool taints changed';
  if (taintSet(template.spec.startupTaints) !== taintSet(claim.spec.startupTaints))
    return 'NodePool startupTaints changed';
  const ref = template.spec.nodeClassRef;
  if (ref.name !== claim.spec.nodeClassRef.name || ref.kind !== claim.spec.nodeClassRef.kind)
    return `NodePool nodeClassRef is now ${ref.kind}/${ref.name}`;
  if ((template.spec.expireAfter ?? '720h') !== (claim.spec.expireAfter ?? '720h'))
    return `NodePool expireAfter is now ${template.spec.expireAfter ?? '720h'}`;
  if ((template.spec.terminationGracePeriod ?? '') !== (claim.spec.terminationGracePeriod ?? ''))
    return 'NodePool terminationGracePeriod changed';
  for (const requirement of template.spec.requirements ?? [])
    if (!satisfies(labels, requirement))
      return `NodePool requirement ${requirement.key} ${requirement.operator} ${(requirement.values ?? []).join(',')} no longer holds (${labels[requirement.key] ?? 'unset'})`;
  return undefined;
}
