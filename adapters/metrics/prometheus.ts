import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AutoscalerMetrics } from '../../activities/metrics.js';
import type { ClusterGauges } from '../../core/metrics/cluster.js';
import type { CloudProviderMetrics } from './cloudprovider.js';

/**
 * Every series the worker exports, by name. Karpenter's names (and label names) where the meaning matches, so its
 * dashboards and alerts carry over; `karpenter_temporal_*` for what Karpenter has no series for. The Grafana
 * dashboard's test checks its queries against this list.
 */
export const METRIC_NAMES = {
  nodeClaimsCreated: 'karpenter_nodeclaims_created_total',
  nodeClaimsTerminated: 'karpenter_nodeclaims_terminated_total',
  nodeClaimsDisrupted: 'karpenter_nodeclaims_disrupted_total',
  disruptionDecisions: 'karpenter_voluntary_disruption_decisions_total',
  disruptionSavings: 'karpenter_temporal_disruption_savings_dollars_per_hour_total',
  podsStartup: 'karpenter_pods_startup_duration_seconds',
  podsPending: 'karpenter_temporal_pods_pending',
  schedulingDuration: 'karpenter_scheduler_scheduling_duration_seconds',
  cloudProviderDuration: 'karpenter_cloudprovider_duration_seconds',
  cloudProviderErrors: 'karpenter_cloudprovider_errors_total',
  interruptionMessages: 'karpenter_interruption_received_messages_total',
  nodePoolsUsage: 'karpenter_nodepools_usage',
  nodePoolsLimit: 'karpenter_nodepools_limit',
  clusterCost: 'karpenter_temporal_cluster_cost_dollars_per_hour',
  nodeClaims: 'karpenter_temporal_nodeclaims',
} as const;

/**
 * Series of the Temporal SDK core (prefix `temporal_`, durations in seconds) that `/metrics` appends when
 * KT_SDK_METRICS_PORT is set, and that the dashboard uses. Not registered here: the core exports them itself.
 */
export const SDK_METRIC_NAMES = [
  'temporal_worker_task_slots_available',
  'temporal_worker_task_slots_used',
  'temporal_workflow_task_schedule_to_start_latency',
  'temporal_activity_schedule_to_start_latency',
  'temporal_activity_execution_failed',
] as const;

/** Karpenter's buckets for durations that span a fraction of a second to minutes. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600];

export interface PrometheusMetrics {
  /** The process's own registry (never prom-client's global one, which any library may write to). */
  registry: Registry;
  activities: AutoscalerMetrics;
  cloudProvider: CloudProviderMetrics;
  /** A pod went from created to Ready in this many seconds. */
  podStarted(seconds: number): void;
}

/**
 * The worker's registry. `readCluster` and `pendingPods` are asked at scrape time (at most every `cacheMs`), as
 * Karpenter computes its NodePool gauges from cluster state rather than from events a restart would lose.
 */
export function createPrometheusMetrics(
  options: {
    readCluster?: () => Promise<ClusterGauges>;
    pendingPods?: () => number;
    cacheMs?: number;
    /** Default process metrics (process_resident_memory_bytes, process_cpu_seconds_total, nodejs_*). */
    processMetrics?: boolean;
  } = {}
): PrometheusMetrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const created = new Counter({
    name: METRIC_NAMES.nodeClaimsCreated,
    help: 'Number of nodeclaims created in total by Karpenter. Labeled by reason the nodeclaim was created and the owning nodepool.',
    labelNames: ['nodepool', 'reason'] as const,
    registers,
  });
  const terminated = new Counter({
    name: METRIC_NAMES.nodeClaimsTerminated,
    help: 'Number of nodeclaims terminated in total by Karpenter. Labeled by the owning nodepool.',
    labelNames: ['nodepool'] as const,
    registers,
  });
  const disrupted = new Counter({
    name: METRIC_NAMES.nodeClaimsDisrupted,
    help: 'Number of nodeclaims disrupted in total by Karpenter. Labeled by reason the nodeclaim was disrupted and the owning nodepool.',
    labelNames: ['nodepool', 'reason'] as const,
    registers,
  });
  const decisions = new Counter({
    name: METRIC_NAMES.disruptionDecisions,
    help: 'Number of disruption decisions performed. Labeled by disruption decision and reason.',
    labelNames: ['decision', 'reason'] as const,
    registers,
  });
  const savings = new Counter({
    name: METRIC_NAMES.disruptionSavings,
    help: 'Sum of the USD per hour executed disruption commands expected to save (a command that costs more adds 0).',
    labelNames: ['reason'] as const,
    registers,
  });
  const podsStartup = new Histogram({
    name: METRIC_NAMES.podsStartup,
    help: 'The time from pod creation until the pod is running.',
    buckets: DURATION_BUCKETS,
    registers,
  });
  const scheduling = new Histogram({
    name: METRIC_NAMES.schedulingDuration,
    help: 'Duration of scheduling simulations used for deprovisioning and provisioning in seconds.',
    buckets: DURATION_BUCKETS,
    registers,
  });
  const cloudDuration = new Histogram({
    name: METRIC_NAMES.cloudProviderDuration,
    help: 'Duration of cloud provider method calls. Labeled by the method name and provider.',
    labelNames: ['method', 'provider'] as const,
    buckets: DURATION_BUCKETS,
    registers,
  });
  const cloudErrors = new Counter({
    name: METRIC_NAMES.cloudProviderErrors,
    help: 'Total number of errors returned from CloudProvider calls. Labeled by the method name, provider and error type.',
    labelNames: ['method', 'provider', 'error'] as const,
    registers,
  });
  const interruptions = new Counter({
    name: METRIC_NAMES.interruptionMessages,
    help: 'Count of messages received from the interruption queue. Broken down by message type.',
    labelNames: ['message_type'] as const,
    registers,
  });

  // Scrape-time gauges share one read of the cluster.
  let cached: { at: number; value: Promise<ClusterGauges> } | undefined;
  const cluster = async (): Promise<ClusterGauges | undefined> => {
    if (!options.readCluster) return undefined;
    const now = Date.now();
    if (!cached || now - cached.at > (options.cacheMs ?? 5000)) {
      cached = { at: now, value: options.readCluster() };
      // A failed read is not cached: the next scrape tries again.
      cached.value.catch(() => (cached = undefined));
    }
    // A scrape without the cluster gauges beats a failed scrape, which would hide every other series too.
    return cached.value.catch(() => undefined);
  };
  new Gauge({
    name: METRIC_NAMES.nodePoolsUsage,
    help: 'The amount of resources that have been provisioned for a nodepool. Labeled by nodepool name and resource type.',
    labelNames: ['nodepool', 'resource_type'] as const,
    registers,
    async collect() {
      this.reset();
      for (const row of (await cluster())?.usage ?? [])
        this.set({ nodepool: row.nodePool, resource_type: row.resourceType }, row.value);
    },
  });
  new Gauge({
    name: METRIC_NAMES.nodePoolsLimit,
    help: 'Limits specified on the nodepool that restrict the quantity of resources provisioned. Labeled by nodepool name and resource type.',
    labelNames: ['nodepool', 'resource_type'] as const,
    registers,
    async collect() {
      this.reset();
      for (const row of (await cluster())?.limits ?? [])
        this.set({ nodepool: row.nodePool, resource_type: row.resourceType }, row.value);
    },
  });
  new Gauge({
    name: METRIC_NAMES.clusterCost,
    help: 'USD per hour of the instances of launched NodeClaims, at their offering prices. Labeled by nodepool.',
    labelNames: ['nodepool'] as const,
    registers,
    async collect() {
      this.reset();
      for (const row of (await cluster())?.costPerHour ?? []) this.set({ nodepool: row.nodePool }, row.value);
    },
  });
  new Gauge({
    name: METRIC_NAMES.nodeClaims,
    help: 'Launched NodeClaims. Labeled by nodepool, instance type, capacity type and zone.',
    labelNames: ['nodepool', 'instance_type', 'capacity_type', 'zone'] as const,
    registers,
    async collect() {
      this.reset();
      for (const row of (await cluster())?.nodeClaims ?? []) {
        this.set(
          { nodepool: row.nodePool, instance_type: row.instanceType, capacity_type: row.capacityType, zone: row.zone },
          row.count
        );
      }
    },
  });
  new Gauge({
    name: METRIC_NAMES.podsPending,
    help: 'Pods the pending-pod watcher sees unschedulable and unbound, waiting for capacity.',
    registers,
    collect() {
      if (options.pendingPods) this.set(options.pendingPods());
    },
  });

  return {
    registry,
    activities: {
      nodeClaimCreated: (nodepool, reason) => created.inc({ nodepool, reason }),
      nodeClaimTerminated: (nodepool) => terminated.inc({ nodepool }),
      nodeClaimDisrupted: (nodepool, reason) => disrupted.inc({ nodepool, reason }),
      disruptionDecision: (decision, reason, savingsPerHour) => {
        decisions.inc({ decision, reason });
        savings.inc({ reason }, Math.max(0, savingsPerHour));
      },
      schedulingDuration: (seconds) => scheduling.observe(seconds),
      interruptionReceived: (messageType) => interruptions.inc({ message_type: messageType }),
    },
    cloudProvider: {
      observe: (method, provider, seconds, errorType) => {
        cloudDuration.observe({ method, provider }, seconds);
        if (errorType !== undefined) cloudErrors.inc({ method, provider, error: errorType });
      },
    },
    podStarted: (seconds) => podsStartup.observe(seconds),
  };
}
