/**
 * Pod equivalence classes: pods with the same scheduling spec share compiled requirements, resource vectors,
 * topology groups and per-NodePool verdicts, so 10,000 replicas of a Deployment are compiled once.
 */
import type { ResourceDimensions } from './catalog.js';
import { normalizeKey } from './labels.js';
import { heaviestPreferredNodeTerm, type SchedulingSpec } from './podspec.js';
import { Requirement, Requirements } from './requirements.js';
import type { ClassTopology, Topology } from './topology.js';
import type { NodeSelectorRequirement } from './types.js';

export interface PodClass {
  id: number;
  key: string;
  spec: SchedulingSpec;
  requests: Float64Array;
  /** Dimensions with a non-zero request, so fit checks skip the rest. */
  requestedDims: Int32Array;
  /** nodeSelector + first required node-affinity term + heaviest preferred term + volume requirements. */
  requirements: Requirements;
  /** nodeSelector + first required node-affinity term: the domains the pod itself may use. */
  strictRequirements: Requirements;
  topology: ClassTopology;
  hasTopology: boolean;
  /** Per NodeClaim template: undefined = not computed, null = fine, string = why not. */
  templateVerdicts: (string | null | undefined)[];
  /** Set when the pod is invalid for the solver (e.g. an unknown operator). */
  invalid?: string;
}

function expressionsToRequirements(expressions: NodeSelectorRequirement[] | undefined): Requirements {
  return Requirements.fromSpecs((expressions ?? []).map((e) => ({ ...e, key: normalizeKey(e.key) })));
}

export class PodClasses {
  private readonly byKey = new Map<string, PodClass>();
  readonly all: PodClass[] = [];

  constructor(
    private readonly dims: ResourceDimensions,
    private readonly topology: Topology
  ) {}

  classFor(spec: SchedulingSpec, key: string = JSON.stringify(spec)): PodClass {
    const existing = this.byKey.get(key);
    if (existing !== undefined) return existing;
    const created = this.compile(key, spec);
    this.byKey.set(key, created);
    this.all.push(created);
    return created;
  }

  private compile(key: string, spec: SchedulingSpec): PodClass {
    for (const name of Object.keys(spec.requests)) this.dims.add(name);
    const requests = this.dims.vector(spec.requests);
    const requestedDims: number[] = [];
    requests.forEach((value, i) => {
      if (value > 0) requestedDims.push(i);
    });
    let invalid: string | undefined;
    let strict = new Requirements();
    let requirements = new Requirements();
    try {
      for (const [label, value] of Object.entries(spec.nodeSelector)) {
        strict = strict.with(Requirement.in(normalizeKey(label), [value]));
      }
      const firstTerm = spec.requiredNodeTerms[0];
      if (firstTerm !== undefined) strict = strict.merge(expressionsToRequirements(firstTerm.matchExpressions));
      requirements = strict;
      const preferred = heaviestPreferredNodeTerm(spec);
      if (preferred !== undefined)
        requirements = requirements.merge(expressionsToRequirements(preferred.matchExpressions));
      requirements = requirements.merge(expressionsToRequirements(spec.volumeRequirements));
    } catch (error) {
      invalid = (error as Error).message;
    }
    const topology = this.topology.classTopology(spec);
    return {
      id: this.all.length,
      key,
      spec,
      requests,
      requestedDims: Int32Array.from(requestedDims),
      requirements,
      strictRequirements: strict,
      topology,
      hasTopology: topology.owned.length > 0 || topology.selectingInverse.length > 0,
      templateVerdicts: [],
      ...(invalid !== undefined ? { invalid } : {}),
    };
  }

  /** Inverse anti-affinity groups are all known once every pending and existing pod is read. */
  refreshInverse(): void {
    for (const podClass of this.all) {
      this.topology.refreshSelectingInverse(podClass.spec, podClass.topology);
      podClass.hasTopology = podClass.topology.owned.length > 0 || podClass.topology.selectingInverse.length > 0;
    }
  }
}
