import { setTimeout as sleep } from 'node:timers/promises';

export interface StartupRetryOptions {
  /** First wait after a failure; doubles up to maxDelayMs. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Give up after this long (default: never; a worker's job is to come up once its dependencies do). */
  deadlineMs?: number;
  onRetry?: (info: { what: string; attempt: number; delayMs: number; error: string }) => void;
  sleep?: (ms: number) => Promise<unknown>;
}

/**
 * Runs `attempt` until it succeeds, waiting with capped exponential backoff between failures. A worker started while
 * Temporal or kube-apiserver is down (a restart of either, or pods started in any order) waits for them instead of
 * exiting and leaving the restart to a crash loop's longer backoff.
 */
export async function retryStartup<T>(
  what: string,
  attempt: () => Promise<T>,
  options: StartupRetryOptions = {}
): Promise<T> {
  const initial = options.initialDelayMs ?? 250;
  const max = options.maxDelayMs ?? 5000;
  const wait = options.sleep ?? sleep;
  const began = Date.now();
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      const error = (err as Error).message;
      if (options.deadlineMs !== undefined && Date.now() - began >= options.deadlineMs)
        throw new Error(`${what}: still failing after ${n} attempts: ${error}`, { cause: err });
      const delayMs = Math.min(max, initial * 2 ** (n - 1));
      options.onRetry?.({ what, attempt: n, delayMs, error });
      await wait(delayMs);
    }
  }
}
