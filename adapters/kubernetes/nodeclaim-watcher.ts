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
    this.nodeClaims = makeInformer<NodeClaimObject>(
      kubeConfig,
      '/apis/karpenter.sh/v1/nodeclaims',
      async () =>
        (await custom.listClusterCustomObject({ group: 'karpenter.sh', version: 'v1', plural: 'nodeclaims' })) as never
    );
    this.nodes = makeInformer<V1Node>(kubeConfig, '/api/v1/nodes', () => core.listNode());

    this.nodeClaims.on('add', (claim) => this.onNodeClaim(claim, true));
    this.nodeClaims.on('update', (claim) => this.onNodeClaim(claim, false));
    this.nodeClaims.on('delete', (claim) => this.eventsWritten.delete(claim.metadata?.name ?? ''));
    this.nodes.on('add', (node) => this.onNode(node));
    this.nodes.on('update', (node) => this.onNode(node));
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
      const node = this.nodes.list().find((n) => n.spec?.providerID === providerID);
      if (node) this.report(name, node);
    }
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
    const claim = this.nodeClaims.list().find((c) => c.status?.providerID === providerID);
    if (claim?.metadata?.name) this.report(claim.metadata.name, node);
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
