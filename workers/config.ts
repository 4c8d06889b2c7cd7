import { z } from 'zod';
import type { LifecycleSettings } from '../workflows/nodeclaim/state.js';
import type { DisruptionSettings } from '../workflows/disruption/state.js';
import type { ProvisioningSettings } from '../workflows/provisioning/state.js';
import { loadTemporalConnectConfig, type TemporalConnectConfig } from './temporal-connection.js';

/** The worker's whole configuration, from the environment (the only place that reads it). */
const WorkerEnv = z.object({
  CLUSTER_NAME: z.string().min(1, 'CLUSTER_NAME names the EKS cluster this worker manages'),
  // TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS* and the TOML profile are read by
  // temporal-connection.ts, through @temporalio/envconfig, as every Temporal SDK and CLI reads them.
  KT_TASK_QUEUE: z.string().default('karpenter-temporal'),
  KUBECONFIG: z.string().optional(),
  /**
   * Which CloudProvider launches nodes: `aws` (EC2) or `kwok` (kwok-simulated Nodes, no cloud; Karpenter's kwok
   * provider). One per cluster: a NodePool whose node class belongs to the other provider gets no instance types.
   */
  KT_CLOUD_PROVIDER: z.enum(['aws', 'kwok']).default('aws'),
  /** The kwok provider's instance-type catalogue (JSON, adapters/kwok/instancetypes.ts); the bundled one when unset. */
  KT_KWOK_INSTANCE_TYPES_FILE: z.string().min(1).optional(),
  /** Required with the aws provider. */
  AWS_REGION: z.string().min(1).optional(),
  /** Set for the test bed's EC2 emulator; unset in AWS. */
  AWS_ENDPOINT_URL: z.string().url().optional(),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
  /** The API server address nodes join (written into their user data); read from the kubeconfig when unset. */
  CLUSTER_ENDPOINT: z.string().url().optional(),
  /** Lifecycle timings, Karpenter's by default; tests shorten them. Seconds. */
  KT_LAUNCH_TIMEOUT_SECONDS: z.coerce.number().positive().optional(),
  KT_REGISTRATION_TIMEOUT_SECONDS: z.coerce.number().positive().optional(),
  /** Only for NodeClaims running since before the lifecycle sweep (KT_GC_INTERVAL_SECONDS) took their re-reads. */
  KT_RECONCILE_INTERVAL_SECONDS: z.coerce.number().positive().optional(),
  KT_OBSERVE_INTERVAL_SECONDS: z.coerce.number().positive().optional(),
  /** Run the NodeClaim/Node watcher in this process (every worker may; repeats are harmless). */
  KT_WATCH: z.enum(['true', 'false']).default('true'),
  /**
   * Run the pending-pod watcher, which starts the cluster's one provisioner on this worker's task queue. Every
   * worker of a cluster must share that task queue; a worker serving only NodeClaim lifecycles may turn it off.
   */
  KT_PROVISION: z.enum(['true', 'false']).default('true'),
  /** On-demand prices as JSON {instanceType: USD/h}, used where the Pricing API is not reachable (isolated VPCs, the test bed). */
  KT_ON_DEMAND_PRICES_FILE: z.string().optional(),
  /** Batching window of the provisioner (Karpenter's BATCH_IDLE_DURATION / BATCH_MAX_DURATION). Seconds. */
  KT_BATCH_IDLE_SECONDS: z.coerce.number().positive().optional(),
  KT_BATCH_MAX_SECONDS: z.coerce.number().positive().optional(),
  /**
   * Pollers per task type. Temporal hands tasks to waiting pollers first-come first-served, so with many pollers
   * one worker takes every task of a light load; fewer pollers per worker share it sooner across replicas.
   */
  KT_TASK_POLLERS: z.coerce.number().int().positive().optional(),
  /**
   * A prebuilt workflow bundle (`npm run build:workflow-bundle -- <file>`): the worker loads it instead of bundling the
   * workflow sources at every start (seconds of CPU), which matters when workers restart often.
   */
  KT_WORKFLOW_BUNDLE: z.string().min(1).optional(),
  /**
   * Workflow executions kept in the worker's sticky cache (0 turns the cache off: every task replays its history).
   * Unset, the SDK sizes it from the V8 heap limit (about 2,300 on a 4 GiB heap). See docs/operations.md.
   */
  KT_MAX_CACHED_WORKFLOWS: z.coerce.number().int().nonnegative().optional(),
  /**
   * Run the cluster's disruption loop and garbage-collection schedule (started by whichever worker comes first, on
   * its task queue). With it, expireAfter goes through NodePool budgets; without it, expiry deletes at once.
   */
  KT_DISRUPT: z.enum(['true', 'false']).default('true'),
  /** Record disruption decisions without acting on them. */
  KT_DISRUPTION_DRY_RUN: z.enum(['true', 'false']).default('false'),
  /** Karpenter's SpotToSpotConsolidation feature gate. */
  KT_SPOT_TO_SPOT_CONSOLIDATION: z.enum(['true', 'false']).default('false'),
  /** Disruption timings, Karpenter's by default (10 s poll, 15 s validation); tests shorten them. Seconds. */
  KT_DISRUPTION_POLL_SECONDS: z.coerce.number().positive().optional(),
  KT_DISRUPTION_VALIDATION_SECONDS: z.coerce.number().nonnegative().optional(),
  /** Garbage collection and lifecycle sweep interval (Karpenter: 2 min). Seconds. */
  KT_GC_INTERVAL_SECONDS: z.coerce.number().positive().default(120),
  /** The SQS queue (name or URL) EventBridge sends interruption events to; unset = no interruption handling. */
  KT_INTERRUPTION_QUEUE: z.string().min(1).optional(),
  /** Prometheus `/metrics` and `/healthz`, on Karpenter's port. 0 picks a free port (tests read it from the log). */
  KT_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** All interfaces in a pod, so Prometheus can scrape it; tests bind loopback. */
  KT_METRICS_HOST: z.string().min(1).default('0.0.0.0'),
  /**
   * The Temporal SDK's own worker metrics (task latencies, slots, polls), exported by its core on this loopback port
   * and appended to `/metrics`, so one scrape gets both. Unset: no SDK metrics.
   */
  KT_SDK_METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
});
/** What no single variable can say: the aws provider needs its region. */
const CheckedWorkerEnv = WorkerEnv.superRefine((e, ctx) => {
  if (e.KT_CLOUD_PROVIDER === 'aws' && e.AWS_REGION === undefined) {
    ctx.addIssue({ code: 'custom', path: ['AWS_REGION'], message: 'AWS_REGION is required' });
  }
});

export interface WorkerConfig {
  clusterName: string;
  temporal: { connect: TemporalConnectConfig; namespace: string; taskQueue: string };
  kubeconfig: string | undefined;
  cloudProvider: 'aws' | 'kwok';
  /** Region is '' with the kwok provider. */
  aws: { region: string; endpoint: string | undefined };
  kwok: { instanceTypesFile: string | undefined };
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  clusterEndpoint: string | undefined;
  lifecycle: Partial<LifecycleSettings>;
  watch: boolean;
  provision: boolean;
  onDemandPricesFile: string | undefined;
  provisioning: Partial<ProvisioningSettings>;
  taskPollers: number | undefined;
  workflowBundle: string | undefined;
  maxCachedWorkflows: number | undefined;
  disrupt: boolean;
  disruption: Partial<DisruptionSettings>;
  gcIntervalSeconds: number;
  interruptionQueue: string | undefined;
  metrics: { host: string; port: number; sdkPort: number | undefined };
}

export class WorkerConfigError extends Error {
  readonly type = 'WorkerConfigInvalid';
}

export function loadWorkerConfig(env: NodeJS.ProcessEnv): WorkerConfig {
  const parsed = CheckedWorkerEnv.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new WorkerConfigError(`invalid worker environment: ${problems}`);
  }
  const e = parsed.data;
  const connect = loadTemporalConnectConfig(env);
  return {
    clusterName: e.CLUSTER_NAME,
    temporal: { connect, namespace: connect.namespace, taskQueue: e.KT_TASK_QUEUE },
    metrics: { host: e.KT_METRICS_HOST, port: e.KT_METRICS_PORT, sdkPort: e.KT_SDK_METRICS_PORT },
    kubeconfig: e.KUBECONFIG,
    cloudProvider: e.KT_CLOUD_PROVIDER,
    aws: { region: e.AWS_REGION ?? '', endpoint: e.AWS_ENDPOINT_URL },
    kwok: { instanceTypesFile: e.KT_KWOK_INSTANCE_TYPES_FILE },
    logLevel: e.LOG_LEVEL,
    clusterEndpoint: e.CLUSTER_ENDPOINT,
    lifecycle: {
      ...(e.KT_LAUNCH_TIMEOUT_SECONDS ? { launchTimeoutMs: e.KT_LAUNCH_TIMEOUT_SECONDS * 1000 } : {}),
      ...(e.KT_REGISTRATION_TIMEOUT_SECONDS ? { registrationTimeoutMs: e.KT_REGISTRATION_TIMEOUT_SECONDS * 1000 } : {}),
      ...(e.KT_RECONCILE_INTERVAL_SECONDS ? { reconcileIntervalMs: e.KT_RECONCILE_INTERVAL_SECONDS * 1000 } : {}),
      ...(e.KT_OBSERVE_INTERVAL_SECONDS ? { observeIntervalMs: e.KT_OBSERVE_INTERVAL_SECONDS * 1000 } : {}),
      expiration: e.KT_DISRUPT === 'true' ? 'budgeted' : 'forceful',
    },
    disrupt: e.KT_DISRUPT === 'true',
    disruption: {
      dryRun: e.KT_DISRUPTION_DRY_RUN === 'true',
      spotToSpot: e.KT_SPOT_TO_SPOT_CONSOLIDATION === 'true',
      ...(e.KT_DISRUPTION_POLL_SECONDS ? { pollIntervalMs: e.KT_DISRUPTION_POLL_SECONDS * 1000 } : {}),
      ...(e.KT_DISRUPTION_VALIDATION_SECONDS !== undefined
        ? { validationDelayMs: e.KT_DISRUPTION_VALIDATION_SECONDS * 1000 }
        : {}),
    },
    gcIntervalSeconds: e.KT_GC_INTERVAL_SECONDS,
    interruptionQueue: e.KT_INTERRUPTION_QUEUE,
    watch: e.KT_WATCH === 'true',
    provision: e.KT_PROVISION === 'true',
    onDemandPricesFile: e.KT_ON_DEMAND_PRICES_FILE,
    taskPollers: e.KT_TASK_POLLERS,
    workflowBundle: e.KT_WORKFLOW_BUNDLE,
    maxCachedWorkflows: e.KT_MAX_CACHED_WORKFLOWS,
    provisioning: {
      ...(e.KT_BATCH_IDLE_SECONDS ? { batchIdleMs: e.KT_BATCH_IDLE_SECONDS * 1000 } : {}),
      ...(e.KT_BATCH_MAX_SECONDS ? { batchMaxMs: e.KT_BATCH_MAX_SECONDS * 1000 } : {}),
    },
  };
}
