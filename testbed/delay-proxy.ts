import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on loopback that can add latency to every chunk in both directions: the chaos suite's "network-slow
 * kube API" puts it between the workers and kube-apiserver (TLS passes through untouched, the serving certificate is
 * for 127.0.0.1 either way). It also stands in for a part that is not up yet: with no upstream listening, clients see
 * connection resets, as from a server that is down.
 */
export interface DelayProxy {
  port: number;
  /** Added one-way latency for every chunk from now on (0 = none). */
  setDelay(ms: number): void;
  delay(): number;
  /** Drops every open connection (clients reconnect), e.g. after the upstream restarted. */
  dropConnections(): void;
  close(): Promise<void>;
}

export async function startDelayProxy(options: {
  upstreamPort: number;
  upstreamHost?: string;
  /** 0 = a free port. */
  port?: number;
  delayMs?: number;
}): Promise<DelayProxy> {
  let delayMs = options.delayMs ?? 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: options.upstreamHost ?? '127.0.0.1', port: options.upstreamPort });
    sockets.add(client);
    sockets.add(upstream);
    pipeDelayed(client, upstream, () => delayMs);
    pipeDelayed(upstream, client, () => delayMs);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('delay proxy: no listening address');
  return {
    port: address.port,
    setDelay: (ms) => void (delayMs = Math.max(0, ms)),
    delay: () => delayMs,
    dropConnections: () => {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Forwards `from` to `to`, each chunk held for the current delay; order is kept even when the delay changes. */
function pipeDelayed(from: Socket, to: Socket, delay: () => number): void {
  const queue: { at: number; chunk: Buffer }[] = [];
  let timer: NodeJS.Timeout | undefined;
  const pump = (): void => {
    timer = undefined;
    const now = Date.now();
    while (queue.length > 0 && queue[0]!.at <= now) {
      if (!to.destroyed) to.write(queue.shift()!.chunk);
      else queue.shift();
    }
    if (queue.length > 0) timer = setTimeout(pump, queue[0]!.at - now);
    else if (from.readableEnded && !to.destroyed) to.end();
  };
  from.on('data', (chunk: Buffer) => {
    const ms = delay();
    if (ms === 0 && queue.length === 0) {
      to.write(chunk);
      return;
    }
    // Never before the chunk ahead of it.
    const at = Math.max(Date.now() + ms, queue.at(-1)?.at ?? 0);
    queue.push({ at, chunk });
    timer ??= setTimeout(pump, at - Date.now());
  });
  from.on('end', () => {
    if (queue.length === 0 && !to.destroyed) to.end();
  });
}
