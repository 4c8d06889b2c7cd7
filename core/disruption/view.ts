import type { V1Node, V1Pod, V1PodDisruptionBudget } from '@kubernetes/client-node';
import { DO_NOT_DISRUPT_ANNOTATION, doNotDisruptActive, parseGoDuration } from '../lifecycle/do-not-disrupt.js';
import type { ProvisioningSnapshot } from '../provisioning/snapshot.js';
import { compileSelector } from '../scheduling/selector.js';
import { DEFAULT_BUDGETS, type Budget } from './budgets.js';
import { fnv1a } from './digest.js';
import type { DisruptionNode, DisruptionPod, DisruptionPool, DisruptionView } from './types.js';

/** What the loop remembers per node between passes, to know when a pod last came or went. */
export type PodEventMemory = Record<string, { pods: string; since: string }>;

export interface ViewInputs {
  snapshot: ProvisioningSnapshot;
  pdbs: V1PodDisruptionBudget[];
  /** USD per hour of an offering; undefined when the catalogue does not know it. */
  offeringPrice: (instanceType: string, zone: string, capacityType: string) => number | undefined;
  /** Drift per NodeClaim name, from the NodePool comparison and the cloud provider. */
  drift: Record<string, string | undefined>;
  podEvents: PodEventMemory;
  now: Date;
}

interface ClaimView {
  metadata: {
    name: string;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
  };
  spec: { expireAfter?: string };
  status?: { nodeName?: string; conditions?: { type: string; status: string; lastTransitionTime?: string }[] };
}

interface PoolView {
  metadata: { name: string; deletionTimestamp?: string };
  spec: {
    disruption?: { consolidationPolicy?: string; consolidateAfter?: string; budgets?: Budget[] };
    template: { spec: { terminationGracePeriod?: string } };
  };
}

const isTerminal = (pod: V1Pod): boolean => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

/** Karpenter's per-pod disruption cost: deletion cost and priority nudge a baseline of 1, clamped to ±10. */
function podCost(pod: V1Pod): number {
  const deletionCost = Number(pod.metadata?.annotations?.['controller.kubernetes.io/pod-deletion-cost'] ?? 0) || 0;
  const priority = pod.spec?.priority ?? 0;
  return Math.min(10, Math.max(-10, 1 + deletionCost / 2 ** 27 + priority / 2 ** 25));
}

interface CompiledBudget {
  pdb: V1PodDisruptionBudget;
  matches: (labels: Record<string, string>) => boolean;
}

/** PodDisruptionBudgets by namespace with their selectors compiled once per view, not once per pod. */
function budgetsByNamespace(pdbs: V1PodDisruptionBudget[]): Map<string | undefined, CompiledBudget[]> {
  const byNamespace = new Map<string | undefined, CompiledBudget[]>();
  for (const pdb of pdbs) {
    if (!pdb.spec?.selector) continue;
    const namespace = pdb.metadata?.namespace;
    let list = byNamespace.get(namespace);
    if (list === undefined) byNamespace.set(namespace, (list = []));
    list.push({ pdb, matches: compileSelector(pdb.spec.selector as Parameters<typeof compileSelector>[0]) });
  }
  return byNamespace;
}

function budgetBlock(pod: V1Pod, budgets: Map<string | undefined, CompiledBudget[]>): string | undefined {
  const labels = pod.metadata?.labels ?? {};
  const covering = (budgets.get(pod.metadata?.namespace) ?? []).filter((b) => b.matches(labels)).map((b) => b.pdb);
  if (covering.length > 1)
    return `covered by several PodDisruptionBudgets (${covering.map((b) => b.metadata?.name).join(', ')})`;
  const pdb = covering[0];
  if (pdb && (pdb.status?.disruptionsAllowed ?? 0) <= 0)
    return `PodDisruptionBudget ${pdb.metadata?.namespace}/${pdb.metadata?.name} allows no disruption now`;
  return undefined;
}

function pool(p: PoolView): DisruptionPool {
  const policy = p.spec.disruption?.consolidationPolicy;
  const after = p.spec.disruption?.consolidateAfter ?? '0s';
  return {
    name: p.metadata.name,
    consolidationPolicy: policy === 'WhenEmpty' || policy === 'Balanced' ? policy : 'WhenEmptyOrUnderutilized',
    consolidateAfterMs: after === 'Never' ? null : (parseGoDuration(after) ?? 0),
    budgets: p.spec.disruption?.budgets ?? DEFAULT_BUDGETS,
    hasTerminationGracePeriod: Boolean(p.spec.template.spec.terminationGracePeriod),
  };
}

/** A short, order-free digest of a node's pods: it changes exactly when a pod comes or goes. */
function podsDigest(pods: V1Pod[]): string {
  const keys = pods.map((p) => p.metadata?.uid ?? `${p.metadata?.namespace}/${p.metadata?.name}`).sort();
  return `${keys.length}:${fnv1a(keys.join('|'))}`;
}

/**
 * The disruption controller's view of the cluster, pure: every NodeClaim with a Node, its pods as disruption sees
 * them, its price, drift and expiry, and when its pods last changed (from `podEvents`, which the caller keeps
 * between passes and gets back updated). Nodes whose price is unknown are returned apart, with why.
 */
export function disruptionView(inputs: ViewInputs): {
  view: DisruptionView;
  podEvents: PodEventMemory;
  unpriced: { nodeClaim: string; why: string }[];
} {
  const { snapshot, now } = inputs;
  const nodes = new Map((snapshot.nodes as V1Node[]).map((n) => [n.metadata?.name ?? '', n]));
  // Appended in place: copying the node's list for every pod made this quadratic in pods per node.
  const podsByNode = new Map<string, V1Pod[]>();
  for (const pod of snapshot.pods) {
    const node = pod.spec?.nodeName;
    if (!node || isTerminal(pod)) continue;
    let pods = podsByNode.get(node);
    if (pods === undefined) podsByNode.set(node, (pods = []));
    pods.push(pod);
  }
  const budgets = budgetsByNamespace(inputs.pdbs);
  const podEvents: PodEventMemory = {};
  const unpriced: { nodeClaim: string; why: string }[] = [];
  const result: DisruptionNode[] = [];
  for (const claim of snapshot.nodeClaims as unknown as ClaimView[]) {
    const nodeName = claim.status?.nodeName;
    const node = nodeName ? nodes.get(nodeName) : undefined;
    if (!nodeName || !node) continue;
    const labels = claim.metadata.labels ?? {};
    const instanceType = labels['node.kubernetes.io/instance-type'] ?? '';
    const zone = labels['topology.kubernetes.io/zone'] ?? '';
    const capacityType = labels['karpenter.sh/capacity-type'] ?? '';
    const price = inputs.offeringPrice(instanceType, zone, capacityType);
    const live = (podsByNode.get(nodeName) ?? []).filter((p) => !p.metadata?.deletionTimestamp);
    const initializedAt = claim.status?.conditions?.find(
      (c) => c.type === 'Initialized' && c.status === 'True'
    )?.lastTransitionTime;
    const digest = podsDigest(live);
    const previous = inputs.podEvents[nodeName];
    // First sight: the later of initialization and the newest pod's start.
    const stamps = [
      initializedAt ?? claim.metadata.creationTimestamp,
      ...live.map((p) => p.status?.startTime ?? p.metadata?.creationTimestamp),
    ]
      .map((t) => (t === undefined ? Number.NaN : new Date(t as string | Date).getTime()))
      .filter((t) => !Number.isNaN(t));
    const firstSeen = new Date(stamps.length ? Math.max(...stamps) : now.getTime()).toISOString();
    const since = previous === undefined ? firstSeen : previous.pods === digest ? previous.since : now.toISOString();
    podEvents[nodeName] = { pods: digest, since };
    if (price === undefined) {
      unpriced.push({
        nodeClaim: claim.metadata.name,
        why: `no price known for ${instanceType} ${capacityType} in ${zone}`,
      });
      continue;
    }
    const pods: DisruptionPod[] = live.map((pod) => {
      const started = pod.status?.startTime ? new Date(pod.status.startTime as unknown as string) : undefined;
      const daemon = pod.metadata?.ownerReferences?.some((o) => o.kind === 'DaemonSet') ?? false;
      const mirror = pod.metadata?.annotations?.['kubernetes.io/config.mirror'] !== undefined;
      const blockedByBudget = budgetBlock(pod, budgets);
      return {
        key: `${pod.metadata?.namespace}/${pod.metadata?.name}`,
        reschedulable: !daemon && !mirror,
        doNotDisrupt: doNotDisruptActive(pod.metadata?.annotations?.[DO_NOT_DISRUPT_ANNOTATION], started, now),
        ...(blockedByBudget ? { blockedByBudget } : {}),
        cost: podCost(pod),
      };
    });
    const expireAfter = claim.spec.expireAfter ?? '720h';
    const expireMs = expireAfter === 'Never' ? undefined : parseGoDuration(expireAfter);
    const created = claim.metadata.creationTimestamp ?? now.toISOString();
    const drifted = inputs.drift[claim.metadata.name];
    result.push({
      nodeClaim: claim.metadata.name,
      nodeName,
      nodePool: labels['karpenter.sh/nodepool'] ?? '',
      instanceType,
      zone,
      capacityType,
      price,
      createdAt: created,
      initialized: initializedAt !== undefined,
      ready: node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
      deleting:
        Boolean(claim.metadata.deletionTimestamp || node.metadata?.deletionTimestamp) ||
        (node.spec?.taints ?? []).some((t) => t.key === 'karpenter.sh/disrupted'),
      doNotDisrupt: node.metadata?.annotations?.[DO_NOT_DISRUPT_ANNOTATION] === 'true',
      pods,
      ...(drifted ? { drifted } : {}),
      ...(expireMs !== undefined ? { expiresAt: new Date(Date.parse(created) + expireMs).toISOString() } : {}),
      lastPodEventAt: since,
    });
  }
  const pools = (snapshot.nodePools as unknown as PoolView[]).filter((p) => !p.metadata.deletionTimestamp).map(pool);
  return { view: { nodes: result, pools }, podEvents, unpriced };
}
