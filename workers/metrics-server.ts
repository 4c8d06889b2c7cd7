import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface MetricsServerOptions {
  host: string;
  port: number;
  registry: Registry;
  /** The Temporal SDK core's own Prometheus endpoint (loopback), appended to `/metrics` so one scrape gets both. */
  sdkMetricsUrl?: string;
  /** Whether the process is healthy (`/healthz` 200) or not (503), e.g. the Temporal worker stopped polling. */
  healthy?: () => boolean;
}

/** Reads the SDK's metrics; on failure the scrape still returns ours, with a comment saying what is missing. */
async function sdkMetrics(url: string): Promise<string> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    if (!response.ok) return `# temporal sdk metrics unavailable: HTTP ${response.status}\n`;
    return await response.text();
  } catch (err) {
    return `# temporal sdk metrics unavailable: ${(err as Error).message}\n`;
  }
}

/** Serves `/metrics` (Prometheus text) and `/healthz`; resolves once listening, with the bound port. */
export async function startMetricsServer(options: MetricsServerOptions): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405).end();
      return;
    }
    if (path === '/healthz') {
      const ok = options.healthy?.() ?? true;
      response.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok\n' : 'unhealthy\n');
      return;
    }
    if (path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    void (async () => {
      try {
        const [ours, sdk] = await Promise.all([
          options.registry.metrics(),
          options.sdkMetricsUrl ? sdkMetrics(options.sdkMetricsUrl) : Promise.resolve(''),
        ]);
        response
          .writeHead(200, { 'content-type': options.registry.contentType })
          .end((ours.endsWith('\n') || ours === '' ? ours : `${ours}\n`) + sdk);
      } catch (err) {
        response.writeHead(500, { 'content-type': 'text/plain' }).end(`${(err as Error).message}\n`);
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return { server, port: (server.address() as AddressInfo).port };
}
