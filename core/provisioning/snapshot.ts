import type { V1DaemonSet, V1Node, V1Pod } from '@kubernetes/client-node';
import type { InstanceType } from '../cloudprovider/types.js';
import type { ExistingNode, NodePool, Pod, SchedulingInput } from '../scheduling/types.js';

/** A pod planned onto a NodeClaim that has not launched yet (see workflows/provisioning/state.ts). */
export interface NominationRef {
  nodeClaim: string;
}

export interface ProvisioningSnapshot {
  pods: V1Pod[];
  nodes: V1Node[];
  nodeClaims: Record<string, unknown>[];
  nodePools: Record<string, unknown>[];
  daemonSets: V1DaemonSet[];
  persistentVolumeClaims?: unknown[];
  persistentVolumes?: unknown[];
  storageClasses?: unknown[];
}

interface NodeClaimView {
  metadata: { name: string; uid?: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec: { taints?: ExistingNode['taints']; startupTaints?: ExistingNode['taints'] };
  status?: {
    nodeName?: string;
    allocatable?: Record<string, string>;
    capacity?: Record<string, string>;
    conditions?: { type: string; status: string }[];
  };
}

/** Taints a booting node carries that say nothing about what may run on it later (Karpenter ignores them too). */
const EPHEMERAL_TAINT_KEYS = new Set([
  'node.kubernetes.io/not-ready',
  'node.kubernetes.io/unreachable',
  'node.cloudprovider.kubernetes.io/uninitialized',
  'karpenter.sh/unregistered',
]);

export function podKey(pod: { metadata?: { namespace?: string; name?: string } }): string {
  return `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name ?? ''}`;
}

/** Karpenter's "provisionable": pending, marked Unschedulable by kube-scheduler, not bound, not a DaemonSet pod. */
export function isProvisionable(pod: V1Pod): boolean {
  if (pod.spec?.nodeName || pod.metadata?.deletionTimestamp) return false;
  if (pod.status?.phase && pod.status.phase !== 'Pending') return false;
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (!(scheduled?.status === 'False' && scheduled.reason === 'Unschedulable')) return false;
  return !pod.metadata?.ownerReferences?.some((o) => o.kind === 'DaemonSet');
}

function isTerminal(pod: V1Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

const initialized = (claim: NodeClaimView): boolean =>
  claim.status?.conditions?.some((c) => c.type === 'Initialized' && c.status === 'True') ?? false;

export interface SchedulingView {
  input: SchedulingInput;
  /** Nominations that still hold: the claim exists, is not deleting, not yet initialized, and the pod still waits. */
  activeNominations: Record<string, NominationRef>;
  /** Provisionable pods left out of this solve because they are nominated to a claim. */
  nominatedPods: number;
}

/**
 * The solver's input from a cluster snapshot, Karpenter's cluster-state view: Ready and booting Nodes with their
 * pods; launched-but-unregistered NodeClaims as not-yet-initialized nodes (startup and boot taints ignored) holding
 * the pods nominated to them; pods nominated to a claim that has not launched are left out, so the next batch
 * cannot buy a second node for them.
 */
export function schedulingView(
  snapshot: ProvisioningSnapshot,
  nominations: Record<string, NominationRef>,
  instanceTypes: InstanceType[]
): SchedulingView {
  const claims = snapshot.nodeClaims as unknown as NodeClaimView[];
  const claimByName = new Map(claims.map((c) => [c.metadata.name, c]));
  const claimByNode = new Map(claims.filter((c) => c.status?.nodeName).map((c) => [c.status!.nodeName!, c]));
  const provisionable = snapshot.pods.filter(isProvisionable);

  const activeNominations: Record<string, NominationRef> = {};
  for (const pod of provisionable) {
    const key = podKey(pod);
    const nomination = nominations[key];
    const claim = nomination && claimByName.get(nomination.nodeClaim);
    if (claim && !claim.metadata.deletionTimestamp && !initialized(claim)) activeNominations[key] = nomination;
  }
  const pending = provisionable.filter((p) => !activeNominations[podKey(p)]);
  const nominatedTo = new Map<string, V1Pod[]>();
  for (const pod of provisionable) {
    const nomination = activeNominations[podKey(pod)];
    if (!nomination) continue;
    let pods = nominatedTo.get(nomination.nodeClaim);
    if (pods === undefined) nominatedTo.set(nomination.nodeClaim, (pods = []));
    pods.push(pod);
  }

  const boundPods = new Map<string, V1Pod[]>();
  for (const pod of snapshot.pods) {
    const node = pod.spec?.nodeName;
    if (!node || isTerminal(pod) || pod.metadata?.deletionTimestamp) continue;
    // Appended in place (a copy per pod was quadratic in pods per node).
    let pods = boundPods.get(node);
    if (pods === undefined) boundPods.set(node, (pods = []));
    pods.push(pod);
  }

  const existingNodes: ExistingNode[] = [];
  for (const node of snapshot.nodes) {
    const name = node.metadata?.name;
    if (!name || node.metadata?.deletionTimestamp) continue;
    const taints = node.spec?.taints ?? [];
    if (taints.some((t) => t.key === 'karpenter.sh/disrupted')) continue; // being drained: nothing new lands there
    const claim = claimByNode.get(name);
    const booting = claim !== undefined && !initialized(claim);
    existingNodes.push({
      name,
      labels: node.metadata?.labels ?? {},
      taints: (booting ? taints.filter((t) => !EPHEMERAL_TAINT_KEYS.has(t.key)) : taints) as ExistingNode['taints'],
      ...(claim?.spec.startupTaints ? { startupTaints: claim.spec.startupTaints } : {}),
      allocatable: (node.status?.allocatable ?? {}) as Record<string, string>,
      ...(node.status?.capacity ? { capacity: node.status.capacity as Record<string, string> } : {}),
      initialized: !booting,
      pods: [
        ...(boundPods.get(name) ?? []),
        ...(claim ? (nominatedTo.get(claim.metadata.name) ?? []) : []),
      ] as unknown as Pod[],
    });
  }
  for (const claim of claims) {
    if (claim.metadata.deletionTimestamp || claim.status?.nodeName || !claim.status?.allocatable) continue;
    existingNodes.push({
      name: `nodeclaim/${claim.metadata.name}`,
      labels: claim.metadata.labels ?? {},
      taints: claim.spec.taints ?? [],
      ...(claim.spec.startupTaints ? { startupTaints: claim.spec.startupTaints } : {}),
      allocatable: claim.status.allocatable,
      ...(claim.status.capacity ? { capacity: claim.status.capacity } : {}),
      initialized: false,
      pods: (nominatedTo.get(claim.metadata.name) ?? []) as unknown as Pod[],
    });
  }

  const nodePools = (
    snapshot.nodePools as unknown as (NodePool & { metadata: { deletionTimestamp?: string } })[]
  ).filter((p) => !p.metadata.deletionTimestamp);
  const daemonSets = snapshot.daemonSets.map((ds) => ({
    metadata: {
      name: ds.metadata?.name ?? '',
      namespace: ds.metadata?.namespace ?? 'default',
      ...ds.spec?.template.metadata,
    },
    spec: ds.spec!.template.spec!,
  })) as unknown as Pod[];

  return {
    input: {
      pods: pending as unknown as Pod[],
      nodePools,
      instanceTypes,
      existingNodes,
      daemonSets,
      persistentVolumeClaims: (snapshot.persistentVolumeClaims ?? []) as SchedulingInput['persistentVolumeClaims'],
      persistentVolumes: (snapshot.persistentVolumes ?? []) as SchedulingInput['persistentVolumes'],
      storageClasses: (snapshot.storageClasses ?? []) as SchedulingInput['storageClasses'],
    },
    activeNominations,
    nominatedPods: provisionable.length - pending.length,
  };
}
