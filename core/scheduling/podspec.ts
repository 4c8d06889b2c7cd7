/**
 * The scheduling-relevant part of a pod, normalised: two pods with the same `SchedulingSpec` are interchangeable
 * for the solver and share one equivalence class. Preference relaxation edits a copy of this spec.
 */
import { canonicalResource } from './quantity.js';
import type {
  Container,
  NodeSelectorRequirement,
  NodeSelectorTerm,
  Pod,
  PodAffinityTerm,
  Toleration,
  TopologySpreadConstraint,
  WeightedPodAffinityTerm,
} from './types.js';

export interface SchedulingSpec {
  namespace: string;
  labels: Record<string, string>;
  requests: Record<string, number>;
  nodeSelector: Record<string, string>;
  /** OR terms of required node affinity; only the first is enforced, the rest come in through relaxation. */
  requiredNodeTerms: NodeSelectorTerm[];
  preferredNodeTerms: { weight: number; preference: NodeSelectorTerm }[];
  podAffinity: PodAffinityTerm[];
  preferredPodAffinity: WeightedPodAffinityTerm[];
  podAntiAffinity: PodAffinityTerm[];
  preferredPodAntiAffinity: WeightedPodAffinityTerm[];
  tolerations: Toleration[];
  topologySpread: TopologySpreadConstraint[];
  /** `protocol/ip/port` for every container host port. */
  hostPorts: string[];
  /** Zone (or other) requirements of the pod's volumes; they narrow the NodeClaim but not the pod's domains. */
  volumeRequirements: NodeSelectorRequirement[];
}

export function podKey(pod: Pod): string {
  return `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`;
}

function addInto(target: Record<string, number>, requests: Record<string, number>): void {
  for (const [name, value] of Object.entries(requests)) target[name] = (target[name] ?? 0) + value;
}

function containerRequests(container: Container): Record<string, number> {
  const result: Record<string, number> = {};
  const limits = container.resources?.limits ?? {};
  const requests = container.resources?.requests ?? {};
  // A limit without a request defaults the request to the limit (API server defaulting).
  for (const [name, value] of Object.entries({ ...limits, ...requests })) result[name] = canonicalResource(name, value);
  return result;
}

/**
 * Effective pod requests (kube-scheduler `computePodResourceRequest`): sum of containers and restartable
 * (sidecar) init containers, at least the largest regular init container plus the sidecars started before it,
 * plus pod overhead; always one `pods`.
 */
export function podRequests(pod: Pod): Record<string, number> {
  const total: Record<string, number> = {};
  for (const container of pod.spec.containers ?? []) addInto(total, containerRequests(container));
  const sidecars: Record<string, number> = {};
  const initPeak: Record<string, number> = {};
  for (const container of pod.spec.initContainers ?? []) {
    const requests = containerRequests(container);
    if (container.restartPolicy === 'Always') {
      addInto(sidecars, requests);
      addInto(total, requests);
      continue;
    }
    for (const [name, value] of Object.entries(requests)) {
      initPeak[name] = Math.max(initPeak[name] ?? 0, value + (sidecars[name] ?? 0));
    }
  }
  for (const [name, value] of Object.entries(initPeak)) total[name] = Math.max(total[name] ?? 0, value);
  for (const [name, value] of Object.entries(pod.spec.overhead ?? {})) {
    total[name] = (total[name] ?? 0) + canonicalResource(name, value);
  }
  for (const name of Object.keys(total)) if (total[name] === 0) delete total[name];
  total['pods'] = 1;
  return total;
}

function hostPorts(pod: Pod): string[] {
  const ports: string[] = [];
  for (const container of [...(pod.spec.containers ?? []), ...(pod.spec.initContainers ?? [])]) {
    for (const port of container.ports ?? []) {
      if (port.hostPort === undefined || port.hostPort === 0) continue;
      ports.push(`${port.protocol ?? 'TCP'}/${port.hostIP ?? '0.0.0.0'}/${port.hostPort}`);
    }
  }
  return ports.sort();
}

export function schedulingSpec(pod: Pod, volumeRequirements: NodeSelectorRequirement[] = []): SchedulingSpec {
  const affinity = pod.spec.affinity;
  return {
    namespace: pod.metadata.namespace ?? 'default',
    labels: pod.metadata.labels ?? {},
    requests: podRequests(pod),
    nodeSelector: pod.spec.nodeSelector ?? {},
    requiredNodeTerms: affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [],
    preferredNodeTerms: affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [],
    podAffinity: affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [],
    preferredPodAffinity: affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [],
    podAntiAffinity: affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [],
    preferredPodAntiAffinity: affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [],
    tolerations: pod.spec.tolerations ?? [],
    topologySpread: pod.spec.topologySpreadConstraints ?? [],
    hostPorts: hostPorts(pod),
    volumeRequirements,
  };
}

/** Heaviest first; ties keep their order (a stable sort), so relaxation is deterministic. */
function withoutHeaviest<T extends { weight: number }>(terms: T[]): T[] {
  let heaviest = 0;
  terms.forEach((term, i) => {
    if (term.weight > (terms[heaviest]?.weight ?? -Infinity)) heaviest = i;
  });
  return terms.filter((_, i) => i !== heaviest);
}

/** The heaviest preferred node-affinity term, which Karpenter treats as required until relaxed. */
export function heaviestPreferredNodeTerm(spec: SchedulingSpec): NodeSelectorTerm | undefined {
  let best: { weight: number; preference: NodeSelectorTerm } | undefined;
  for (const term of spec.preferredNodeTerms) if (best === undefined || term.weight > best.weight) best = term;
  return best?.preference;
}

/** Drop every preference at once (`PREFERENCE_POLICY=Ignore`). */
export function withoutPreferences(spec: SchedulingSpec): SchedulingSpec {
  return {
    ...spec,
    preferredNodeTerms: [],
    preferredPodAffinity: [],
    preferredPodAntiAffinity: [],
    topologySpread: spec.topologySpread.filter((c) => c.whenUnsatisfiable !== 'ScheduleAnyway'),
  };
}

const TOLERATE_PREFER_NO_SCHEDULE: Toleration = { operator: 'Exists', effect: 'PreferNoSchedule' };

/**
 * One relaxation step, in Karpenter's order (`preferences.go`): the first of several required node-affinity OR
 * terms; the heaviest preferred pod-affinity term; the heaviest preferred pod-anti-affinity term; the heaviest
 * preferred node-affinity term; one ScheduleAnyway spread constraint; then tolerate PreferNoSchedule taints when
 * some NodePool has them. Returns undefined when nothing is left to relax, with a description of what was dropped.
 */
export function relax(
  spec: SchedulingSpec,
  preferNoScheduleTaintsExist: boolean
): { spec: SchedulingSpec; relaxed: string } | undefined {
  if (spec.requiredNodeTerms.length > 1) {
    return {
      spec: { ...spec, requiredNodeTerms: spec.requiredNodeTerms.slice(1) },
      relaxed: 'required node affinity term',
    };
  }
  if (spec.preferredPodAffinity.length > 0) {
    return {
      spec: { ...spec, preferredPodAffinity: withoutHeaviest(spec.preferredPodAffinity) },
      relaxed: 'preferred pod affinity',
    };
  }
  if (spec.preferredPodAntiAffinity.length > 0) {
    return {
      spec: { ...spec, preferredPodAntiAffinity: withoutHeaviest(spec.preferredPodAntiAffinity) },
      relaxed: 'preferred pod anti-affinity',
    };
  }
  if (spec.preferredNodeTerms.length > 0) {
    return {
      spec: { ...spec, preferredNodeTerms: withoutHeaviest(spec.preferredNodeTerms) },
      relaxed: 'preferred node affinity',
    };
  }
  const anyway = spec.topologySpread.findIndex((c) => c.whenUnsatisfiable === 'ScheduleAnyway');
  if (anyway >= 0) {
    return {
      spec: { ...spec, topologySpread: spec.topologySpread.filter((_, i) => i !== anyway) },
      relaxed: 'ScheduleAnyway topology spread',
    };
  }
  if (
    preferNoScheduleTaintsExist &&
    !spec.tolerations.some((t) => t.operator === 'Exists' && t.effect === 'PreferNoSchedule' && !t.key)
  ) {
    return {
      spec: { ...spec, tolerations: [...spec.tolerations, TOLERATE_PREFER_NO_SCHEDULE] },
      relaxed: 'PreferNoSchedule taints',
    };
  }
  return undefined;
}
