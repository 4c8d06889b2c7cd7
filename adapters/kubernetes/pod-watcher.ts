import { CoreV1Api, makeInformer, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { isProvisionable, podKey } from '../../core/provisioning/snapshot.js';
import { restartOnError } from './informer-restart.js';
import { stripManagedFields } from './strip-managed-fields.js';

/** How the pod watcher reaches the provisioner (signal-with-start over Temporal, in workers/). */
export interface ProvisionerNotifier {
  podsPending(keys: string[]): Promise<void>;
}

/** When a pod became Ready: its Ready condition's transition time (the kubelet's), else now. */
function readySince(pod: V1Pod, now: Date): Date | undefined {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True');
  if (!ready) return undefined;
  return ready.lastTransitionTime ? new Date(ready.lastTransitionTime) : now;
}

/** Pod keys per signal, and per periodic re-trigger: a 20k-pod backlog is still only a few signals. */
const KEYS_PER_SIGNAL = 1000;

/**
 * Watches pods and sends every provisionable one (Unschedulable, unbound) to the provisioner: new ones within
 * `flushMs` of the first one queued (Karpenter triggers its batcher on the pod event itself; the few milliseconds
 * gather a burst of watch events into one signal), one signal round in flight at a time, and all still-pending
 * ones again every `resendMs` (Karpenter re-triggers every 10 s), so a pod whose NodeClaim failed gets planned
 * again (up to `KEYS_PER_SIGNAL` of them: the round plans all). Several workers may run it; the provisioner ignores
 * repeats.
 */
export class PendingPodWatcher {
  private readonly informer;
  private readonly queued = new Set<string>();
  /** When the oldest key in `queued` was queued (ms since epoch), for the flush log. */
  private queuedSince: number | undefined;
  /** Pods whose startup was observed, so each counts once. */
  private readonly started = new Set<string>();
  private readonly timers: NodeJS.Timeout[] = [];
  private stopped = false;
  private synced = false;
  /** A flush is scheduled or running; pods queued meanwhile go in the next one. */
  private flushing: NodeJS.Timeout | Promise<void> | undefined;

  constructor(
    kubeConfig: KubeConfig,
    private readonly notify: ProvisionerNotifier,
    private readonly log: Logger,
    private readonly flushMs = 20,
    resendMs = 10_000,
    /** Told, once per pod created after the watcher started, how long it took from creation to Ready. */
    private readonly podStarted: (seconds: number) => void = () => undefined,
    resendKeys = KEYS_PER_SIGNAL
  ) {
    const core = kubeConfig.makeApiClient(CoreV1Api);
    // The list comes back as typed objects (Date timestamps), watch events as plain JSON (string timestamps): the
    // list is turned into plain JSON too, so every cached pod has one shape (the provisioner's snapshot reads them).
    this.informer = stripManagedFields(
      makeInformer<V1Pod>(kubeConfig, '/api/v1/pods', async () => {
        const list = await core.listPodForAllNamespaces();
        // Pod fields keep their JSON names in the typed models; JSON turns each Date into its ISO string.
        return { ...list, items: JSON.parse(JSON.stringify(list.items)) as V1Pod[] };
      })
    );
    const startedAt = Date.now();
    const consider = (pod: V1Pod): void => {
      if (!isProvisionable(pod)) return;
      this.queuedSince ??= Date.now();
      this.queued.add(podKey(pod));
      this.scheduleFlush();
    };
    // Karpenter's pods_startup_duration: creation to running, per pod. Pods older than the watcher are left out:
    // their startup happened before this process could see it, and a restart must not count them again.
    const observeStartup = (pod: V1Pod): void => {
      const uid = pod.metadata?.uid;
      const created = pod.metadata?.creationTimestamp;
      if (!uid || !created || this.started.has(uid)) return;
      // creationTimestamp has whole seconds: a pod created in the second the watcher started is not older.
      if (new Date(created).getTime() < Math.floor(startedAt / 1000) * 1000) return;
      const ready = readySince(pod, new Date());
      if (!ready) return;
      this.started.add(uid);
      this.podStarted(Math.max(0, (ready.getTime() - new Date(created).getTime()) / 1000));
    };
    this.informer.on('add', consider);
    this.informer.on('update', consider);
    this.informer.on('add', observeStartup);
    this.informer.on('update', observeStartup);
    this.informer.on('delete', (pod) => {
      if (pod.metadata?.uid) this.started.delete(pod.metadata.uid);
    });
    restartOnError(this.informer, 'pods', log, () => this.stopped);
    // The re-trigger only opens a round: a round plans every pending pod from the snapshot, not the keys signalled.
    // So it sends one chunk of them, not all: at 20,000 pending pods, all of them every 10 s put ~600 KB a time in
    // the provisioner's history (8 MB of its 13 MB at the end of a 20,000-pod burst).
    this.timers.push(
      setInterval(() => {
        let sent = 0;
        for (const pod of this.informer.list()) {
          if (!isProvisionable(pod)) continue;
          consider(pod);
          if (++sent >= resendKeys) break;
        }
      }, resendMs)
    );
    for (const t of this.timers) t.unref();
  }

  async start(): Promise<void> {
    await this.informer.start();
    this.synced = true;
  }

  /**
   * Every pod in the watch cache, or undefined before the first list completed. The objects are shared: callers
   * must not modify them (an informer replaces a pod's object on every change rather than editing it).
   */
  pods(): V1Pod[] | undefined {
    return this.synced ? [...this.informer.list()] : undefined;
  }

  /** Pods unschedulable and unbound right now, from the watch cache (no API call). */
  pendingCount(): number {
    return this.informer.list().filter(isProvisionable).length;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    if (this.flushing !== undefined && !(this.flushing instanceof Promise)) clearTimeout(this.flushing);
    await this.informer.stop();
  }

  private scheduleFlush(delayMs = this.flushMs): void {
    if (this.flushing !== undefined || this.stopped) return;
    const timer = setTimeout(() => {
      this.flushing = this.flush().then((ok) => {
        this.flushing = undefined;
        // After a failed signal, wait a second rather than hammer an unavailable Temporal.
        if (this.queued.size > 0) this.scheduleFlush(ok ? this.flushMs : 1000);
      });
    }, delayMs);
    timer.unref();
    this.flushing = timer;
  }

  /** Signals what is queued; false when a signal failed (the keys are queued again). */
  private async flush(): Promise<boolean> {
    if (this.queued.size === 0) return true;
    const keys = [...this.queued];
    const queuedSince = this.queuedSince ?? Date.now();
    this.queued.clear();
    this.queuedSince = undefined;
    const began = Date.now();
    for (let i = 0; i < keys.length; i += KEYS_PER_SIGNAL) {
      try {
        await this.notify.podsPending(keys.slice(i, i + KEYS_PER_SIGNAL));
      } catch (err) {
        for (const key of keys.slice(i)) this.queued.add(key);
        this.queuedSince = queuedSince;
        this.log.warn({ err: (err as Error).message }, 'signalling the provisioner failed; will retry');
        return false;
      }
    }
    // One line per flush: how long the oldest pod waited in the queue and how long the signals took.
    this.log.debug(
      { pods: keys.length, queuedMs: began - queuedSince, signalMs: Date.now() - began },
      'signalled the provisioner'
    );
    return true;
  }
}
