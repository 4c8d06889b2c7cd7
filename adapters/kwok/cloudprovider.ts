/**
 * The kwok CloudProvider (Karpenter core `kwok/cloudprovider/cloudprovider.go`): a second implementation of the port,
 * with no cloud behind it. An "instance" is a Node object that this provider creates itself, annotated so the kwok
 * controller animates it (Ready, leases, pods Running); the NodeClaim lifecycle then registers it like any other node
 * (takes off `karpenter.sh/unregistered`, syncs labels and taints, adds its finalizer).
 *
 * Where we differ from Karpenter's kwok build, on purpose:
 * - The Node is named after the NodeClaim and its providerID is `kwok://<nodeclaim>`; the NodeClaim uid is written
 *   on it. Create is then idempotent per NodeClaim: a repeat finds its Node (same uid) and returns it, never a second.
 * - The offering is the cheapest compatible one, ties broken by zone, not a random sample: launches are repeatable.
 * - A Node being deleted counts as a terminated instance (Karpenter's kwok Get does the same), so the lifecycle's
 *   delete-until-NotFound loop ends while the Node still waits for its finalizer to be lifted.
 */
import type { V1Node } from '@kubernetes/client-node';
import { KWOKNODECLASS_GROUP, KWOKNODECLASS_KIND, type KWOKNodeClass } from '../../apis/kwok/kwoknodeclass.js';
import { WELL_KNOWN_LABELS } from '../../apis/labels.js';
import {
  allocatable as allocatableOf,
  cheapestOffering,
  CreateError,
  InsufficientCapacityError,
  NodeClaimNotFoundError,
  NodeClassNotReadyError,
  type CloudInstance,
  type CloudProvider,
  type DriftReason,
  type InstanceType,
  type LaunchedNodeClaim,
  type NodeClaimLike,
  type NodePoolLike,
  type Offering,
  type ResourceList,
} from '../../core/cloudprovider/index.js';
import { Quantity } from '../../core/resources/index.js';
import { Requirements } from '../../core/requirements/index.js';
import { genericInstanceTypeOptions, instanceTypeOptionsSchema, LABEL, toInstanceTypes } from './instancetypes.js';
import type { KwokNodeApi, KwokNodeClassSource } from './nodes.js';

export const CLOUD_PROVIDER_NAME = 'kwok';
export const KWOK_PROVIDER_PREFIX = 'kwok://';
/** What the kwok controller selects the Nodes it animates by (`--manage-nodes-with-annotation-selector`). */
export const KWOK_NODE_KEY = 'kwok.x-k8s.io/node';
export const KWOK_NODE_VALUE = 'fake';
/** The NodeClaim a Node was launched for: its uid keys idempotent create. */
export const NODECLAIM_UID_ANNOTATION = 'karpenter.kwok.sh/nodeclaim-uid';
export const UNREGISTERED_TAINT = { key: 'karpenter.sh/unregistered', effect: 'NoExecute' } as const;

/** A Kubernetes API failure under the port, with a stable `type` and whether trying again can help. */
export class KwokApiError extends Error {
  readonly type = 'KwokApiError';
  override readonly name = 'KwokApiError';
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly statusCode?: number
  ) {
    super(message);
  }
}

export function toKwokApiError(verb: string, err: unknown): KwokApiError {
  const code = (err as { code?: number }).code;
  // No status at all is a transport failure (connection refused, reset): worth another try, as are 429 and 5xx.
  const retryable = code === undefined || code === 429 || code >= 500;
  return new KwokApiError(`${verb}: ${(err as Error).message ?? String(err)}`, retryable, code);
}

export interface KwokCloudProviderOptions {
  nodes: KwokNodeApi;
  nodeClasses: KwokNodeClassSource;
  /** The catalogue (`parseCatalogue` of a file); Karpenter's generic 72 linux types by default. */
  instanceTypes?: ReturnType<typeof instanceTypeOptionsSchema.parse>[];
}

const isKwokNodeClassRef = (ref: { group: string; kind: string }): boolean =>
  ref.group === KWOKNODECLASS_GROUP && ref.kind === KWOKNODECLASS_KIND;

function readyProblem(nodeClass: KWOKNodeClass): string | undefined {
  // Karpenter's CRD defaults the status to Ready=True; ours has no defaulting, so only an explicit False counts.
  const ready = nodeClass.status?.conditions?.find((c) => c.type === 'Ready');
  return ready !== undefined && ready.status === 'False' ? ready.message || ready.reason : undefined;
}

function quantities(list: ResourceList): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(list)) out[name] = name === 'cpu' ? `${value}m` : String(value);
  return out;
}

function canonicalRequests(requests: Readonly<Record<string, string | number>> | undefined): ResourceList {
  const out: ResourceList = {};
  for (const [name, value] of Object.entries(requests ?? {})) {
    const q = Quantity.parse(value);
    out[name] = name === 'cpu' ? q.milliValue() : q.value();
  }
  return out;
}

export class KwokCloudProvider implements CloudProvider {
  private readonly options;

  constructor(options: KwokCloudProviderOptions) {
    this.options = {
      ...options,
      instanceTypes:
        options.instanceTypes ?? genericInstanceTypeOptions().map((o) => instanceTypeOptionsSchema.parse(o)),
    };
  }

  name(): string {
    return CLOUD_PROVIDER_NAME;
  }

  private typesFor(nodeClass: KWOKNodeClass): InstanceType[] {
    return toInstanceTypes(this.options.instanceTypes, {
      ...(nodeClass.spec?.maxPods !== undefined ? { maxPods: nodeClass.spec.maxPods } : {}),
      ...(nodeClass.spec?.reservedResources !== undefined
        ? { reservedResources: nodeClass.spec.reservedResources }
        : {}),
    });
  }

  /** Instance types of a NodePool whose class is a KWOKNodeClass that exists and is not NotReady; else none. */
  async getInstanceTypes(nodePool: NodePoolLike): Promise<InstanceType[]> {
    const ref = nodePool.spec.template.spec.nodeClassRef;
    // Another provider's class (an EC2NodeClass) offers nothing here, as Karpenter's GetSupportedNodeClasses says.
    if (!isKwokNodeClassRef(ref)) return [];
    const nodeClass = await this.options.nodeClasses.get(ref.name);
    if (nodeClass === undefined || readyProblem(nodeClass) !== undefined) return [];
    return this.typesFor(nodeClass);
  }

  private async readyNodeClass(ref: { group: string; kind: string; name: string }): Promise<KWOKNodeClass> {
    if (!isKwokNodeClassRef(ref)) {
      throw new NodeClassNotReadyError(`${ref.kind}.${ref.group} ${ref.name} is not a node class of the kwok provider`);
    }
    const nodeClass = await this.options.nodeClasses.get(ref.name);
    if (nodeClass === undefined) throw new NodeClassNotReadyError(`KWOKNodeClass ${ref.name} does not exist`);
    const problem = readyProblem(nodeClass);
    if (problem !== undefined) throw new NodeClassNotReadyError(`KWOKNodeClass ${ref.name} is not ready: ${problem}`);
    return nodeClass;
  }

  async create(nodeClaim: NodeClaimLike): Promise<LaunchedNodeClaim> {
    const { name, uid } = nodeClaim.metadata;
    if (uid === undefined || uid === '') {
      throw new CreateError(`nodeclaim ${name} has no uid to key its launch on`, 'LaunchFailed');
    }
    const nodeClass = await this.readyNodeClass(nodeClaim.spec.nodeClassRef);
    const instanceTypes = this.typesFor(nodeClass);
    try {
      const existing = await this.options.nodes.get(name);
      if (existing !== undefined) return this.adopt(existing, uid, instanceTypes);
      const node = this.plan(nodeClaim, uid, instanceTypes);
      if (!(await this.options.nodes.create(node))) {
        // Another attempt of this launch got there first (a racing worker): adopt what it made, if it is ours.
        const raced = await this.options.nodes.get(name);
        if (raced === undefined) throw new CreateError(`node ${name} vanished while launching`, 'LaunchRetryable');
        return this.adopt(raced, uid, instanceTypes);
      }
      return this.launched(node, instanceTypes);
    } catch (err) {
      const type = (err as { type?: unknown }).type;
      if (type === 'InsufficientCapacity' || type === 'CreateError' || type === 'NodeClassNotReady') throw err;
      const api = toKwokApiError('launching nodeclaim', err);
      throw new CreateError(api.message, api.retryable ? 'LaunchRetryable' : 'LaunchFailed');
    }
  }

  /** A Node already named after the NodeClaim: ours when it carries the NodeClaim's uid and is not being deleted. */
  private adopt(node: V1Node, uid: string, instanceTypes: readonly InstanceType[]): LaunchedNodeClaim {
    const name = node.metadata?.name ?? '';
    if (node.metadata?.annotations?.[NODECLAIM_UID_ANNOTATION] !== uid) {
      throw new CreateError(
        `node ${name} already exists for another nodeclaim (uid ${node.metadata?.annotations?.[NODECLAIM_UID_ANNOTATION] ?? 'none'})`,
        'NodeNameConflict'
      );
    }
    if (node.metadata?.deletionTimestamp) {
      throw new CreateError(`node ${name} of this nodeclaim is being deleted`, 'LaunchFailed');
    }
    return this.launched(node, instanceTypes);
  }

  /** The Node for the cheapest offering the NodeClaim allows; InsufficientCapacity when it allows none. */
  private plan(nodeClaim: NodeClaimLike, uid: string, instanceTypes: readonly InstanceType[]): V1Node {
    const claim = Requirements.fromNodeSelectorRequirements(nodeClaim.spec.requirements);
    const requests = canonicalRequests(nodeClaim.spec.resources?.requests);
    const zone = claim.get(LABEL.zone);
    const capacityType = claim.get(LABEL.capacityType);
    let best: { instanceType: InstanceType; offering: Offering } | undefined;
    for (const instanceType of instanceTypes) {
      const typeRequirements = Requirements.fromNodeSelectorRequirements(instanceType.requirements);
      const allowUndefined = new Set([...WELL_KNOWN_LABELS, ...instanceType.requirements.map((r) => r.key)]);
      if (!claim.isCompatible(typeRequirements, { allowUndefined })) continue;
      const free = allocatableOf(instanceType);
      if (!Object.entries(requests).every(([resource, value]) => value <= (free[resource] ?? 0))) continue;
      const offering = cheapestOffering(
        instanceType.offerings.filter(
          (o) => o.available && zone.matches(o.zone) && capacityType.matches(o.capacityType)
        )
      );
      if (offering === undefined) continue;
      const current = best?.offering;
      if (
        current === undefined ||
        offering.price < current.price ||
        (offering.price === current.price && instanceType.name < best!.instanceType.name)
      ) {
        best = { instanceType, offering };
      }
    }
    if (best === undefined) {
      throw new InsufficientCapacityError(
        `no available offering of ${instanceTypes.length} kwok instance types meets the nodeclaim's requirements`
      );
    }
    const { instanceType, offering } = best;
    const labels: Record<string, string> = { ...(nodeClaim.metadata.labels ?? {}) };
    for (const r of nodeClaim.spec.requirements) {
      if (r.operator === 'In' && r.values?.length === 1) labels[r.key] = r.values[0]!;
    }
    for (const r of instanceType.requirements) {
      if (r.operator === 'In' && r.values?.length === 1) labels[r.key] = r.values[0]!;
    }
    Object.assign(labels, {
      [LABEL.instanceType]: instanceType.name,
      [LABEL.zone]: offering.zone,
      [LABEL.capacityType]: offering.capacityType,
      [LABEL.hostname]: nodeClaim.metadata.name,
      [KWOK_NODE_KEY]: KWOK_NODE_VALUE,
    });
    const arch = labels[LABEL.arch] ?? 'amd64';
    const os = labels[LABEL.os] ?? 'linux';
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: nodeClaim.metadata.name,
        labels,
        annotations: {
          ...(nodeClaim.metadata.annotations ?? {}),
          [KWOK_NODE_KEY]: KWOK_NODE_VALUE,
          [NODECLAIM_UID_ANNOTATION]: uid,
        },
      },
      spec: {
        providerID: `${KWOK_PROVIDER_PREFIX}${nodeClaim.metadata.name}`,
        taints: [{ ...UNREGISTERED_TAINT }],
      },
      status: {
        capacity: quantities(instanceType.capacity),
        allocatable: quantities(allocatableOf(instanceType)),
        nodeInfo: {
          architecture: arch,
          bootID: uid,
          containerRuntimeVersion: 'kwok',
          kernelVersion: 'kwok',
          kubeProxyVersion: '',
          kubeletVersion: 'kwok',
          machineID: uid,
          operatingSystem: os,
          osImage: 'kwok',
          systemUUID: uid,
        },
      },
    };
  }

  /** The NodeClaim status of a Node this provider made: labels of its type and offering, capacity, allocatable. */
  private launched(node: V1Node, instanceTypes: readonly InstanceType[]): LaunchedNodeClaim {
    const nodeLabels = node.metadata?.labels ?? {};
    const instanceType = instanceTypes.find((it) => it.name === nodeLabels[LABEL.instanceType]);
    const labels: Record<string, string> = {};
    for (const r of instanceType?.requirements ?? []) {
      if (r.operator === 'In' && r.values?.length === 1) labels[r.key] = r.values[0]!;
    }
    for (const key of [LABEL.instanceType, LABEL.zone, LABEL.capacityType, LABEL.arch, LABEL.os]) {
      const value = nodeLabels[key];
      if (value !== undefined) labels[key] = value;
    }
    return {
      providerID: node.spec?.providerID ?? `${KWOK_PROVIDER_PREFIX}${node.metadata?.name ?? ''}`,
      labels,
      capacity: instanceType?.capacity ?? {},
      allocatable: instanceType !== undefined ? allocatableOf(instanceType) : {},
    };
  }

  private nodeNameOf(providerID: string): string | undefined {
    return providerID.startsWith(KWOK_PROVIDER_PREFIX) ? providerID.slice(KWOK_PROVIDER_PREFIX.length) : undefined;
  }

  /**
   * Deletes the NodeClaim's Node. NodeClaimNotFound once it is gone or already being deleted (its finalizer, the
   * lifecycle's, is lifted after this loop ends); the caller repeats delete until then.
   */
  async delete(nodeClaim: NodeClaimLike): Promise<void> {
    const providerID = nodeClaim.status?.providerID;
    const name = (providerID ? this.nodeNameOf(providerID) : undefined) ?? nodeClaim.metadata.name;
    const node = await this.options.nodes.get(name);
    if (node === undefined || node.metadata?.deletionTimestamp) {
      throw new NodeClaimNotFoundError(`node ${name} not found`);
    }
    const uid = node.metadata?.annotations?.[NODECLAIM_UID_ANNOTATION];
    if (nodeClaim.metadata.uid && uid !== undefined && uid !== nodeClaim.metadata.uid) {
      // Same name, another NodeClaim's node: ours is long gone.
      throw new NodeClaimNotFoundError(`node ${name} belongs to another nodeclaim`);
    }
    if (!(await this.options.nodes.delete(name))) throw new NodeClaimNotFoundError(`node ${name} not found`);
  }

  async get(providerID: string): Promise<CloudInstance> {
    const name = this.nodeNameOf(providerID);
    if (name === undefined) throw new NodeClaimNotFoundError(`${providerID} is not a kwok provider id`);
    const node = await this.options.nodes.get(name);
    if (node === undefined || node.metadata?.deletionTimestamp) {
      throw new NodeClaimNotFoundError(`node ${name} not found`);
    }
    return toCloudInstance(node);
  }

  async list(): Promise<CloudInstance[]> {
    return (await this.options.nodes.list())
      .filter((n) => n.spec?.providerID?.startsWith(KWOK_PROVIDER_PREFIX) && !n.metadata?.deletionTimestamp)
      .map(toCloudInstance);
  }

  /** No provider drift: a kwok node has no image, subnet or launch template to drift from. */
  async isDrifted(_nodeClaim: NodeClaimLike): Promise<DriftReason> {
    return '';
  }
}

function toCloudInstance(node: V1Node): CloudInstance {
  const labels = node.metadata?.labels ?? {};
  const nodePoolName = labels[LABEL.nodePool];
  const created = node.metadata?.creationTimestamp;
  return {
    providerID: node.spec?.providerID ?? '',
    // Only a Node this provider launched names a NodeClaim; the NodeClaim's name is the Node's.
    ...(node.metadata?.annotations?.[NODECLAIM_UID_ANNOTATION] !== undefined
      ? { nodeClaimName: node.metadata?.name ?? '' }
      : {}),
    ...(nodePoolName !== undefined ? { nodePoolName } : {}),
    instanceType: labels[LABEL.instanceType] ?? '',
    zone: labels[LABEL.zone] ?? '',
    capacityType: labels[LABEL.capacityType] ?? '',
    state: 'running',
    launchTime: created ? new Date(created).toISOString() : new Date(0).toISOString(),
  };
}

export function createKwokCloudProvider(options: KwokCloudProviderOptions): KwokCloudProvider {
  return new KwokCloudProvider(options);
}
