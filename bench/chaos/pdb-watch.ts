import { Watch, type KubeConfig, type V1Pod } from '@kubernetes/client-node';

export interface PdbViolation {
  at: string;
  pod: string;
  /** Healthy guarded pods left once this one went. */
  healthyAfter: number;
}

/**
 * Watches the PDB-guarded pods and records every time a healthy one is taken away (deleted, or marked for deletion —
 * what an eviction or a drain does) while that leaves fewer healthy than the budget's minAvailable. The Eviction API
 * would have refused such an eviction, so each record is a disruption that went around the budget. A pod that turns
 * unready on its own is not a disruption and is not counted. The watch restarts after errors (kube-apiserver and etcd
 * restarts); its first list after a restart only re-learns the state.
 */
export class PdbWatch {
  readonly violations: PdbViolation[] = [];
  evictions = 0;
  private healthy = new Map<string, boolean>();
  private stopped = false;
  private abort: { abort(): void } | undefined;

  constructor(
    private readonly kc: KubeConfig,
    private readonly namespace: string,
    private readonly app: string,
    private readonly minAvailable: number
  ) {}

  start(): void {
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    this.abort?.abort();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      this.healthy = new Map();
      await new Promise<void>((resolve) => {
        new Watch(this.kc)
          .watch(
            `/api/v1/namespaces/${this.namespace}/pods`,
            { labelSelector: `app=${this.app}` },
            (type: string, pod: V1Pod) => this.onEvent(type, pod),
            () => resolve()
          )
          .then((controller) => (this.abort = controller))
          .catch(() => resolve());
      });
      if (!this.stopped) await new Promise((r) => setTimeout(r, 1000));
    }
  }

  private onEvent(type: string, pod: V1Pod): void {
    const name = pod.metadata?.name;
    if (!name) return;
    const was = this.healthy.get(name) ?? false;
    const going = type === 'DELETED' || Boolean(pod.metadata?.deletionTimestamp);
    const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    if (type === 'DELETED') this.healthy.delete(name);
    else this.healthy.set(name, ready && !going);
    if (was && going) {
      this.evictions += 1;
      const healthyAfter = [...this.healthy.values()].filter(Boolean).length;
      if (healthyAfter < this.minAvailable)
        this.violations.push({ at: new Date().toISOString(), pod: name, healthyAfter });
    }
  }
}
