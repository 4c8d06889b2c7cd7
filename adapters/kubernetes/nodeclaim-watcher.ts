import {
  CoreV1Api,
  CustomObjectsApi,
  makeInformer,
  type Informer,
  type ObjectCache,
  type KubeConfig,
  type KubernetesObject,
  type V1Node,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { conditionEvents } from '../../core/lifecycle/condition-events.js';
import type { Condition } from '../../core/lifecycle/conditions.js';
import type { NodeObservation } from '../../core/lifecycle/node-observation.js';
import { restartOnError } from './informer-restart.js';
import { stripManagedFields } from './strip-managed-fields.js';
import { observeNode } from './lifecycle.js';

/** What the watcher tells the NodeClaim workflows. Implemented over the Temporal client in workers/. */
export interface LifecycleNotifier {
  /** Makes sure the NodeClaim's workflow runs (idempotent: an existing run is kept). */
  ensureStarted(nodeClaimName: string): Promise<void>;
  nodeClaimDeleting(nodeClaimName: string): Promise<void>;
  nodeObserved(nodeClaimName: string, node: NodeObservation): Promise<void>;
  nodeDeleting(nodeClaimName: string): Promise<void>;
}

interface NodeClaimObject extends KubernetesObject {
  status?: { providerID?: string; conditions?: Condition[] };
}

/** Writes an Event on a NodeClaim (idempotent by content: adapters/kubernetes/disruption.ts `recordEvent`). */
export type NodeClaimEventSink = (
  object: { kind: 'NodeClaim'; name: string; uid?: string },
  type: 'Normal' | 'Warning',
  reason: string,
  message: string
) => Promise<void>;

/**
 * Informers on NodeClaims and Nodes that turn cluster events into workflow signals: a new NodeClaim gets its
 * workflow, a deleting NodeClaim or Node is reported, and the Node carrying a NodeClaim's providerID is reported
 * whenever it changes. Several workers may run it at once; the workflows treat repeats as no-ops. After a
 * restart the informers list everything again, so nothing that happened while no worker ran is lost.
 */
export class NodeClaimWatcher {
  private readonly nodeClaims: Informer<NodeClaimObject> & ObjectCache<NodeClaimObject>;
  private readonly nodes: Informer<V1Node> & ObjectCache<V1Node>;
  private readonly lastSent = new Map<string, string>();
  /**
   * providerID → NodeClaim name and → Node, kept from the informers' events: matching a Node to its NodeClaim by
   * scanning either cache made every event cost O(fleet), quadratic over a burst of thousands of nodes.
   */
  private readonly claimByProviderID = new Map<string, string>();
  private readonly nodeByProviderID = new Map<string, V1Node>();
  /** Condition transitions already written as Events, per NodeClaim (a few each; dropped with the NodeClaim). */
  private readonly eventsWritten = new Map<string, Set<string>>();
  private stopped = false;

  constructor(
    kubeConfig: KubeConfig,
    private readonly notify: LifecycleNotifier,
    private readonly log: Logger,
    private readonly events?: NodeClaimEventSink
  ) {
    const custom = kubeConfig.makeApiClient(CustomObjectsApi);
    const core = kubeConfig.makeApiClient(CoreV1Api);
    this.nodeClaims = stripManagedFields(
      makeInformer<NodeClaimObject>(
        kubeConfig,
        '/apis/karpenter.sh/v1/nodeclaims',
        async () =>
          (await custom.listClusterCustomObject({
            group: 'karpenter.sh',
            version: 'v1',
            plural: 'nodeclaims',
          })) as never
      )
    );
    this.nodes = stripManagedFields(makeInformer<V1Node>(kubeConfig, '/api/v1/nodes', () => core.listNode()));

    this.nodeClaims.on('add', (claim) => this.onNodeClaim(claim, true));
    this.nodeClaims.on('update', (claim) => this.onNodeClaim(claim, false));
    this.nodeClaims.on('delete', (claim) => this.forgetNodeClaim(claim));
    this.nodes.on('add', (node) => this.onNode(node));
    this.nodes.on('update', (node) => this.onNode(node));
    this.nodes.on('delete', (node) => this.forgetNode(node));
    restartOnError(this.nodeClaims, 'nodeclaims', log, () => this.stopped);
    restartOnError(this.nodes, 'nodes', log, () => this.stopped);
  }

  async start(): Promise<void> {
    await Promise.all([this.nodeClaims.start(), this.nodes.start()]);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([this.nodeClaims.stop(), this.nodes.stop()]);
  }

  private run(what: string, action: Promise<void>): void {
    action.catch((err: unknown) => this.log.warn({ err: (err as Error).message, what }, 'notifying a workflow failed'));
  }

  private onNodeClaim(claim: NodeClaimObject, added: boolean): void {
    const name = claim.metadata?.name;
    if (!name) return;
    if (added) this.run(`start ${name}`, this.notify.ensureStarted(name));
    if (claim.metadata?.deletionTimestamp) this.run(`deleting ${name}`, this.notify.nodeClaimDeleting(name));
    this.writeEvents(claim, name);
    // The Node may have registered before the NodeClaim recorded its providerID.
    const providerID = claim.status?.providerID;
    if (providerID) {
      this.claimByProviderID.set(providerID, name);
      const node = this.nodeByProviderID.get(providerID);
      if (node) this.report(name, node);
    }
  }

  private forgetNodeClaim(claim: NodeClaimObject): void {
    const name = claim.metadata?.name ?? '';
    this.eventsWritten.delete(name);
    const providerID = claim.status?.providerID;
    if (!providerID || this.claimByProviderID.get(providerID) !== name) return;
    this.claimByProviderID.delete(providerID);
    const nodeName = this.nodeByProviderID.get(providerID)?.metadata?.name;
    if (nodeName) this.lastSent.delete(`${name}/${nodeName}`);
  }

  private forgetNode(node: V1Node): void {
    const providerID = node.spec?.providerID;
    if (providerID && this.nodeByProviderID.get(providerID)?.metadata?.name === node.metadata?.name)
      this.nodeByProviderID.delete(providerID);
    const claim = providerID ? this.claimByProviderID.get(providerID) : undefined;
    if (claim && node.metadata?.name) this.lastSent.delete(`${claim}/${node.metadata.name}`);
  }

  /** Each condition transition of the NodeClaim becomes one Kubernetes Event (the workflow's life, in kubectl). */
  private writeEvents(claim: NodeClaimObject, name: string): void {
    if (!this.events) return;
    const written = this.eventsWritten.get(name) ?? new Set<string>();
    this.eventsWritten.set(name, written);
    for (const event of conditionEvents(claim.status?.conditions ?? [])) {
      if (written.has(event.key)) continue;
      written.add(event.key);
      const object = { kind: 'NodeClaim' as const, name, ...(claim.metadata?.uid ? { uid: claim.metadata.uid } : {}) };
      this.run(`event ${event.reason} on ${name}`, this.events(object, event.type, event.reason, event.message));
    }
  }

  private onNode(node: V1Node): void {
    const providerID = node.spec?.providerID;
    if (!providerID) return;
    this.nodeByProviderID.set(providerID, node);
    const claim = this.claimByProviderID.get(providerID);
    if (claim) this.report(claim, node);
  }

  private report(nodeClaimName: string, node: V1Node): void {
    const observation = observeNode(node);
    const key = `${nodeClaimName}/${observation.name}`;
    const fingerprint = JSON.stringify(observation);
    if (this.lastSent.get(key) === fingerprint) return;
    this.lastSent.set(key, fingerprint);
    this.run(`node ${observation.name}`, this.notify.nodeObserved(nodeClaimName, observation));
    if (observation.deleting) this.run(`node deleting ${observation.name}`, this.notify.nodeDeleting(nodeClaimName));
  }
}
