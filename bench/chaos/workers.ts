import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestbedEndpoints } from '../../testbed/endpoints.js';
import type { ManagedProcess } from '../../testbed/process.js';
import { startWorkerProcess } from '../../testbed/worker-process.js';

/**
 * The two workers of the chaos run, on one task queue as in a cluster. A worker that was killed, or exited by itself,
 * is started again (in a fresh log file); exits nobody asked for are counted, since each is worth a look.
 */
export class WorkerPair {
  private readonly slots: {
    name: string;
    proc?: ManagedProcess;
    starting?: Promise<void>;
    incarnation: number;
    killing?: boolean;
  }[] = [
    { name: 'a', incarnation: 0 },
    { name: 'b', incarnation: 0 },
  ];
  private stopped = false;
  private supervisor: Promise<void> | undefined;
  unexpectedExits: string[] = [];
  restarts = 0;

  constructor(
    private readonly endpoints: TestbedEndpoints,
    private readonly env: NodeJS.ProcessEnv,
    private readonly log: (line: string) => void
  ) {}

  async start(): Promise<void> {
    await Promise.all(this.slots.map((slot) => this.launch(slot)));
    this.supervisor = this.supervise();
  }

  /**
   * SIGKILLs a running worker: `which` if it is up, else the other one; if neither is up (both restarting), waits for
   * the first to come up. So every counted kill kills a live worker. The supervisor starts it again.
   */
  async kill(which: 0 | 1): Promise<string> {
    const up = (s: (typeof this.slots)[number]) => s.proc && !s.proc.exited && !s.starting && !s.killing;
    let slot = [this.slots[which]!, this.slots[1 - which]!].find(up);
    const deadline = Date.now() + 180_000;
    while (!slot) {
      if (Date.now() > deadline) throw new Error('no worker came up within 3 min to be killed');
      await sleep(100);
      slot = this.slots.find(up);
    }
    slot.killing = true;
    slot.proc!.kill();
    while (!slot.proc!.exited) await sleep(20);
    slot.proc = undefined;
    slot.killing = false;
    return `worker ${slot.name}#${slot.incarnation}`;
  }

  /** Resolves once both workers are up (after a kill or a slow restart). */
  async bothUp(timeoutMs = 180_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.slots.every((s) => s.proc && !s.proc.exited && !s.starting)) return true;
      await sleep(200);
    }
    return false;
  }

  logFiles(): string[] {
    return this.slots.flatMap((s) =>
      Array.from({ length: s.incarnation }, (_, i) => join(this.endpoints.dir, `worker-${s.name}-${i + 1}.log`))
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.supervisor;
    for (const slot of this.slots) {
      if (slot.starting) await slot.starting.catch(() => undefined);
      await slot.proc?.stop();
    }
  }

  private launch(slot: (typeof this.slots)[number]): Promise<void> {
    slot.incarnation += 1;
    const logFile = join(this.endpoints.dir, `worker-${slot.name}-${slot.incarnation}.log`);
    slot.starting = startWorkerProcess(this.endpoints, { taskQueue: 'chaos', env: this.env, logFile })
      .then((w) => {
        slot.proc = w.process;
      })
      .catch((err: unknown) => {
        // Not up within startWorkerProcess's minute (e.g. Temporal down longer): stop it; the supervisor retries.
        this.log(`worker ${slot.name}#${slot.incarnation} did not start: ${(err as Error).message.split('\n')[0]}`);
      })
      .finally(() => {
        slot.starting = undefined;
      });
    return slot.starting;
  }

  private async supervise(): Promise<void> {
    while (!this.stopped) {
      for (const slot of this.slots) {
        if (slot.starting || slot.killing || this.stopped) continue;
        if (slot.proc?.exited) {
          this.unexpectedExits.push(`worker ${slot.name}#${slot.incarnation}: ${slot.proc.exited}`);
          this.log(`worker ${slot.name}#${slot.incarnation} exited by itself (${slot.proc.exited}); restarting`);
          slot.proc = undefined;
        }
        if (!slot.proc) {
          this.restarts += 1;
          void this.launch(slot);
        }
      }
      await sleep(250);
    }
  }
}
