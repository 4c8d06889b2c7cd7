import { CoreV1Api, makeInformer, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { isProvisionable, podKey } from '../../core/provisioning/snapshot.js';
import { restartOnError } from './informer-restart.js';

/** How the pod watcher reaches the provisioner (signal-with-start over Temporal, in workers/). */
export interface ProvisionerNotifier {
  podsPending(keys: string[]): Promise<void>;
}

/**
 * Watches pods and sends every provisionable one (Unschedulable, unbound) to the provisioner: new ones within
 * `flushMs`, and all still-pending ones again every `resendMs` (Karpenter re-triggers every 10 s), so a pod whose
 * NodeClaim failed gets planned again. Several workers may run it; the provisioner ignores repeats.
 */
export class PendingPodWatcher {
  private readonly informer;
  private readonly queued = new Set<string>();
  private readonly timers: NodeJS.Timeout[] = [];
  private stopped = false;

  constructor(
    kubeConfig: KubeConfig,
    private readonly notify: ProvisionerNotifier,
    private readonly log: Logger,
    flushMs = 250,
    resendMs = 10_000
  ) {
    const core = kubeConfig.makeApiClient(CoreV1Api);
    this.informer = makeInformer<V1Pod>(kubeConfig, '/api/v1/pods', () => core.listPodForAllNamespaces());
    const consider = (pod: V1Pod): void => {
      if (isProvisionable(pod)) this.queued.add(podKey(pod));
    };
    this.informer.on('add', consider);
    this.informer.on('update', consider);
    restartOnError(this.informer, 'pods', log, () => this.stopped);
    this.timers.push(setInterval(() => void this.flush(), flushMs));
    this.timers.push(
      setInterval(() => {
        for (const pod of this.informer.list()) consider(pod);
      }, resendMs)
    );
    for (const t of this.timers) t.unref();
  }

  async start(): Promise<void> {
    await this.informer.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    await this.informer.stop();
  }

  private async flush(): Promise<void> {
    if (this.queued.size === 0) return;
    const keys = [...this.queued];
    this.queued.clear();
    // Chunks keep each signal's payload small (a 20k-pod backlog is still only a few signals).
    for (let i = 0; i < keys.length; i += 1000) {
      try {
        await this.notify.podsPending(keys.slice(i, i + 1000));
      } catch (err) {
        for (const key of keys.slice(i)) this.queued.add(key);
        this.log.warn({ err: (err as Error).message }, 'signalling the provisioner failed; will retry');
        return;
      }
    }
  }
}
