/** What the lifecycle needs to know about a Node: a small plain-JSON summary, safe to keep in workflow state. */
export interface NodeObservation {
  name: string;
  providerID: string;
  ready: boolean;
  deleting: boolean;
  taints: { key: string; value?: string; effect: string }[];
  /** Allocatable resources that are non-zero, by name (e.g. `nvidia.com/gpu`). */
  allocatableResources: string[];
  /** The node's own `karpenter.sh/do-not-disrupt` annotation, if any. */
  doNotDisrupt?: string;
}

/** Taints that are expected while a node boots and are ignored until initialization (Karpenter "known ephemeral"). */
const EPHEMERAL_TAINTS = [
  { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' },
  { key: 'node.cloudprovider.kubernetes.io/uninitialized', effect: 'NoSchedule' },
  { key: 'karpenter.sh/unregistered', effect: 'NoExecute' },
];

function isEphemeral(taint: { key: string; effect: string }): boolean {
  return (
    taint.key.startsWith('readiness.k8s.io/') ||
    EPHEMERAL_TAINTS.some((t) => t.key === taint.key && t.effect === taint.effect)
  );
}

/**
 * Karpenter's initialization check: Node Ready, every startup taint gone, no known ephemeral taint, and every
 * requested extended resource registered with non-zero allocatable. Returns why not, in plain words.
 */
export function initializationBlocker(
  node: NodeObservation,
  startupTaints: readonly { key: string; effect: string }[],
  requestedResources: readonly string[]
): string | undefined {
  if (!node.ready) return `node ${node.name} is not Ready`;
  const startup = node.taints.find((t) => startupTaints.some((s) => s.key === t.key && s.effect === t.effect));
  if (startup) return `startup taint ${startup.key}:${startup.effect} is still on the node`;
  const ephemeral = node.taints.find(isEphemeral);
  if (ephemeral) return `taint ${ephemeral.key}:${ephemeral.effect} is still on the node`;
  const wellKnown = new Set(['cpu', 'memory', 'ephemeral-storage', 'pods']);
  const missing = requestedResources.find((r) => !wellKnown.has(r) && !node.allocatableResources.includes(r));
  if (missing) return `requested resource ${missing} is not registered on the node yet`;
  return undefined;
}
