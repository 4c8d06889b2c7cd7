/**
 * `solve`: Karpenter's provisioning simulation (`scheduler.go` Solve) as one pure function over plain JSON.
 *
 * Pods are taken largest first (cpu, then memory); each goes onto an existing node, else a NodeClaim already planned
 * in this solve (fewest pods first), else a new NodeClaim from the highest-weight NodePool that can take it.
 * A pod that fits nowhere has one preference relaxed and is tried again; pods that still fail go to the back of the
 * queue until a full pass makes no progress. Speed comes from equivalence classes (identical pods share all
 * compiled data), typed-array instance-type filtering and incremental topology counts.
 */
import { CompiledCatalog, ResourceDimensions } from './catalog.js';
import { ClaimIndex } from './claimindex.js';
import { ExistingNodeState } from './existingnode.js';
import { CORE_WELL_KNOWN_LABELS, LABEL_NODEPOOL, normalizeKey } from './labels.js';
import { PlannedNodeClaim, templateVerdict, type AddContext } from './nodeclaim.js';
import { NodeClaimTemplate, type DaemonPod } from './nodeclaimtemplate.js';
import { buildPlan } from './plan.js';
import type { PodClass } from './podclass.js';
import { PodClasses } from './podclass.js';
import { podKey, relax, schedulingSpec, withoutPreferences, type SchedulingSpec } from './podspec.js';
import { canonicalResources } from './quantity.js';
import { Requirements } from './requirements.js';
import { firstUntoleratedTaint } from './taints.js';
import { Topology } from './topology.js';
import type {
  ExistingNode,
  NodeSelectorRequirement,
  Pod,
  SchedulingInput,
  SchedulingPlan,
  SolveHooks,
} from './types.js';
import { volumeLookup, volumeRequirements } from './volumetopology.js';
import { allowedZones } from './zonefilter.js';

interface QueuedPod {
  pod: Pod;
  key: string;
  index: number;
  podClass: PodClass;
}

function compareForQueue(a: QueuedPod, b: QueuedPod): number {
  const cpu = (b.podClass.requests[0] ?? 0) - (a.podClass.requests[0] ?? 0);
  if (cpu !== 0) return cpu;
  const memory = (b.podClass.requests[1] ?? 0) - (a.podClass.requests[1] ?? 0);
  if (memory !== 0) return memory;
  const at = a.pod.metadata.creationTimestamp ?? '';
  const bt = b.pod.metadata.creationTimestamp ?? '';
  if (at !== bt) return at < bt ? -1 : 1;
  const au = a.pod.metadata.uid ?? a.key;
  const bu = b.pod.metadata.uid ?? b.key;
  if (au !== bu) return au < bu ? -1 : 1;
  return a.index - b.index;
}

interface SpecEntry {
  ignorePreferences: boolean;
  spec: SchedulingSpec;
  key: string;
}

const specs = new WeakMap<Pod, SpecEntry>();

/**
 * Within one solve, the last memoisable pod read per owner (`kind/name`, or '' for none) and its entry. Replicas
 * come as fresh objects every round but are usually identical, and comparing a pod with its sibling costs a fraction
 * of building its spec and its class key (a JSON text) again.
 */
type Siblings = Map<string, { pod: Pod; entry: SpecEntry }>;

/** Whether two JSON values are equal, object keys in the same order (the class key is order-sensitive JSON). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  const keys = Object.keys(b);
  let i = 0;
  for (const key in a) {
    if (keys[i++] !== key) return false;
    if (!sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
  }
  return i === keys.length;
}

type Affinity = Pod['spec']['affinity'];

/** With preferences ignored only the required terms reach the spec, so the preferred ones need no comparing. */
function sameAffinity(a: Affinity, b: Affinity, ignorePreferences: boolean): boolean {
  if (!ignorePreferences) return sameJson(a, b);
  return (
    sameJson(
      a?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution,
      b?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
    ) &&
    sameJson(
      a?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution,
      b?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution
    ) &&
    sameJson(
      a?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution,
      b?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution
    )
  );
}

/** Everything `schedulingSpec` reads from a pod (namespace, labels, spec) is the same in both. */
function sameSchedulingInputs(a: Pod, b: Pod, ignorePreferences: boolean): boolean {
  if (a.metadata.namespace !== b.metadata.namespace || !sameJson(a.metadata.labels, b.metadata.labels)) return false;
  const keys = Object.keys(b.spec);
  let i = 0;
  for (const key in a.spec) {
    if (keys[i++] !== key) return false;
    const same =
      key === 'affinity'
        ? sameAffinity(a.spec.affinity, b.spec.affinity, ignorePreferences)
        : sameJson((a.spec as Record<string, unknown>)[key], (b.spec as Record<string, unknown>)[key]);
    if (!same) return false;
  }
  return i === keys.length;
}

/**
 * A pod's scheduling spec and class key, memoised per pod object: pods are treated as immutable values (an
 * informer replaces the object on every change), and re-solving the same pending pods is the provisioning loop's
 * common case. Pods with volumes are not memoised because their spec depends on the PVCs given alongside.
 */
function cachedSpec(
  pod: Pod,
  volumeRequirements: NodeSelectorRequirement[],
  ignorePreferences: boolean,
  siblings?: Siblings
): SpecEntry {
  const cached = specs.get(pod);
  if (cached !== undefined && cached.ignorePreferences === ignorePreferences) return cached;
  const memoisable =
    volumeRequirements.length === 0 && (pod.spec.volumes ?? []).every((v) => v.persistentVolumeClaim === undefined);
  const owner = pod.metadata.ownerReferences?.[0];
  const ownerKey = owner === undefined ? '' : `${owner.kind}/${owner.name}`;
  const sibling = memoisable ? siblings?.get(ownerKey) : undefined;
  let entry: SpecEntry;
  if (sibling !== undefined && sameSchedulingInputs(pod, sibling.pod, ignorePreferences)) {
    // The spec holds the sibling's label and term objects; equal by value, and never mutated.
    entry = sibling.entry;
  } else {
    let spec = schedulingSpec(pod, volumeRequirements);
    if (ignorePreferences) spec = withoutPreferences(spec);
    entry = { ignorePreferences, spec, key: JSON.stringify(spec) };
    if (memoisable) siblings?.set(ownerKey, { pod, entry });
  }
  if (memoisable) specs.set(pod, entry);
  return entry;
}

interface PreparedNode {
  /** The resource layout the vectors below were built for. */
  dimsKey: string;
  /** The node with its bound pods' room and host ports taken, before any DaemonSet reservation; copied per solve. */
  state: ExistingNodeState;
  bound: SchedulingSpec[];
  /** DaemonSets with a pod already running there. */
  running: Set<string>;
  capacity: Float64Array;
}

const preparedNodes = new WeakMap<ExistingNode, PreparedNode>();

/**
 * What an existing node contributes on its own, memoised per node object and resource layout: existing nodes, like
 * pods, are treated as immutable values, and disruption's simulations solve the same nodes once per candidate.
 */
function preparedNode(node: ExistingNode, dims: ResourceDimensions, dimsKey: string): PreparedNode {
  const cached = preparedNodes.get(node);
  if (cached !== undefined && cached.dimsKey === dimsKey) return cached;
  const bound = (node.pods ?? []).map((pod) => cachedSpec(pod, [], false).spec);
  const running = new Set(
    (node.pods ?? []).flatMap((pod) =>
      (pod.metadata.ownerReferences ?? []).filter((o) => o.kind === 'DaemonSet').map((o) => o.name)
    )
  );
  const state = new ExistingNodeState(
    node,
    dims,
    bound.map((spec) => dims.vector(spec.requests)),
    bound.flatMap((spec) => spec.hostPorts)
  );
  const capacity = dims.vector(canonicalResources(node.capacity ?? node.allocatable));
  const prepared = { dimsKey, state, bound, running, capacity };
  preparedNodes.set(node, prepared);
  return prepared;
}

export function solve(input: SchedulingInput, hooks: SolveHooks = {}): SchedulingPlan {
  const options = {
    preferencePolicy: input.options?.preferencePolicy ?? 'Respect',
    minValuesPolicy: input.options?.minValuesPolicy ?? 'Strict',
    maxInstanceTypes: input.options?.maxInstanceTypes ?? 60,
  };
  const unschedulable: { pod: string; reason: string }[] = [];
  const volumes = volumeLookup(input.persistentVolumeClaims, input.persistentVolumes, input.storageClasses);

  // Specs first: every resource name must be known before vectors are built.
  const dims = new ResourceDimensions();
  const pending: { pod: Pod; key: string; spec: SchedulingSpec; classKey: string; index: number }[] = [];
  const siblings: Siblings = new Map();
  input.pods.forEach((pod, index) => {
    const key = podKey(pod);
    if (pod.metadata.ownerReferences?.some((o) => o.kind === 'DaemonSet')) {
      unschedulable.push({ pod: key, reason: 'owned by a DaemonSet; DaemonSet pods are not provisioned for' });
      return;
    }
    const volumeRequirementsOrError = volumeRequirements(pod, volumes);
    if (typeof volumeRequirementsOrError === 'string') {
      unschedulable.push({ pod: key, reason: volumeRequirementsOrError });
      return;
    }
    let spec: SpecEntry;
    try {
      spec = cachedSpec(pod, volumeRequirementsOrError, options.preferencePolicy === 'Ignore', siblings);
    } catch (error) {
      unschedulable.push({ pod: key, reason: `invalid pod: ${(error as Error).message}` });
      return;
    }
    for (const name of Object.keys(spec.spec.requests)) dims.add(name);
    pending.push({ pod, key, spec: spec.spec, classKey: spec.key, index });
  });
  const daemonSpecs = (input.daemonSets ?? []).map((pod) => withoutPreferences(schedulingSpec(pod)));
  for (const spec of daemonSpecs) for (const name of Object.keys(spec.requests)) dims.add(name);
  for (const node of input.existingNodes ?? []) for (const name of Object.keys(node.allocatable)) dims.add(name);
  for (const nodePool of input.nodePools) {
    for (const name of Object.keys(nodePool.spec.limits ?? {})) if (name !== 'nodes') dims.add(name);
  }
  const catalog = CompiledCatalog.cached(input.instanceTypes, dims);
  const d = dims.size;

  const allowUndefined = new Set<string>([...CORE_WELL_KNOWN_LABELS, ...catalog.labelKeys]);
  const namespaceLabels = new Map(
    (input.namespaces ?? []).map((ns) => [
      ns.metadata.name,
      { ...ns.metadata.labels, 'kubernetes.io/metadata.name': ns.metadata.name },
    ])
  );
  const topology = new Topology(
    allowUndefined,
    (namespace) => namespaceLabels.get(namespace) ?? { 'kubernetes.io/metadata.name': namespace }
  );
  const ctx: AddContext = {
    catalog,
    topology,
    dims: d,
    dimNames: dims.names,
    insufficient: dims.names.map((name) => `insufficient ${name}`),
    allowUndefined,
    minValuesPolicy: options.minValuesPolicy,
    shortcuts: hooks.withoutShortcuts !== true,
  };

  const daemons: DaemonPod[] = daemonSpecs.map((spec) => {
    let requirements = Requirements.fromLabels(
      Object.fromEntries(Object.entries(spec.nodeSelector).map(([k, v]) => [normalizeKey(k), v]))
    );
    const term = spec.requiredNodeTerms[0];
    if (term !== undefined) {
      requirements = requirements.merge(
        Requirements.fromSpecs((term.matchExpressions ?? []).map((e) => ({ ...e, key: normalizeKey(e.key) })))
      );
    }
    return { spec, requests: dims.vector(spec.requests), requirements };
  });

  // Existing nodes and the pods on them: capacity left, NodePool usage, topology domains and counts.
  const usage = new Map<string, { resources: Float64Array; nodes: number }>();
  const dimsKey = dims.names.join('\n');
  const existing = (input.existingNodes ?? []).map((node) => {
    const prepared = preparedNode(node, dims, dimsKey);
    const { bound, running } = prepared;
    const state = new ExistingNodeState(prepared.state);
    // DaemonSet pods that will still land on this node keep their room (Karpenter reserves daemons not yet running).
    daemons.forEach((daemon, i) => {
      const template = input.daemonSets?.[i];
      const name =
        template?.metadata.ownerReferences?.find((o) => o.kind === 'DaemonSet')?.name ?? template?.metadata.name;
      if (name !== undefined && running.has(name)) return;
      if (firstUntoleratedTaint(state.taints, daemon.spec.tolerations, true) !== undefined) return;
      if (state.requirements.compatibleError(daemon.requirements) !== undefined) return;
      state.reserve(daemon.requests, daemon.spec.hostPorts);
    });
    const nodePool = node.labels[LABEL_NODEPOOL];
    if (nodePool !== undefined) {
      let entry = usage.get(nodePool);
      if (entry === undefined) usage.set(nodePool, (entry = { resources: new Float64Array(d), nodes: 0 }));
      const capacity = prepared.capacity;
      for (let k = 0; k < d; k++) entry.resources[k] = (entry.resources[k] ?? 0) + (capacity[k] ?? 0);
      entry.nodes++;
    }
    for (const [key, requirement] of state.requirements.byKey) {
      for (const value of requirement.values) topology.addDomain(key, value, state.taints);
    }
    return { state, bound };
  });
  existing.sort(
    (a, b) =>
      Number(b.state.initialized) - Number(a.state.initialized) ||
      (a.state.name < b.state.name ? -1 : a.state.name > b.state.name ? 1 : 0)
  );

  // Like Karpenter's provisioner: static NodePools and NodePools being deleted never launch for pending pods.
  // Highest weight first; equal weights by name in *descending* order (Karpenter `OrderByWeight`,
  // pkg/utils/nodepool/nodepool.go:161-170: `nps[a].Name > nps[b].Name`).
  const nodePools = input.nodePools
    .filter((nodePool) => nodePool.spec.replicas === undefined && nodePool.metadata.deletionTimestamp === undefined)
    .sort(
      (a, b) =>
        (b.spec.weight ?? 0) - (a.spec.weight ?? 0) ||
        (a.metadata.name > b.metadata.name ? -1 : a.metadata.name < b.metadata.name ? 1 : 0)
    );
  const templates = nodePools.map((nodePool, i) => {
    const used = usage.get(nodePool.metadata.name);
    return new NodeClaimTemplate(
      i,
      nodePool,
      catalog,
      dims,
      daemons,
      allowUndefined,
      used?.resources ?? new Float64Array(d),
      used?.nodes ?? 0
    );
  });
  for (const template of templates) {
    // The domains a NodePool can provide: its own In values, and those of the instance types it may launch.
    const domains = new Map<string, Set<string>>();
    const add = (key: string, value: string): void => {
      let values = domains.get(key);
      if (values === undefined) domains.set(key, (values = new Set()));
      values.add(value);
    };
    for (const requirement of template.requirements.byKey.values()) {
      if (requirement.operator() === 'In') for (const value of requirement.values) add(requirement.key, value);
    }
    for (const t of template.typeIds) {
      const typeRequirements = catalog.requirements[t];
      if (typeRequirements === undefined) continue;
      // values(), not entries(): 185 types × their labels made an [key, value] pair each, every solve.
      for (const requirement of typeRequirements.byKey.values()) {
        if (requirement.complement) continue;
        const allowed = template.requirements.get(requirement.key);
        for (const value of requirement.values) {
          if (allowed === undefined || allowed.has(value)) add(requirement.key, value);
        }
      }
    }
    for (const [key, values] of domains) for (const value of values) topology.addDomain(key, value, template.taints);
  }
  const preferNoScheduleTaintsExist = templates.some((t) =>
    t.taints.some((taint) => taint.effect === 'PreferNoSchedule')
  );

  const classes = new PodClasses(dims, topology);
  const queue: QueuedPod[] = pending.map(({ pod, key, spec, classKey, index }) => ({
    pod,
    key,
    index,
    podClass: classes.classFor(spec, classKey),
  }));
  for (const { state, bound } of existing) {
    for (const spec of bound) {
      topology.addPlacement({
        namespace: spec.namespace,
        labels: spec.labels,
        requirements: state.requirements,
        taints: state.taints,
      });
      if (spec.podAntiAffinity.length > 0) topology.addExistingAntiAffinity(spec, state.requirements);
    }
  }
  classes.refreshInverse();
  queue.sort(compareForQueue);

  const existingStates = existing.map((e) => e.state);
  const claims: PlannedNodeClaim[] = [];
  const order = new ClaimIndex();
  let placeholders = 0;

  /** One attempt at placing a pod as it is now; the failure text lists why each NodePool refused it. */
  const add = (queued: QueuedPod): string | undefined => {
    const podClass = queued.podClass;
    const blocked =
      ctx.shortcuts && podClass.topology.quickChecks.some(({ group, selfSelecting }) => group.full(selfSelecting));
    for (const node of blocked ? [] : existingStates) {
      const result = node.canAdd(podClass, ctx);
      if (typeof result === 'string') continue;
      node.commit(podClass, queued.key, ctx);
      return undefined;
    }
    for (const id of blocked ? [] : order.ids(ctx.shortcuts ? allowedZones(podClass) : undefined)) {
      const claim = claims[id];
      if (claim === undefined) continue;
      const admission = claim.canAdd(podClass, ctx);
      if (typeof admission === 'string') continue;
      claim.commit(podClass, queued.key, admission, ctx);
      order.update(claim);
      return undefined;
    }
    const errors: string[] = [];
    for (const template of templates) {
      const verdict = templateVerdict(podClass, template, ctx);
      if (verdict !== null) {
        errors.push(`incompatible with nodepool "${template.name}", ${verdict}`);
        continue;
      }
      if (template.remainingNodes < 1) {
        errors.push(`nodepool "${template.name}" node limit reached`);
        continue;
      }
      const withinLimits = template.typesWithinLimits(catalog, d);
      if (withinLimits.length === 0) {
        errors.push(`all available instance types exceed limits for nodepool "${template.name}"`);
        continue;
      }
      const hostname = `hostname-placeholder-${String(placeholders++).padStart(4, '0')}`;
      topology.registerHostname(hostname);
      const claim = new PlannedNodeClaim(claims.length, template, hostname, withinLimits, ctx);
      const admission = claim.canAdd(podClass, ctx);
      if (typeof admission === 'string') {
        topology.unregisterHostname(hostname);
        errors.push(`incompatible with nodepool "${template.name}", ${admission}`);
        continue;
      }
      claim.commit(podClass, queued.key, admission, ctx);
      claims.push(claim);
      order.update(claim);
      template.subtractMax(catalog, d, claim.options);
      return undefined;
    }
    return errors.length > 0 ? errors.join('; ') : 'no nodepools found';
  };

  // Karpenter's queue: failures go to the back; stop when a pod comes round with the queue no shorter than when
  // it was pushed (a full pass without progress). Relaxing a pod counts as progress.
  const errors = new Map<string, string>();
  const lastLength = new Map<QueuedPod, number>();
  let items = queue;
  let head = 0;
  let processed = 0;
  const total = queue.length;
  for (;;) {
    if (head >= items.length) break;
    const queued = items[head];
    if (queued === undefined) break;
    if (lastLength.get(queued) === items.length - head) break;
    head++;
    if ((++processed & 1023) === 0) hooks.onProgress?.(processed, total);
    let relaxed = false;
    let error: string | undefined;
    for (;;) {
      error = add(queued);
      if (error === undefined) break;
      const next = relax(queued.podClass.spec, preferNoScheduleTaintsExist);
      if (next === undefined) break;
      queued.podClass = classes.classFor(next.spec);
      relaxed = true;
    }
    if (error === undefined) {
      // Guarded: hashing every pod's key for a delete from an empty map showed up in profiles.
      if (errors.size > 0) errors.delete(queued.key);
      continue;
    }
    errors.set(queued.key, error);
    items.push(queued);
    if (relaxed) lastLength.clear();
    else lastLength.set(queued, items.length - head);
    // Lengths are logical (items after head), so compacting the array leaves them valid.
    if (head > 4096 && head * 2 > items.length) {
      items = items.slice(head);
      head = 0;
    }
  }
  hooks.onProgress?.(total, total);
  for (const [pod, reason] of errors) unschedulable.push({ pod, reason });

  return buildPlan({ claims, existing: existingStates, unschedulable, catalog, dims, options });
}
