import { Context } from '@temporalio/activity';

/**
 * Runs `work` while heartbeating every `everyMs`, so that a worker that dies mid-call is noticed within the
 * activity's heartbeat timeout (seconds) rather than its start-to-close timeout (minutes), and another worker
 * retries at once. The work itself must be idempotent, as every activity here is.
 */
export async function withHeartbeat<T>(work: () => Promise<T>, everyMs = 2000): Promise<T> {
  const context = Context.current();
  context.heartbeat();
  const timer = setInterval(() => context.heartbeat(), everyMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
