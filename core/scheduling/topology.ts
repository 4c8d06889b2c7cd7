/**
 * Topology state for one solve (Karpenter `topology.go`): the topology groups pods own (spread, affinity,
 * anti-affinity, shared by hash), the inverse anti-affinity groups of pods that keep others away, and the universe
 * of domains per topology key.
 */
import { LABEL_HOSTNAME, LABEL_ZONE, normalizeKey } from './labels.js';
import type { SchedulingSpec } from './podspec.js';
import { type Requirement, Requirements } from './requirements.js';
import { compileSelector, selectorKey } from './selector.js';
import { TopologyGroup, type TopologyNodeFilter, type TopologyType } from './topologygroup.js';
import type { LabelSelector, PodAffinityTerm, Taint, TopologySpreadConstraint } from './types.js';

interface Placement {
  namespace: string;
  labels: Record<string, string>;
  requirements: Requirements;
  taints: readonly Taint[] | undefined;
}

/** What a pod class needs from the topology, computed once per class. */
export interface ClassTopology {
  /** Groups whose constraint the pod declares. */
  owned: TopologyGroup[];
  /** Inverse groups the pod's required anti-affinity creates: where it goes, pods it selects may not. */
  inverseOwned: TopologyGroup[];
  /** Inverse groups of other pods that select this pod. */
  selectingInverse: TopologyGroup[];
  /** Owned and selecting-inverse groups, with whether the pod selects itself, for the quick pre-checks. */
  quickChecks: { group: TopologyGroup; selfSelecting: boolean }[];
  /** Groups whose counts this pod contributes to, refreshed when groups are added. */
  countedBy: TopologyGroup[];
  countedByVersion: number;
}

export class Topology {
  private readonly groups: TopologyGroup[] = [];
  private readonly byHash = new Map<string, TopologyGroup>();
  private readonly inverse: TopologyGroup[] = [];
  private readonly inverseByHash = new Map<string, TopologyGroup>();
  private readonly universe = new Map<string, Set<string>>();
  /** Per key and domain, the taints of every NodePool template and node that provides it. */
  private readonly providers = new Map<string, Map<string, Taint[][]>>();
  private readonly placements: Placement[] = [];
  private version = 0;

  /**
   * @param namespaceLabels labels of a namespace, for pod affinity `namespaceSelector`s (the caller adds
   *   `kubernetes.io/metadata.name`, which the API server sets on every namespace).
   */
  constructor(
    private readonly allowUndefined: ReadonlySet<string>,
    private readonly namespaceLabels: (namespace: string) => Record<string, string> = (namespace) => ({
      'kubernetes.io/metadata.name': namespace,
    })
  ) {}

  /** Declares a domain a NodePool (with these taints) or a node can provide. */
  addDomain(key: string, domain: string, providerTaints: readonly Taint[] = []): void {
    let domains = this.universe.get(key);
    if (domains === undefined) this.universe.set(key, (domains = new Set()));
    domains.add(domain);
    let byDomain = this.providers.get(key);
    if (byDomain === undefined) this.providers.set(key, (byDomain = new Map()));
    let list = byDomain.get(domain);
    if (list === undefined) byDomain.set(domain, (list = []));
    list.push([...providerTaints]);
    for (const group of this.groups) if (group.key === key) group.register(domain);
    for (const group of this.inverse) if (group.key === key) group.register(domain);
  }

  /** A NodeClaim placeholder hostname: a new domain in every hostname group. */
  registerHostname(hostname: string): void {
    for (const group of this.groups) if (group.key === LABEL_HOSTNAME) group.register(hostname);
    for (const group of this.inverse) if (group.key === LABEL_HOSTNAME) group.register(hostname);
  }

  unregisterHostname(hostname: string): void {
    for (const group of this.groups) if (group.key === LABEL_HOSTNAME) group.unregister(hostname);
    for (const group of this.inverse) if (group.key === LABEL_HOSTNAME) group.unregister(hostname);
  }

  /** Counts a pod already running (or already planned) on a node. */
  addPlacement(placement: Placement): void {
    this.placements.push(placement);
    for (const group of this.groups) this.countPlacement(group, placement, false);
  }

  /** Existing pods' required anti-affinity: inverse groups counting where those pods are. */
  addExistingAntiAffinity(spec: SchedulingSpec, requirements: Requirements): void {
    for (const group of this.inverseGroupsFor(spec)) this.recordAll(group, requirements.get(group.key));
  }

  private recordAll(group: TopologyGroup, domains: Requirement | undefined): void {
    if (domains === undefined || domains.complement) return;
    for (const domain of domains.values) group.record(domain);
  }

  private countPlacement(group: TopologyGroup, placement: Placement, inverse: boolean): void {
    if (inverse || !group.selects(placement.namespace, placement.labels)) return;
    if (
      group.type === 'topology spread' &&
      !group.countsOnNode(placement.requirements, placement.taints, this.allowUndefined)
    ) {
      return;
    }
    const domains = placement.requirements.get(group.key);
    if (domains === undefined || domains.complement) return;
    if (group.type === 'pod anti-affinity') {
      for (const domain of domains.values) group.record(domain);
    } else if (domains.values.size === 1) {
      for (const domain of domains.values) group.record(domain);
    }
  }

  private newGroup(inverse: boolean, hash: string, make: (id: number) => TopologyGroup): TopologyGroup {
    const index = inverse ? this.inverseByHash : this.byHash;
    const existing = index.get(hash);
    if (existing !== undefined) return existing;
    const group = make(this.groups.length + this.inverse.length);
    // Sorted, so that ties between equally good domains break the same way whatever the input order.
    for (const domain of [...(this.universe.get(group.key) ?? [])].sort()) group.register(domain);
    if (inverse) {
      this.inverse.push(group);
    } else {
      this.groups.push(group);
      for (const placement of this.placements) this.countPlacement(group, placement, false);
    }
    index.set(hash, group);
    this.version++;
    return group;
  }

  /**
   * The namespaces a pod affinity term counts pods in, as kube-scheduler reads them: `namespaces` ∪ the namespaces
   * `namespaceSelector` selects; an empty selector (`{}`) selects all; neither set means the pod's own namespace.
   * Returns the explicit set (null = all) and, for a non-empty selector, a matcher over namespace labels.
   */
  private affinityNamespaces(
    spec: SchedulingSpec,
    term: PodAffinityTerm
  ): { namespaces: ReadonlySet<string> | null; selector: LabelSelector | undefined } {
    const selector = term.namespaceSelector ?? undefined;
    const listed = term.namespaces ?? [];
    if (selector === undefined) return { namespaces: new Set(listed.length > 0 ? listed : [spec.namespace]), selector };
    if (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0) {
      return { namespaces: null, selector: undefined }; // an empty namespaceSelector selects every namespace
    }
    return { namespaces: new Set(listed), selector };
  }

  private namespaceMatcher(selector: LabelSelector): (namespace: string) => boolean {
    const matches = compileSelector(selector);
    const memo = new Map<string, boolean>();
    return (namespace) => {
      let result = memo.get(namespace);
      if (result === undefined) memo.set(namespace, (result = matches(this.namespaceLabels(namespace))));
      return result;
    };
  }

  private affinityGroup(
    spec: SchedulingSpec,
    type: TopologyType,
    term: PodAffinityTerm,
    inverse: boolean
  ): TopologyGroup {
    const key = normalizeKey(term.topologyKey);
    const { namespaces, selector: namespaceSelector } = this.affinityNamespaces(spec, term);
    const selector = withLabelKeys(term.labelSelector, term.matchLabelKeys, spec.labels, term.mismatchLabelKeys);
    const hash = JSON.stringify([
      type,
      key,
      namespaces === null ? null : [...namespaces].sort(),
      namespaceSelector === undefined ? null : selectorKey(namespaceSelector),
      selectorKey(selector),
    ]);
    return this.newGroup(
      inverse,
      hash,
      (id) =>
        new TopologyGroup(
          id,
          type,
          key,
          namespaces,
          compileSelector(selector),
          0,
          undefined,
          undefined,
          undefined,
          `${inverse ? 'existing pods\u2019 ' : ''}${type} on ${key}`,
          namespaceSelector === undefined ? undefined : this.namespaceMatcher(namespaceSelector)
        )
    );
  }

  private spreadGroup(
    spec: SchedulingSpec,
    constraint: TopologySpreadConstraint,
    nodeFilter: TopologyNodeFilter | undefined
  ): TopologyGroup {
    const key = normalizeKey(constraint.topologyKey);
    const selector = withLabelKeys(constraint.labelSelector, constraint.matchLabelKeys, spec.labels);
    const honorTaints = constraint.nodeTaintsPolicy === 'Honor' ? spec.tolerations : undefined;
    const filter: TopologyNodeFilter | undefined =
      nodeFilter === undefined && honorTaints === undefined ? undefined : { ...nodeFilter, tolerations: honorTaints };
    const hash = JSON.stringify([
      'spread',
      key,
      spec.namespace,
      selectorKey(selector),
      constraint.maxSkew,
      constraint.minDomains ?? null,
      filter?.terms?.map((t) => t.toSpecs()) ?? null,
      honorTaints ?? null,
    ]);
    return this.newGroup(
      false,
      hash,
      (id) =>
        new TopologyGroup(
          id,
          'topology spread',
          key,
          new Set([spec.namespace]),
          compileSelector(selector),
          constraint.maxSkew,
          constraint.minDomains,
          filter,
          honorTaints,
          `topology spread on ${key} (maxSkew ${constraint.maxSkew})`
        )
    );
  }

  /** Node filter of a spread constraint with nodeAffinityPolicy=Honor (the default): the pod's own node affinity. */
  private spreadNodeFilter(spec: SchedulingSpec, constraint: TopologySpreadConstraint): TopologyNodeFilter | undefined {
    if (constraint.nodeAffinityPolicy === 'Ignore') return undefined;
    const selector = Requirements.fromSpecs(
      Object.entries(spec.nodeSelector).map(([key, value]) => ({
        key: normalizeKey(key),
        operator: 'In',
        values: [value],
      }))
    );
    if (spec.requiredNodeTerms.length === 0) return selector.size === 0 ? undefined : { terms: [selector] };
    return {
      terms: spec.requiredNodeTerms.map((term) =>
        selector.merge(
          Requirements.fromSpecs((term.matchExpressions ?? []).map((e) => ({ ...e, key: normalizeKey(e.key) })))
        )
      ),
    };
  }

  ownedGroupsFor(spec: SchedulingSpec): TopologyGroup[] {
    const groups: TopologyGroup[] = [];
    for (const constraint of spec.topologySpread) {
      groups.push(this.spreadGroup(spec, constraint, this.spreadNodeFilter(spec, constraint)));
    }
    for (const term of [...spec.podAffinity, ...spec.preferredPodAffinity.map((w) => w.podAffinityTerm)]) {
      groups.push(this.affinityGroup(spec, 'pod affinity', term, false));
    }
    for (const term of [...spec.podAntiAffinity, ...spec.preferredPodAntiAffinity.map((w) => w.podAffinityTerm)]) {
      groups.push(this.affinityGroup(spec, 'pod anti-affinity', term, false));
    }
    return [...new Set(groups)];
  }

  inverseGroupsFor(spec: SchedulingSpec): TopologyGroup[] {
    return [...new Set(spec.podAntiAffinity.map((term) => this.affinityGroup(spec, 'pod anti-affinity', term, true)))];
  }

  classTopology(spec: SchedulingSpec): ClassTopology {
    const topology: ClassTopology = {
      owned: this.ownedGroupsFor(spec),
      inverseOwned: this.inverseGroupsFor(spec),
      selectingInverse: [],
      quickChecks: [],
      countedBy: [],
      countedByVersion: -1,
    };
    this.refreshSelectingInverse(spec, topology);
    return topology;
  }

  /** Refreshes the inverse groups that select a class (inverse groups are all known once setup is over). */
  refreshSelectingInverse(spec: SchedulingSpec, topology: ClassTopology): void {
    topology.selectingInverse = this.inverse.filter((group) => group.selects(spec.namespace, spec.labels));
    topology.quickChecks = [
      ...topology.owned.map((group) => ({ group, selfSelecting: group.selects(spec.namespace, spec.labels) })),
      ...topology.selectingInverse.map((group) => ({ group, selfSelecting: false })),
    ];
  }

  private countedBy(spec: SchedulingSpec, topology: ClassTopology): TopologyGroup[] {
    if (topology.countedByVersion !== this.version) {
      topology.countedBy = this.groups.filter((group) => group.selects(spec.namespace, spec.labels));
      topology.countedByVersion = this.version;
    }
    return topology.countedBy;
  }

  /**
   * Narrows the node's requirements to the domains every topology constraint on this pod allows
   * (Karpenter `AddRequirements`). Returns the extra requirements, or the constraint that cannot be met.
   */
  addRequirements(
    spec: SchedulingSpec,
    topology: ClassTopology,
    strictRequirements: Requirements,
    nodeRequirements: Requirements,
    rankZone?: (zone: string) => number
  ): { requirements: Requirements } | { error: string } {
    let result: Requirements | undefined;
    for (const list of [topology.owned, topology.selectingInverse]) {
      for (const group of list) {
        const selfSelecting = group.selects(spec.namespace, spec.labels);
        const domains = group.nextDomains(
          list === topology.owned ? selfSelecting : false,
          strictRequirements.get(group.key),
          nodeRequirements.get(group.key),
          this.providers.get(group.key),
          group.key === LABEL_ZONE ? rankZone : undefined
        );
        if (domains.isEmpty()) return { error: group.unsatisfiable };
        result = (result ?? new Requirements()).with(domains);
      }
    }
    return { requirements: result ?? new Requirements() };
  }

  /** Records a placed pod in every group that counts it (Karpenter `Record`). */
  record(
    spec: SchedulingSpec,
    topology: ClassTopology,
    requirements: Requirements,
    taints: readonly Taint[] | undefined
  ): void {
    const placement: Placement = { namespace: spec.namespace, labels: spec.labels, requirements, taints };
    this.placements.push(placement);
    for (const group of this.countedBy(spec, topology)) this.countPlacement(group, placement, false);
    // Where an anti-affinity pod might land, pods it selects may not: block every possible domain.
    for (const group of topology.inverseOwned) this.recordAll(group, requirements.get(group.key));
  }

  get hasGroups(): boolean {
    return this.groups.length > 0 || this.inverse.length > 0;
  }

  domains(key: string): ReadonlySet<string> {
    return this.universe.get(key) ?? new Set();
  }
}

/**
 * `matchLabelKeys` / `mismatchLabelKeys`, merged into the selector as the API server does for pod affinity terms
 * (and kube-scheduler for spread): `key In [the pod's value]` / `key NotIn [the pod's value]`, for each key the pod
 * has; keys it lacks are ignored, and a nil selector stays nil (matches nothing).
 */
function withLabelKeys(
  selector: LabelSelector | null | undefined,
  matchLabelKeys: string[] | undefined,
  labels: Record<string, string>,
  mismatchLabelKeys: string[] = []
): LabelSelector | null | undefined {
  if (
    ((matchLabelKeys ?? []).length === 0 && mismatchLabelKeys.length === 0) ||
    selector === undefined ||
    selector === null
  ) {
    return selector;
  }
  const expressions = [...(selector.matchExpressions ?? [])];
  for (const [keys, operator] of [
    [matchLabelKeys ?? [], 'In'],
    [mismatchLabelKeys, 'NotIn'],
  ] as const) {
    for (const key of keys) {
      const value = labels[key];
      if (value !== undefined) expressions.push({ key, operator, values: [value] });
    }
  }
  return { ...selector, matchExpressions: expressions };
}
