import { spawn } from 'node:child_process';

/**
 * Starts a detached watchdog that stops the given process groups when `ownerPid` dies, so a test bed never
 * outlives the process that started it (a killed Jest run skips its global teardown). Plain JavaScript in `node -e`
 * keeps it tiny and independent of the project's build.
 */
export function startWatchdog(ownerPid: number, pids: number[]): void {
  const script = `
    const owner = ${ownerPid};
    const pids = ${JSON.stringify(pids)};
    const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };
    const signal = (sig) => { for (const pid of pids) { try { process.kill(-pid, sig); } catch { try { process.kill(pid, sig); } catch {} } } };
    const timer = setInterval(() => {
      if (pids.every((pid) => !alive(pid))) process.exit(0);
      if (alive(owner)) return;
      clearInterval(timer);
      signal('SIGTERM');
      setTimeout(() => { signal('SIGKILL'); process.exit(0); }, 5000);
    }, 1000);
  `;
  const child = spawn(process.execPath, ['-e', script], { detached: true, stdio: 'ignore' });
  child.unref();
}
