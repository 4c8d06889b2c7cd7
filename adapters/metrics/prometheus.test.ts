import { describe, expect, it } from '@jest/globals';
import { register as globalRegistry } from 'prom-client';
import { createPrometheusMetrics, METRIC_NAMES } from './prometheus.js';
import type { ClusterGauges } from '../../core/metrics/cluster.js';

const gauges: ClusterGauges = {
  usage: [{ nodePool: 'default', resourceType: 'cpu', value: 6 }],
  limits: [{ nodePool: 'default', resourceType: 'cpu', value: 100 }],
  costPerHour: [{ nodePool: 'default', value: 0.176 }],
  nodeClaims: [{ nodePool: 'default', instanceType: 'm5.large', capacityType: 'spot', zone: 'a', count: 2 }],
};

describe('createPrometheusMetrics', () => {
  it('should register every named series in its own registry, never the global one', async () => {
    const metrics = createPrometheusMetrics();
    const names = metrics.registry.getMetricsAsArray().map((m) => m.name);
    for (const name of Object.values(METRIC_NAMES)) expect(names).toContain(name);
    expect(names).toContain('process_resident_memory_bytes');
    expect(names).toContain('process_cpu_seconds_total');
    expect(globalRegistry.getMetricsAsArray().map((m) => m.name)).not.toContain(METRIC_NAMES.nodeClaimsCreated);
    // Two registries side by side (tests, a restart in-process) do not clash over names.
    expect(() => createPrometheusMetrics()).not.toThrow();
  });

  it("should count the activities' facts with Karpenter's label names", async () => {
    const { registry, activities, podStarted } = createPrometheusMetrics({ processMetrics: false });
    activities.nodeClaimCreated('default', 'provisioned');
    activities.nodeClaimCreated('default', 'provisioned');
    activities.nodeClaimCreated('default', 'drifted');
    activities.nodeClaimTerminated('default');
    activities.nodeClaimDisrupted('default', 'empty');
    activities.disruptionDecision('replace', 'underutilized', 0.5);
    activities.disruptionDecision('replace', 'drifted', -0.1);
    activities.schedulingDuration(0.02);
    activities.interruptionReceived('spot_interrupted');
    podStarted(42);
    const text = await registry.metrics();
    expect(text).toContain('karpenter_nodeclaims_created_total{nodepool="default",reason="provisioned"} 2');
    expect(text).toContain('karpenter_nodeclaims_created_total{nodepool="default",reason="drifted"} 1');
    expect(text).toContain('karpenter_nodeclaims_terminated_total{nodepool="default"} 1');
    expect(text).toContain('karpenter_nodeclaims_disrupted_total{nodepool="default",reason="empty"} 1');
    expect(text).toContain(
      'karpenter_voluntary_disruption_decisions_total{decision="replace",reason="underutilized"} 1'
    );
    expect(text).toContain('karpenter_temporal_disruption_savings_dollars_per_hour_total{reason="underutilized"} 0.5');
    expect(text).toContain('karpenter_temporal_disruption_savings_dollars_per_hour_total{reason="drifted"} 0');
    expect(text).toContain('karpenter_scheduler_scheduling_duration_seconds_count 1');
    expect(text).toContain('karpenter_interruption_received_messages_total{message_type="spot_interrupted"} 1');
    expect(text).toContain('karpenter_pods_startup_duration_seconds_bucket{le="60"} 1');
    expect(text).toContain('karpenter_pods_startup_duration_seconds_bucket{le="30"} 0');
  });

  it('should read the cluster gauges at scrape time, once per cache period, and retry after a failed read', async () => {
    let reads = 0;
    let fail = true;
    let pending = 3;
    const { registry } = createPrometheusMetrics({
      processMetrics: false,
      cacheMs: 60_000,
      pendingPods: () => pending,
      readCluster: async () => {
        reads++;
        if (fail) throw new Error('apiserver unreachable');
        return gauges;
      },
    });
    const withoutCluster = await registry.metrics();
    expect(withoutCluster).toContain('karpenter_temporal_pods_pending 3');
    expect(withoutCluster).not.toContain('karpenter_nodepools_usage{');
    fail = false;
    const text = await registry.metrics();
    expect(text).toContain('karpenter_nodepools_usage{nodepool="default",resource_type="cpu"} 6');
    expect(text).toContain('karpenter_nodepools_limit{nodepool="default",resource_type="cpu"} 100');
    expect(text).toContain('karpenter_temporal_cluster_cost_dollars_per_hour{nodepool="default"} 0.176');
    expect(text).toContain(
      'karpenter_temporal_nodeclaims{nodepool="default",instance_type="m5.large",capacity_type="spot",zone="a"} 2'
    );
    expect(text).toContain('karpenter_temporal_pods_pending 3');
    pending = 0;
    const again = await registry.metrics();
    expect(again).toContain('karpenter_temporal_pods_pending 0');
    expect(reads).toBe(2); // the failed read, then one read served to both later scrapes
  });
});
