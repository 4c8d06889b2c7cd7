/**
 * A node that already exists, or a NodeClaim launched but not yet initialized (Karpenter `ExistingNode`): pods
 * fit into what its bound pods leave of its allocatable.
 */
import type { ResourceDimensions } from './catalog.js';
import { LABEL_HOSTNAME, normalizeKey } from './labels.js';
import { conflicts, type AddContext } from './nodeclaim.js';
import type { PodClass } from './podclass.js';
import { canonicalResources } from './quantity.js';
import { Requirements } from './requirements.js';
import { firstUntoleratedTaint, formatTaint, isEphemeralTaint } from './taints.js';
import type { ExistingNode, Taint } from './types.js';

export class ExistingNodeState {
  readonly name: string;
  readonly requirements: Requirements;
  /** Taints pods must tolerate: startup and ephemeral taints are ignored until the node is initialized. */
  readonly taints: Taint[];
  /**
   * Room left and host ports in use. A copy shares both with the state it was copied from until it first changes
   * (`own`): most nodes of a disruption simulation take no pod, and copying them all was most of its garbage.
   */
  available: Float64Array;
  hostPorts: Set<string>;
  private owned = true;
  readonly podKeys: string[] = [];
  readonly initialized: boolean;

  constructor(node: ExistingNode, dims: ResourceDimensions, boundRequests: Float64Array[], boundPorts: string[]);
  constructor(copyOf: ExistingNodeState);
  constructor(
    node: ExistingNode | ExistingNodeState,
    dims?: ResourceDimensions,
    boundRequests: Float64Array[] = [],
    boundPorts: string[] = []
  ) {
    if (node instanceof ExistingNodeState) {
      // A fresh solve's state from a prepared one: requirements and taints are immutable and shared; room left and
      // host ports are copied when first changed.
      this.name = node.name;
      this.initialized = node.initialized;
      this.requirements = node.requirements;
      this.taints = node.taints;
      this.available = node.available;
      this.hostPorts = node.hostPorts;
      this.owned = false;
      this.podKeys.push(...node.podKeys);
      return;
    }
    if (dims === undefined) throw new Error('ExistingNodeState needs the resource dimensions');
    this.name = node.name;
    this.initialized = node.initialized ?? true;
    const labels = Object.fromEntries(Object.entries(node.labels).map(([k, v]) => [normalizeKey(k), v]));
    labels[LABEL_HOSTNAME] ??= node.name;
    this.requirements = Requirements.fromLabels(labels);
    const startup = new Set((node.startupTaints ?? []).map(formatTaint));
    this.taints = (node.taints ?? []).filter(
      (taint) => this.initialized || (!isEphemeralTaint(taint) && !startup.has(formatTaint(taint)))
    );
    this.available = dims.vector(canonicalResources(node.allocatable));
    this.hostPorts = new Set();
    for (const requests of boundRequests) {
      for (let k = 0; k < this.available.length; k++) this.available[k] = (this.available[k] ?? 0) - (requests[k] ?? 0);
    }
    for (const port of boundPorts) this.hostPorts.add(port);
  }

  private own(): void {
    if (this.owned) return;
    this.available = this.available.slice();
    this.hostPorts = new Set(this.hostPorts);
    this.owned = true;
  }

  /** Holds back room (and host ports) for a pod expected to arrive, such as a DaemonSet pod. */
  reserve(requests: Float64Array, hostPorts: readonly string[]): void {
    this.own();
    for (let k = 0; k < this.available.length; k++) this.available[k] = (this.available[k] ?? 0) - (requests[k] ?? 0);
    for (const port of hostPorts) this.hostPorts.add(port);
  }

  canAdd(podClass: PodClass, ctx: AddContext): Requirements | string {
    const requested = podClass.requestedDims;
    for (let i = 0; i < requested.length; i++) {
      const k = requested[i] ?? 0;
      if ((podClass.requests[k] ?? 0) > (this.available[k] ?? 0))
        return ctx.insufficient[k] ?? 'insufficient resources';
    }
    if (podClass.invalid !== undefined) return podClass.invalid;
    for (const { group, selfSelecting } of ctx.shortcuts ? podClass.topology.quickChecks : []) {
      const domain = this.requirements.get(group.key)?.single();
      if (domain === undefined) continue;
      if (!group.quickAdmits(domain, selfSelecting, podClass.strictRequirements.get(group.key))) {
        return group.unsatisfiable;
      }
    }
    const taint = firstUntoleratedTaint(this.taints, podClass.spec.tolerations);
    if (taint !== undefined) return `did not tolerate taint ${formatTaint(taint)}`;
    for (const port of podClass.spec.hostPorts) if (conflicts(this.hostPorts, port)) return `host port ${port} in use`;
    // An in-flight NodeClaim does not have all its labels yet; allow well-known ones to be undefined, as Karpenter does.
    const allowUndefined = this.initialized ? undefined : ctx.allowUndefined;
    const error = this.requirements.compatibleError(podClass.requirements, allowUndefined);
    if (error !== undefined) return `incompatible requirements, ${error}`;
    if (!podClass.hasTopology) return this.requirements;
    const result = ctx.topology.addRequirements(
      podClass.spec,
      podClass.topology,
      podClass.strictRequirements,
      this.requirements.merge(podClass.requirements)
    );
    if ('error' in result) return result.error;
    const topologyError = this.requirements.compatibleError(result.requirements, allowUndefined);
    if (topologyError !== undefined) return `incompatible topology requirements, ${topologyError}`;
    return this.requirements;
  }

  commit(podClass: PodClass, podKey: string, ctx: AddContext): void {
    this.own();
    for (let k = 0; k < this.available.length; k++) {
      this.available[k] = (this.available[k] ?? 0) - (podClass.requests[k] ?? 0);
    }
    for (const port of podClass.spec.hostPorts) this.hostPorts.add(port);
    this.podKeys.push(podKey);
    ctx.topology.record(podClass.spec, podClass.topology, this.requirements, this.taints);
  }
}
