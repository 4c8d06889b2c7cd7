import { afterEach, describe, expect, it } from '@jest/globals';
import { createConnection, createServer, type Server } from 'node:net';
import { startDelayProxy, type DelayProxy } from './delay-proxy.js';

describe('delay proxy', () => {
  let echo: Server | undefined;
  let proxy: DelayProxy | undefined;
  afterEach(async () => {
    await proxy?.close();
    await new Promise<void>((resolve) => (echo ? echo.close(() => resolve()) : resolve()));
  });

  const startEcho = async (): Promise<number> => {
    echo = createServer((socket) => socket.pipe(socket));
    await new Promise<void>((resolve) => echo!.listen(0, '127.0.0.1', () => resolve()));
    return (echo.address() as { port: number }).port;
  };

  const roundTrip = (port: number, messages: string[]): Promise<{ text: string; ms: number }> =>
    new Promise((resolve, reject) => {
      const began = Date.now();
      const expected = messages.join('');
      let text = '';
      const socket = createConnection({ host: '127.0.0.1', port }, () => {
        for (const m of messages) socket.write(m);
      });
      socket.on('data', (chunk) => {
        text += chunk.toString();
        if (text.length >= expected.length) {
          socket.end();
          resolve({ text, ms: Date.now() - began });
        }
      });
      socket.on('error', reject);
      socket.on('close', () => reject(new Error(`closed after ${JSON.stringify(text)}`)));
    });

  it('passes bytes through in order, with the added latency each way', async () => {
    proxy = await startDelayProxy({ upstreamPort: await startEcho() });
    expect((await roundTrip(proxy.port, ['a', 'b', 'c'])).text).toBe('abc');
    proxy.setDelay(150);
    const slow = await roundTrip(proxy.port, ['1', '2', '3']);
    expect(slow.text).toBe('123');
    expect(slow.ms).toBeGreaterThanOrEqual(290);
  });

  it('resets clients while nothing listens upstream, and serves them once it does', async () => {
    const upstreamPort = await startEcho();
    await new Promise<void>((resolve) => echo!.close(() => resolve()));
    echo = undefined;
    proxy = await startDelayProxy({ upstreamPort });
    await expect(roundTrip(proxy.port, ['x'])).rejects.toThrow();
    echo = createServer((socket) => socket.pipe(socket));
    await new Promise<void>((resolve) => echo!.listen(upstreamPort, '127.0.0.1', () => resolve()));
    expect((await roundTrip(proxy.port, ['y'])).text).toBe('y');
  });
});
