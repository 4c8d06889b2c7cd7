import type { Informer, KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';

/**
 * client-node informers stop on a watch error and leave restarting to the caller: restart after `delayMs`, unless
 * the owner is stopping (its own stop aborts the watch, which also arrives as an error).
 */
export function restartOnError<T extends KubernetesObject>(
  informer: Informer<T>,
  name: string,
  log: Logger,
  isStopped: () => boolean,
  delayMs = 2000
): void {
  informer.on('error', (err: unknown) => {
    if (isStopped()) return;
    log.warn(
      { informer: name, err: (err as Error)?.message },
      `${name} informer failed; restarting in ${delayMs / 1000}s`
    );
    setTimeout(() => {
      if (!isStopped()) void informer.start().catch(() => undefined);
    }, delayMs);
  });
}
