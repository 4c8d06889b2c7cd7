/**
 * One topology constraint shared by every pod that declares it (Karpenter `topologygroup.go`): a count of the
 * pods matching a selector per domain of a topology key. A 10,000-replica Deployment with one spread constraint
 * is one group with one counter per zone, updated incrementally as pods are placed.
 */
import type { LabelMatcher } from './selector.js';
import { firstUntoleratedTaint } from './taints.js';
import { Requirement, type Requirements } from './requirements.js';
import { LABEL_HOSTNAME } from './labels.js';
import type { Taint, Toleration } from './types.js';

export type TopologyType = 'topology spread' | 'pod affinity' | 'pod anti-affinity';

/**
 * For spread constraints: which nodes count (nodeAffinityPolicy / nodeTaintsPolicy, both as kube-scheduler
 * defines them). `terms` are OR-ed node-affinity requirement sets; undefined = every node counts.
 */
export interface TopologyNodeFilter {
  terms?: Requirements[];
  tolerations?: Toleration[];
}

export class TopologyGroup {
  readonly counts = new Map<string, number>();
  /** Number of domains with a non-zero count, so affinity can tell "nothing placed yet" in O(1). */
  private nonZero = 0;
  /** Number of registered domains with no pod yet. */
  private zeroDomains = 0;

  constructor(
    readonly id: number,
    readonly type: TopologyType,
    readonly key: string,
    /** null = all namespaces. */
    readonly namespaces: ReadonlySet<string> | null,
    readonly selector: LabelMatcher,
    readonly maxSkew: number,
    readonly minDomains: number | undefined,
    readonly nodeFilter: TopologyNodeFilter | undefined,
    /** nodeTaintsPolicy=Honor: only domains some tolerated NodePool or node provides count towards the minimum. */
    readonly honorTaintsWith: Toleration[] | undefined,
    readonly description: string,
    /** Pod affinity `namespaceSelector` (non-empty): namespaces it selects count too, besides `namespaces`. */
    readonly namespaceMatcher?: (namespace: string) => boolean
  ) {
    this.unsatisfiable = `unsatisfiable ${description}`;
  }

  /** Failure text, built once: rejections happen millions of times. */
  readonly unsatisfiable: string;

  selects(namespace: string, labels: Record<string, string>): boolean {
    return (
      (this.namespaces === null || this.namespaces.has(namespace) || this.namespaceMatcher?.(namespace) === true) &&
      this.selector(labels)
    );
  }

  /** Whether a node with these requirements and taints is one this spread group counts pods on. */
  countsOnNode(
    requirements: Requirements,
    taints: readonly Taint[] | undefined,
    allowUndefined: ReadonlySet<string>
  ): boolean {
    const filter = this.nodeFilter;
    if (filter === undefined) return true;
    if (filter.tolerations !== undefined && firstUntoleratedTaint(taints, filter.tolerations, true) !== undefined) {
      return false;
    }
    if (filter.terms === undefined) return true;
    return filter.terms.some((term) => requirements.compatibleError(term, allowUndefined) === undefined);
  }

  /**
   * A necessary condition for a node already narrowed to one domain of this key, decided without building any
   * requirement: the cheap first check that lets a pod skip thousands of NodeClaims. `false` means the full
   * check would refuse too; `true` leaves the decision to it.
   */
  quickAdmits(domain: string, selfSelecting: boolean, podDomains: Requirement | undefined): boolean {
    const count = this.counts.get(domain);
    switch (this.type) {
      case 'pod anti-affinity':
        return count === 0;
      case 'topology spread':
        if (this.key !== LABEL_HOSTNAME) return true;
        return count !== undefined && (selfSelecting ? count + 1 : count) <= this.maxSkew;
      case 'pod affinity':
        // Another domain already has a matching pod, so the pod must go there, not here.
        return (count ?? 0) > 0 || this.nonZero === 0 || podDomains !== undefined;
    }
  }

  /**
   * True when no registered domain could take the pod because every one already holds a matching pod: lets
   * pods with hostname anti-affinity (or self-selecting maxSkew-1 hostname spread) skip every planned NodeClaim.
   */
  full(selfSelecting: boolean): boolean {
    if (this.zeroDomains > 0) return false;
    if (this.type === 'pod anti-affinity') return true;
    return this.type === 'topology spread' && this.key === LABEL_HOSTNAME && selfSelecting && this.maxSkew <= 1;
  }

  register(domain: string): void {
    if (!this.counts.has(domain)) {
      this.counts.set(domain, 0);
      this.zeroDomains++;
    }
  }

  /** Forget a domain nobody was placed in (a NodeClaim placeholder hostname that was never used). */
  unregister(domain: string): void {
    if (this.counts.get(domain) === 0) {
      this.counts.delete(domain);
      this.zeroDomains--;
    }
  }

  record(domain: string): void {
    const previous = this.counts.get(domain);
    if (previous === undefined || previous === 0) this.nonZero++;
    if (previous === 0) this.zeroDomains--;
    this.counts.set(domain, (previous ?? 0) + 1);
  }

  /**
   * The domains a pod may go to, intersected with the node's domains when those are a finite set (the common
   * case: a hostname, or a zone already chosen) so the cost does not grow with the number of NodeClaims.
   */
  nextDomains(
    selfSelecting: boolean,
    podDomains: Requirement | undefined,
    nodeDomains: Requirement | undefined,
    domainProviders: ReadonlyMap<string, readonly (readonly Taint[])[]> | undefined,
    rank?: (domain: string) => number
  ): Requirement {
    switch (this.type) {
      case 'topology spread':
        return this.nextSpreadDomain(selfSelecting, podDomains, nodeDomains, domainProviders, rank);
      case 'pod affinity':
        return this.nextAffinityDomains(selfSelecting, podDomains, nodeDomains);
      case 'pod anti-affinity':
        return this.nextAntiAffinityDomains(podDomains, nodeDomains);
    }
  }

  private candidates(nodeDomains: Requirement | undefined): Iterable<string> {
    if (nodeDomains !== undefined && !nodeDomains.complement) return nodeDomains.values;
    return this.counts.keys();
  }

  private nextSpreadDomain(
    selfSelecting: boolean,
    podDomains: Requirement | undefined,
    nodeDomains: Requirement | undefined,
    domainProviders: ReadonlyMap<string, readonly (readonly Taint[])[]> | undefined,
    rank: ((domain: string) => number) | undefined
  ): Requirement {
    const min = this.domainMinCount(podDomains, domainProviders);
    let best: string | undefined;
    let bestCount = Infinity;
    let bestRank = Infinity;
    for (const domain of this.candidates(nodeDomains)) {
      const counted = this.counts.get(domain);
      if (counted === undefined || (nodeDomains !== undefined && !nodeDomains.has(domain))) continue;
      const count = selfSelecting ? counted + 1 : counted;
      // kube-scheduler: 'existing matching num' + 'if self-match (1 or 0)' - 'global min matching num' <= 'maxSkew'
      if (count - min > this.maxSkew || count > bestCount) continue;
      // Karpenter takes the least-filled domain and breaks ties at random (Go map order); we break them by `rank`
      // (for zones: the cheapest launch there), else by first seen.
      if (count < bestCount) {
        best = domain;
        bestCount = count;
        bestRank = rank === undefined ? Infinity : rank(domain);
      } else if (rank !== undefined) {
        const domainRank = rank(domain);
        if (domainRank < bestRank) {
          best = domain;
          bestRank = domainRank;
        }
      }
    }
    return best === undefined ? Requirement.doesNotExist(this.key) : Requirement.in(this.key, [best]);
  }

  /**
   * Every domain a node already narrowed to a single domain could be in and still take the pod, or undefined
   * when any domain might do. Used to visit only NodeClaims in those zones.
   */
  admissibleDomains(selfSelecting: boolean, podDomains: Requirement | undefined): Set<string> | undefined {
    const result = new Set<string>();
    switch (this.type) {
      case 'pod anti-affinity':
        for (const [domain, count] of this.counts) if (count === 0) result.add(domain);
        return result;
      case 'pod affinity':
        if (this.nonZero === 0) return undefined;
        for (const [domain, count] of this.counts) {
          if (count > 0 && (podDomains === undefined || podDomains.has(domain))) result.add(domain);
        }
        return result.size === 0 ? undefined : result;
      case 'topology spread': {
        if (this.honorTaintsWith !== undefined) return undefined;
        const min = this.domainMinCount(podDomains, undefined);
        for (const [domain, count] of this.counts) {
          if ((selfSelecting ? count + 1 : count) - min <= this.maxSkew) result.add(domain);
        }
        return result;
      }
    }
  }

  private domainMinCount(
    podDomains: Requirement | undefined,
    domainProviders: ReadonlyMap<string, readonly (readonly Taint[])[]> | undefined
  ): number {
    // A new NodeClaim is always a fresh hostname with no pods, so the hostname minimum is zero.
    if (this.key === LABEL_HOSTNAME) return 0;
    let min = Infinity;
    let supported = 0;
    for (const [domain, count] of this.counts) {
      if (podDomains !== undefined && !podDomains.has(domain)) continue;
      if (this.honorTaintsWith !== undefined && domainProviders !== undefined) {
        const providers = domainProviders.get(domain);
        const tolerations = this.honorTaintsWith;
        if (
          providers !== undefined &&
          !providers.some((taints) => firstUntoleratedTaint(taints, tolerations) === undefined)
        ) {
          continue;
        }
      }
      supported++;
      if (count < min) min = count;
    }
    if (this.minDomains !== undefined && supported < this.minDomains) return 0;
    return min === Infinity ? 0 : min;
  }

  private nextAffinityDomains(
    selfSelecting: boolean,
    podDomains: Requirement | undefined,
    nodeDomains: Requirement | undefined
  ): Requirement {
    if (this.nonZero > 0) {
      const options: string[] = [];
      for (const domain of this.candidates(nodeDomains)) {
        if ((this.counts.get(domain) ?? 0) > 0 && (podDomains === undefined || podDomains.has(domain))) {
          options.push(domain);
        }
      }
      if (options.length > 0) return Requirement.in(this.key, options);
      if (nodeDomains === undefined || nodeDomains.complement) return Requirement.doesNotExist(this.key);
      // The node's domains have no matching pod. If no other domain the pod may use has one either, the group
      // may still bootstrap; otherwise the pod must go elsewhere.
      for (const [domain, count] of this.counts) {
        if (count > 0 && (podDomains === undefined || podDomains.has(domain)))
          return Requirement.doesNotExist(this.key);
      }
    }
    if (!selfSelecting) return Requirement.doesNotExist(this.key);
    // Nothing matching is placed yet and the pod selects itself: it may start the group in a domain, preferring
    // one the node can take (Karpenter picks at random; we take the first, for determinism).
    let fallback: string | undefined;
    for (const domain of this.counts.keys()) {
      if (podDomains !== undefined && !podDomains.has(domain)) continue;
      if (nodeDomains === undefined || nodeDomains.has(domain)) return Requirement.in(this.key, [domain]);
      fallback ??= domain;
    }
    return fallback === undefined ? Requirement.doesNotExist(this.key) : Requirement.in(this.key, [fallback]);
  }

  private nextAntiAffinityDomains(
    podDomains: Requirement | undefined,
    nodeDomains: Requirement | undefined
  ): Requirement {
    const options: string[] = [];
    for (const domain of this.candidates(nodeDomains)) {
      if (this.counts.get(domain) !== 0) continue;
      if (podDomains !== undefined && !podDomains.has(domain)) continue;
      if (nodeDomains !== undefined && !nodeDomains.has(domain)) continue;
      options.push(domain);
    }
    return options.length === 0 ? Requirement.doesNotExist(this.key) : Requirement.in(this.key, options);
  }
}
