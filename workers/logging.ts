import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/worker';
import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * The process's logger: JSON lines with fixed keys — `time`, `level`, `msg`, `cluster` on every line, `component`
 * (`worker`, `pod-watcher`, `nodeclaim-watcher`, `ec2nodeclass-controller`, `metrics`, or the SDK's
 * `sdkComponent`) naming the part that speaks, and `err` for an error's message. Parts get a child with their
 * component; the root has none, so a line never carries the key twice.
 */
export function createLogger(
  options: { level: string; cluster: string },
  destination?: DestinationStream
): { root: Logger; worker: Logger } {
  const root = pino({ level: options.level, base: { cluster: options.cluster } }, destination);
  return { root, worker: root.child({ component: 'worker' }) };
}

/** Routes the Temporal SDK's logs (worker, workflow and activity) into the process's pino logger. */
export function temporalLoggerFor(logger: Logger): TemporalLogger {
  const levels: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
    TRACE: 'trace',
    DEBUG: 'debug',
    INFO: 'info',
    WARN: 'warn',
    ERROR: 'error',
  };
  const log = (level: LogLevel, message: string, meta?: LogMetadata): void =>
    logger[levels[level]](meta ?? {}, message);
  return {
    log,
    trace: (m, meta) => log('TRACE', m, meta),
    debug: (m, meta) => log('DEBUG', m, meta),
    info: (m, meta) => log('INFO', m, meta),
    warn: (m, meta) => log('WARN', m, meta),
    error: (m, meta) => log('ERROR', m, meta),
  };
}
