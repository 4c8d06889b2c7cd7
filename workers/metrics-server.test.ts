import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPrometheusMetrics } from '../adapters/metrics/prometheus.js';
import { startMetricsServer } from './metrics-server.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

/** Stands in for the Temporal SDK core's Prometheus exporter. */
async function fakeSdkExporter(): Promise<string> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('# TYPE temporal_worker_task_slots_available gauge\ntemporal_worker_task_slots_available 100\n');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
}

describe('startMetricsServer', () => {
  it('should serve our series and the SDK core metrics on one /metrics, and /healthz', async () => {
    const metrics = createPrometheusMetrics({ processMetrics: false });
    metrics.activities.nodeClaimCreated('default', 'provisioned');
    let healthy = true;
    const { server, port } = await startMetricsServer({
      host: '127.0.0.1',
      port: 0,
      registry: metrics.registry,
      sdkMetricsUrl: await fakeSdkExporter(),
      healthy: () => healthy,
    });
    servers.push(server);
    const base = `http://127.0.0.1:${port}`;

    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toContain('karpenter_nodeclaims_created_total{nodepool="default",reason="provisioned"} 1');
    expect(text).toContain('\ntemporal_worker_task_slots_available 100\n');

    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    healthy = false;
    expect((await fetch(`${base}/healthz`)).status).toBe(503);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });

  it('should still serve our series when the SDK exporter is down, saying so in a comment', async () => {
    const metrics = createPrometheusMetrics({ processMetrics: false });
    const { server, port } = await startMetricsServer({
      host: '127.0.0.1',
      port: 0,
      registry: metrics.registry,
      sdkMetricsUrl: 'http://127.0.0.1:9/metrics',
    });
    servers.push(server);
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(text).toContain('# HELP karpenter_nodeclaims_created_total');
    expect(text).toContain('# temporal sdk metrics unavailable');
  });
});
