import { CustomObjectsApi, makeInformer, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { EC2NodeClass } from '../adapters/aws/nodeclass.js';
import type { NodeClassReadiness } from '../adapters/aws/nodeclass-reconciler.js';
import { EC2NODECLASS_RESOURCE, type NodeClassCache } from '../adapters/aws/nodeclass-store.js';
import { restartOnError } from '../adapters/kubernetes/informer-restart.js';

/**
 * Keeps every EC2NodeClass's status resolved, as Karpenter's nodeclass controller does: on every spec change and
 * every `resyncMs`, it runs the node class status reconcile (activities/nodeclass-status.ts). Idempotent, so
 * several workers may run it at once.
 */
export class NodeClassController implements NodeClassCache {
  private readonly informer;
  private readonly timer: NodeJS.Timeout;
  private readonly inFlight = new Set<string>();
  private stopped = false;
  private readonly resolvedGeneration = new Map<string, number | undefined>();

  constructor(
    kubeConfig: KubeConfig,
    private readonly reconcileStatus: (name: string) => Promise<NodeClassReadiness | null>,
    private readonly log: Logger,
    resyncMs = 60_000
  ) {
    const custom = kubeConfig.makeApiClient(CustomObjectsApi);
    this.informer = makeInformer<KubernetesObject>(
      kubeConfig,
      `/apis/${EC2NODECLASS_RESOURCE.group}/${EC2NODECLASS_RESOURCE.version}/${EC2NODECLASS_RESOURCE.plural}`,
      async () => (await custom.listClusterCustomObject({ ...EC2NODECLASS_RESOURCE })) as never
    );
    this.informer.on('add', (obj) => this.reconcile(obj));
    this.informer.on('update', (obj) => {
      // Our own status write also arrives as an update; only a spec change (a new generation) needs a resolve now.
      if (this.resolvedGeneration.get(obj.metadata?.name ?? '') !== obj.metadata?.generation) this.reconcile(obj);
    });
    restartOnError(this.informer, 'ec2nodeclasses', log, () => this.stopped);
    this.timer = setInterval(() => this.informer.list().forEach((obj) => this.reconcile(obj)), resyncMs);
    this.timer.unref();
  }

  async start(): Promise<void> {
    await this.informer.start();
  }

  /** The class as the watch last saw it (its status included); undefined before `start` or for an unseen name. */
  get(name: string): EC2NodeClass | undefined {
    return this.informer.get(name) as EC2NodeClass | undefined;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.informer.stop();
  }

  private reconcile(obj: KubernetesObject): void {
    const name = obj.metadata?.name ?? '';
    if (!name || obj.metadata?.deletionTimestamp || this.inFlight.has(name)) return;
    this.inFlight.add(name);
    this.resolvedGeneration.set(name, obj.metadata?.generation);
    this.reconcileStatus(name)
      .then((readiness) =>
        this.log.info(
          { ec2nodeclass: name, ready: readiness?.ready, message: readiness?.message },
          'resolved ec2nodeclass'
        )
      )
      .catch((err: unknown) =>
        this.log.warn({ ec2nodeclass: name, err: (err as Error).message }, 'resolving ec2nodeclass failed')
      )
      .finally(() => this.inFlight.delete(name));
  }
}
