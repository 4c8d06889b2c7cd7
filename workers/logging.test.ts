import { describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { createLogger, temporalLoggerFor } from './logging.js';

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, stream };
}

describe('createLogger', () => {
  it('should write JSON lines with cluster on every line and component exactly once', async () => {
    const { lines, stream } = capture();
    const { root, worker } = createLogger({ level: 'info', cluster: 'prod' }, stream);
    worker.info({ taskQueue: 'q' }, 'worker started');
    root.child({ component: 'pod-watcher' }).warn({ err: 'boom' }, 'signalling the provisioner failed; will retry');
    temporalLoggerFor(worker).info('Worker state changed', { sdkComponent: 'worker', state: 'RUNNING' });
    temporalLoggerFor(worker).debug('dropped: below the level');
    await new Promise((resolve) => setImmediate(resolve));

    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line.match(/"component":/g)).toHaveLength(1);
    const [started, failed, sdk] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(started).toMatchObject({
      level: 30,
      cluster: 'prod',
      component: 'worker',
      taskQueue: 'q',
      msg: 'worker started',
    });
    expect(failed).toMatchObject({ level: 40, cluster: 'prod', component: 'pod-watcher', err: 'boom' });
    expect(sdk).toMatchObject({ level: 30, component: 'worker', sdkComponent: 'worker', state: 'RUNNING' });
  });
});
