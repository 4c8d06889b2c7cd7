import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { V1Pod } from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadEndpoints, requirePart } from '../../testbed/endpoints.js';
import { freePorts } from '../../testbed/ports.js';
import type { ManagedProcess } from '../../testbed/process.js';
import { startWorkerProcess } from '../../testbed/worker-process.js';
import { provisioningWorkflowId } from '../../workflows/provisioning/messages.js';
import { cluster, type NodeClaimObject } from './support/cluster.js';
import { terminateSingletons } from './support/singletons.js';
import { eventually } from './support/wait.js';

const NODECLAIMS = { group: 'karpenter.sh', version: 'v1', plural: 'nodeclaims' } as const;

/** One sample of Prometheus text format: name, labels, value. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g))
      labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of the samples of `name` whose labels include `labels` (undefined when there is none). */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const matching = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([key, v]) => s.labels[key] === v)
  );
  return matching.length === 0 ? undefined : matching.reduce((sum, s) => sum + s.value, 0);
}

describe('/metrics after a scale-up and a scale-down on the test bed', () => {
  const endpoints = loadEndpoints();
  const temporal = requirePart(endpoints, 'temporal');
  const aws = requirePart(endpoints, 'aws');
  const k8s = cluster(endpoints);
  const suffix = randomUUID().slice(0, 6);
  const namespace = `metrics-${suffix}`;
  const pool = `metrics-${suffix}`;
  const replicas = 4;
  let connection: Connection;
  let worker: ManagedProcess | undefined;
  let metricsUrl: string;

  const scrape = async (): Promise<Sample[]> => {
    const response = await fetch(metricsUrl);
    expect(response.status).toBe(200);
    return parse(await response.text());
  };
  const ourNodeClaims = async (): Promise<NodeClaimObject[]> =>
    ((await k8s.custom.listClusterCustomObject({ ...NODECLAIMS })) as { items: NodeClaimObject[] }).items.filter(
      (c) => c.metadata.labels?.['karpenter.sh/nodepool'] === pool
    );

  beforeAll(async () => {
    connection = await Connection.connect({ address: temporal.address });
    const client = new Client({ connection, namespace: temporal.namespace });
    await k8s.core.createNamespace({ body: { metadata: { name: namespace } } });
    await k8s.applyNodeClass();
    await terminateSingletons(client, [provisioningWorkflowId(endpoints.clusterName)], 'a new metrics test run');
    await k8s.createNodePool(pool, {
      limits: { cpu: '100' },
      template: {
        spec: {
          requirements: [
            { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['m5.large', 'm5.xlarge'] },
            { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
          ],
        },
      },
    });
    const [metricsPort, sdkPort] = await freePorts(2);
    const started = await startWorkerProcess(endpoints, {
      env: {
        KT_PROVISION: 'true',
        KT_BATCH_IDLE_SECONDS: '1',
        KT_BATCH_MAX_SECONDS: '5',
        KT_OBSERVE_INTERVAL_SECONDS: '2',
        KT_METRICS_HOST: '127.0.0.1',
        KT_METRICS_PORT: String(metricsPort),
        KT_SDK_METRICS_PORT: String(sdkPort),
      },
    });
    worker = started.process;
    metricsUrl = started.metricsUrl;
    expect(metricsUrl).toBe(`http://127.0.0.1:${metricsPort}/metrics`);
  });

  afterAll(async () => {
    await k8s.apps.deleteNamespacedDeployment({ name: 'web', namespace }).catch(() => undefined);
    for (const claim of await ourNodeClaims()) await k8s.deleteNodeClaim(claim.metadata.name).catch(() => undefined);
    await eventually('our NodeClaims to be gone', async () => (await ourNodeClaims()).length === 0, 120_000).catch(
      () => undefined
    );
    await worker?.stop();
    await k8s.deleteNodePool(pool);
    await k8s.core.deleteNamespace({ name: namespace }).catch(() => undefined);
    await connection?.close();
  });

  it('should count what happened: NodeClaims created and terminated, usage, limits, cost, startup and SDK metrics', async () => {
    expect((await fetch(metricsUrl.replace('/metrics', '/healthz'))).status).toBe(200);
    await k8s.apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: {
              nodeSelector: { 'karpenter.sh/nodepool': pool },
              containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu: '1', memory: '1Gi' } } }],
            },
          },
        },
      },
    });
    await eventually(
      `${replicas} web pods Running`,
      async () => {
        const pods: V1Pod[] = (await k8s.core.listNamespacedPod({ namespace, labelSelector: 'app=web' })).items;
        return pods.filter((p) => p.status?.phase === 'Running').length === replicas;
      },
      180_000
    );
    const claims = await eventually(
      'every NodeClaim of the pool launched and Ready',
      async () => {
        const all = await ourNodeClaims();
        return all.length > 0 &&
          all.every((c) => c.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'))
          ? all
          : undefined;
      },
      60_000
    );

    // Scrape-time gauges are cached for 5 s: wait until they show every NodeClaim.
    const samples = await eventually(
      'the NodePool gauges to show every NodeClaim',
      async () => {
        const s = await scrape();
        return value(s, 'karpenter_nodepools_usage', { nodepool: pool, resource_type: 'nodes' }) === claims.length
          ? s
          : undefined;
      },
      30_000
    );

    expect(value(samples, 'karpenter_nodeclaims_created_total', { nodepool: pool, reason: 'provisioned' })).toBe(
      claims.length
    );
    const byType = new Map<string, number>();
    for (const c of claims) {
      const type = c.metadata.labels!['node.kubernetes.io/instance-type']!;
      byType.set(type, (byType.get(type) ?? 0) + 1);
    }
    for (const [type, count] of byType) {
      expect(
        value(samples, 'karpenter_temporal_nodeclaims', {
          nodepool: pool,
          instance_type: type,
          capacity_type: 'on-demand',
        })
      ).toBe(count);
    }
    const cpu = claims.reduce((sum, c) => sum + Number(c.status!.capacity!.cpu), 0);
    expect(value(samples, 'karpenter_nodepools_usage', { nodepool: pool, resource_type: 'cpu' })).toBe(cpu);
    expect(value(samples, 'karpenter_nodepools_limit', { nodepool: pool, resource_type: 'cpu' })).toBe(100);
    const prices = JSON.parse(readFileSync(aws.onDemandPricesFile, 'utf8')) as Record<string, number>;
    const cost = claims.reduce((sum, c) => sum + prices[c.metadata.labels!['node.kubernetes.io/instance-type']!]!, 0);
    expect(value(samples, 'karpenter_temporal_cluster_cost_dollars_per_hour', { nodepool: pool })).toBeCloseTo(cost, 6);

    // Every web pod was created after the worker started and went Ready: each startup was observed once.
    expect(value(samples, 'karpenter_pods_startup_duration_seconds_count')).toBeGreaterThanOrEqual(replicas);
    expect(value(samples, 'karpenter_scheduler_scheduling_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(
      value(samples, 'karpenter_cloudprovider_duration_seconds_count', { method: 'Create', provider: 'aws' })
    ).toBeGreaterThanOrEqual(claims.length);
    expect(value(samples, 'karpenter_temporal_pods_pending')).toBe(0);
    expect(value(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    // The SDK core's own worker metrics, appended from its loopback exporter: those the dashboard reads.
    for (const name of [
      'temporal_worker_task_slots_available',
      'temporal_worker_task_slots_used',
      'temporal_workflow_task_schedule_to_start_latency_bucket',
      'temporal_activity_schedule_to_start_latency_bucket',
    ]) {
      expect(samples.some((s) => s.name === name)).toBe(true);
    }

    // Scale down by hand: each NodeClaim deleted drains and terminates its instance, counted once per NodeClaim.
    await k8s.apps.deleteNamespacedDeployment({ name: 'web', namespace });
    for (const claim of claims) await k8s.deleteNodeClaim(claim.metadata.name);
    await eventually('our NodeClaims to be gone', async () => (await ourNodeClaims()).length === 0, 120_000);
    const after = await eventually(
      'terminations counted and gauges emptied',
      async () => {
        const s = await scrape();
        return value(s, 'karpenter_nodepools_usage', { nodepool: pool, resource_type: 'nodes' }) === undefined
          ? s
          : undefined;
      },
      30_000
    );
    expect(value(after, 'karpenter_nodeclaims_terminated_total', { nodepool: pool })).toBe(claims.length);
    expect(value(after, 'karpenter_temporal_cluster_cost_dollars_per_hour', { nodepool: pool })).toBe(0);
    expect(value(after, 'karpenter_nodeclaims_created_total', { nodepool: pool })).toBe(claims.length);
  });
});
