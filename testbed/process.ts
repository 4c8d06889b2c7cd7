import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** The failure of one test bed part: its name and the tail of its log, so a broken start is obvious. */
export class PartFailedError extends Error {
  readonly type = 'TestbedPartFailed';
  constructor(
    readonly part: string,
    reason: string,
    readonly logFile: string
  ) {
    super(`test bed part "${part}" failed: ${reason}\n--- last lines of ${logFile} ---\n${tailOf(logFile, 30)}`);
  }
}

export function tailOf(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export interface PartSpec {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** One started process of the test bed. Stopped by pid, never by name, so only what we started is touched. */
export class ManagedProcess {
  private exitInfo: string | undefined;
  private child: ChildProcess;
  /** The readiness check and deadline of the last waitReady, which restart() waits on again. */
  private readiness: { ready: () => Promise<boolean>; timeoutMs: number } | undefined;

  private constructor(readonly spec: PartSpec) {
    this.child = this.spawnChild();
  }

  static start(spec: PartSpec): ManagedProcess {
    return new ManagedProcess(spec);
  }

  private spawnChild(): ChildProcess {
    const fd = openSync(this.spec.logFile, 'a');
    const child = spawn(this.spec.command, this.spec.args, {
      cwd: this.spec.cwd,
      env: { ...process.env, ...this.spec.env },
      stdio: ['ignore', fd, fd],
      // Its own process group, so stop() also ends any children it forks (e.g. the Temporal UI server).
      detached: true,
    });
    closeSync(fd);
    child.unref();
    this.exitInfo = undefined;
    child.on('exit', (code, signal) => {
      // A restarted part's old process must not mark the new one as exited.
      if (this.child === child) this.exitInfo = signal ? `killed by ${signal}` : `exited with code ${code}`;
    });
    return child;
  }

  /**
   * Stops the process (SIGTERM, so a part can save its state; SIGKILL with `kill: true`) and starts it again with
   * the same command line, hence the same ports and data, then waits for the readiness check it last passed. The
   * chaos suite restarts parts in place this way.
   */
  async restart(options: { kill?: boolean; downMs?: number } = {}): Promise<void> {
    if (options.kill) {
      this.kill();
      while (!this.exitInfo) await sleep(20);
    } else await this.stop();
    if (options.downMs) await sleep(options.downMs);
    this.child = this.spawnChild();
    if (this.readiness) await this.waitReady(this.readiness.ready, this.readiness.timeoutMs);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get exited(): string | undefined {
    return this.exitInfo;
  }

  /** Polls `ready` until it resolves true; fails loudly if the process dies or the deadline passes. */
  async waitReady(ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    this.readiness = { ready, timeoutMs };
    const deadline = Date.now() + timeoutMs;
    let lastError = '';
    while (Date.now() < deadline) {
      if (this.exitInfo) throw new PartFailedError(this.spec.name, this.exitInfo, this.spec.logFile);
      try {
        if (await ready()) return;
      } catch (err) {
        lastError = (err as Error).message;
      }
      await sleep(200);
    }
    throw new PartFailedError(
      this.spec.name,
      `not ready after ${timeoutMs} ms${lastError ? ` (last check: ${lastError})` : ''}`,
      this.spec.logFile
    );
  }

  async stop(graceMs = 5000): Promise<void> {
    if (this.exitInfo || this.pid < 0) return;
    signalGroup(this.pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (!this.exitInfo && Date.now() < deadline) await sleep(50);
    if (!this.exitInfo) signalGroup(this.pid, 'SIGKILL');
  }

  kill(): void {
    signalGroup(this.pid, 'SIGKILL');
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}
