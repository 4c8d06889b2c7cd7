// The worker process: reads the environment, builds the Kubernetes and Temporal clients and the cloud provider
// KT_CLOUD_PROVIDER names (workers/cloud.ts), runs the Temporal worker, the NodeClaim watcher and the node class
// controllers of that provider.
import { CustomObjectsApi, KubeConfig, VersionApi } from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createNodeClaimActivities } from '../activities/nodeclaim/activities.js';
import { createDisruptionActivities } from '../activities/disruption/activities.js';
import { createGarbageCollectionActivities } from '../activities/garbage-collection.js';
import { createLifecycleSweepActivities } from '../activities/lifecycle-sweep.js';
import { createInterruptionActivities } from '../activities/interruption/activities.js';
import { kubernetesDisruption } from '../adapters/kubernetes/disruption.js';
import { createPreflightActivities } from '../activities/preflight.js';
import type { NodePoolLike } from '../core/cloudprovider/cloudprovider.js';
import { kubernetesClusterInfo } from '../adapters/kubernetes/cluster-info.js';
import { kubernetesLifecycle } from '../adapters/kubernetes/lifecycle.js';
import { NodeClaimWatcher } from '../adapters/kubernetes/nodeclaim-watcher.js';
import { kubernetesClusterSnapshot } from '../adapters/kubernetes/cluster-snapshot.js';
import { PendingPodWatcher } from '../adapters/kubernetes/pod-watcher.js';
import { kubernetesProvisioning } from '../adapters/kubernetes/provisioning.js';
import { createProvisioningActivities } from '../activities/provisioning/activities.js';
import { provisioningCatalogue } from '../activities/provisioning/catalogue.js';
import { solve } from '../core/scheduling/index.js';
import type { NodePool } from '../core/scheduling/types.js';
import { bundleWorkflows } from './bundle.js';
import { loadWorkerConfig } from './config.js';
import { temporalLifecycleNotifier, temporalLifecycleSweepPort } from './lifecycle-notifier.js';
import { createLogger, temporalLoggerFor } from './logging.js';
import { temporalProvisionerNotifier } from './provisioning-notifier.js';
import { buildCloud } from './cloud.js';
import { ensureClusterSingletons } from './cluster-singletons.js';
import { temporalNodeClaimDisrupter } from './nodeclaim-disrupter.js';
import { startMetricsServer } from './metrics-server.js';
import { retryStartup } from './startup-retry.js';
import { createPrometheusMetrics } from '../adapters/metrics/prometheus.js';
import { withCloudProviderMetrics } from '../adapters/metrics/cloudprovider.js';
import { clusterGauges, type NodeClaimView, type NodePoolView } from '../core/metrics/cluster.js';
import { catalogueOfferingPrice } from '../core/cloudprovider/instancetype.js';
import type { InstanceType } from '../core/cloudprovider/types.js';

const config = loadWorkerConfig(process.env);
const { root: rootLogger, worker: logger } = createLogger({ level: config.logLevel, cluster: config.clusterName });
Runtime.install({
  logger: temporalLoggerFor(logger),
  // The SDK core's worker metrics (task latencies, slots, polls) on loopback; /metrics appends them.
  ...(config.metrics.sdkPort
    ? {
        telemetryOptions: {
          metrics: {
            prometheus: { bindAddress: `127.0.0.1:${config.metrics.sdkPort}`, useSecondsForDurations: true },
          },
        },
      }
    : {}),
});

// Every step below that needs Temporal or kube-apiserver waits for it: a worker (re)started while either is down,
// or restarting, comes up once it is back instead of exiting.
const untilUp = <T>(what: string, attempt: () => Promise<T>): Promise<T> =>
  retryStartup(what, attempt, {
    onRetry: ({ attempt: n, delayMs, error }) =>
      logger.warn({ attempt: n, retryInMs: delayMs, err: error }, `${what} failed; retrying`),
  });

const kubeConfig = new KubeConfig();
if (config.kubeconfig) kubeConfig.loadFromFile(config.kubeconfig);
else kubeConfig.loadFromCluster();
const custom = kubeConfig.makeApiClient(CustomObjectsApi);
const version = await untilUp('reading the Kubernetes version', () => kubeConfig.makeApiClient(VersionApi).getCode());
const kubernetesVersion = `${version.major}.${version.minor.replace(/\D.*$/, '')}`;
const cloudParts = buildCloud({ config, kubeConfig, custom, kubernetesVersion, logger: rootLogger });
const baseCloud = cloudParts.provider;

// NodePool usage, limits, cost and NodeClaims by type, read from the cluster when Prometheus scrapes. Prices come
// from the provider's catalogue (cached), called undecorated so scrapes do not show up as cloud provider calls.
const readClusterGauges = async () => {
  const [pools, claims] = (await Promise.all([
    custom.listClusterCustomObject({ group: 'karpenter.sh', version: 'v1', plural: 'nodepools' }),
    custom.listClusterCustomObject({ group: 'karpenter.sh', version: 'v1', plural: 'nodeclaims' }),
  ])) as [{ items: unknown[] }, { items: unknown[] }];
  const types = new Map<string, InstanceType>();
  for (const pool of pools.items as NodePoolLike[]) {
    for (const type of await baseCloud.getInstanceTypes(pool).catch(() => [] as InstanceType[]))
      types.set(type.name, type);
  }
  return clusterGauges(pools.items as NodePoolView[], claims.items as NodeClaimView[], catalogueOfferingPrice(types));
};
let pendingPods: () => number = () => 0;
const metrics = createPrometheusMetrics({ readCluster: readClusterGauges, pendingPods: () => pendingPods() });
const cloud = withCloudProviderMetrics(baseCloud, metrics.cloudProvider);

// One resolved connection (address, TLS or mTLS, API key, gRPC metadata) for the worker and the client alike.
const connection = await untilUp('connecting the worker to Temporal', () =>
  NativeConnection.connect(config.temporal.connect.connectionOptions)
);
const clientConnection = await untilUp('connecting the client to Temporal', () =>
  Connection.connect(config.temporal.connect.connectionOptions)
);
const client = new Client({ connection: clientConnection, namespace: config.temporal.namespace });
const lifecycleNotifier = temporalLifecycleNotifier(client, config.temporal.taskQueue, config.lifecycle);
const lifecycleKube = kubernetesLifecycle(kubeConfig);
const snapshot = kubernetesClusterSnapshot(kubeConfig);
// The provisioner reads pods from the pending-pod watcher's cache once it has synced (set below when it runs here).
let podWatcher: PendingPodWatcher | undefined;
const provisioningSnapshot = kubernetesClusterSnapshot(kubeConfig, { pods: () => podWatcher?.pods() });
const provisioningKube = kubernetesProvisioning(kubeConfig);
const disruptionKube = kubernetesDisruption(kubeConfig);
const disruptNodeClaim = temporalNodeClaimDisrupter(client);
const background: { stop(): Promise<void> }[] = [];
// The EC2NodeClass controller and the catalogue warm-up start before the worker bundles its workflows (seconds), so
// that a class is Ready and its instance types loaded by the time the first pending pod is planned.
if (config.watch)
  background.push(...(await untilUp('starting the node class controllers', () => cloudParts.startControllers())));
const catalogue = provisioningCatalogue(cloud);
if (config.provision) {
  // Keep the instance-type catalogue warm, as Karpenter does: otherwise a round pays for loading every type, offering
  // and price (1,395 types on EC2; 6-8 s on the test bed) while its pods wait. Until every NodePool's catalogue has
  // loaded (its EC2NodeClass may not be Ready yet) this retries every second; then every 30 s it reloads what would
  // expire within 90 s, so the 5-minute cache is renewed here and never by a solve, and compiles the catalogue for
  // the solver with an empty solve (memoised by the catalogue array, which a round then reuses). It also learns the
  // cluster's launch templates once, so the first launches create only the ones that are missing.
  let warmTimer: NodeJS.Timeout | undefined;
  let warmed = false;
  const warmCatalogue = async (): Promise<void> => {
    try {
      const pools = (
        (await custom.listClusterCustomObject({ group: 'karpenter.sh', version: 'v1', plural: 'nodepools' })) as {
          items: (NodePoolLike & { metadata: { deletionTimestamp?: string } })[];
        }
      ).items.filter((p) => !p.metadata.deletionTimestamp);
      const began = Date.now();
      const counts = await Promise.all(pools.map((pool) => cloudParts.prefetch(pool, 90_000)));
      const ok = pools.length > 0 && counts.every((n) => n > 0);
      if (ok) {
        const { types } = await catalogue.read(pools);
        solve({ pods: [], nodePools: pools as unknown as NodePool[], instanceTypes: types });
        if (!warmed) logger.info({ types: types.length, ms: Date.now() - began }, 'warmed the instance-type catalogue');
      }
      warmed = ok;
    } catch (err) {
      warmed = false;
      logger.debug({ err: (err as Error).message }, 'warming the instance-type catalogue failed; will retry');
    }
    warmTimer = setTimeout(() => void warmCatalogue(), warmed ? 30_000 : 1000);
    warmTimer.unref();
  };
  void warmCatalogue();
  background.push({ stop: async () => clearTimeout(warmTimer) });
}

// Bundled (or read) once, outside the retry below: a retry waiting for Temporal must not re-bundle (seconds of CPU).
// A prebuilt bundle spares each start the bundling, which matters when workers restart often.
const workflowBundle = config.workflowBundle
  ? { codePath: config.workflowBundle }
  : { code: await bundleWorkflows(Runtime.instance().logger) };
const worker = await untilUp('creating the Temporal worker', () =>
  Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    workflowBundle,
    activities: {
      ...createPreflightActivities({ cluster: kubernetesClusterInfo(kubeConfig), cloud: cloudParts.zones }),
      ...createNodeClaimActivities({
        kube: lifecycleKube,
        cloud,
        ...(cloudParts.tagger ? { tagger: cloudParts.tagger } : {}),
        metrics: metrics.activities,
      }),
      ...createProvisioningActivities({
        snapshot: provisioningSnapshot,
        cloud,
        kube: provisioningKube,
        startNodeClaimWorkflow: (name) => lifecycleNotifier.ensureStarted(name),
        metrics: metrics.activities,
        catalogue,
      }),
      ...createDisruptionActivities({
        snapshot,
        cloud,
        kube: disruptionKube,
        lifecycle: lifecycleKube,
        provisioning: provisioningKube,
        startNodeClaimWorkflow: (name) => lifecycleNotifier.ensureStarted(name),
        disruptNodeClaim,
        options: { spotToSpot: config.disruption.spotToSpot ?? false },
        metrics: metrics.activities,
      }),
      ...createGarbageCollectionActivities({ cloud, snapshot, lifecycle: lifecycleKube }),
      ...createLifecycleSweepActivities({
        lifecycles: temporalLifecycleSweepPort(client, config.temporal.taskQueue),
        snapshot,
        cloud,
        kube: lifecycleKube,
      }),
      ...(cloudParts.interruptionQueue
        ? createInterruptionActivities({
            queue: cloudParts.interruptionQueue,
            findNodeClaim: (instanceId) => disruptionKube.findNodeClaimByInstanceId(instanceId),
            disruptNodeClaim,
            recordEvent: (object, type, reason, message) => disruptionKube.recordEvent(object, type, reason, message),
            metrics: metrics.activities,
          })
        : {}),
    },
    // In-flight activities get time to finish on SIGTERM (the SDK default of 0 cancels them at once).
    shutdownGraceTime: '20 seconds',
    ...(config.taskPollers
      ? { maxConcurrentWorkflowTaskPolls: config.taskPollers, maxConcurrentActivityTaskPolls: config.taskPollers }
      : {}),
    ...(config.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: config.maxCachedWorkflows } : {}),
  })
);

if (config.watch) {
  const watcher = new NodeClaimWatcher(
    kubeConfig,
    lifecycleNotifier,
    rootLogger.child({ component: 'nodeclaim-watcher' }),
    (object, type, reason, message) => disruptionKube.recordEvent(object, type, reason, message)
  );
  await untilUp('starting the NodeClaim watcher', () => watcher.start());
  background.push(watcher);
}
if (config.provision) {
  const pods = new PendingPodWatcher(
    kubeConfig,
    temporalProvisionerNotifier(client, config.temporal.taskQueue, config.clusterName, config.provisioning),
    rootLogger.child({ component: 'pod-watcher' }),
    undefined,
    undefined,
    metrics.podStarted
  );
  pendingPods = () => pods.pendingCount();
  await untilUp('starting the pending-pod watcher', () => pods.start());
  podWatcher = pods;
  background.push(pods);
}

if (config.disrupt) {
  await untilUp('starting the cluster singletons', () =>
    ensureClusterSingletons(client, {
      clusterName: config.clusterName,
      taskQueue: config.temporal.taskQueue,
      disruption: config.disruption,
      gcIntervalSeconds: config.gcIntervalSeconds,
      interruption: cloudParts.interruptionQueue !== undefined,
    })
  );
}

const metricsServer = await startMetricsServer({
  host: config.metrics.host,
  port: config.metrics.port,
  registry: metrics.registry,
  ...(config.metrics.sdkPort ? { sdkMetricsUrl: `http://127.0.0.1:${config.metrics.sdkPort}/metrics` } : {}),
  healthy: () => ['INITIALIZED', 'RUNNING'].includes(worker.getState()),
});
background.push({
  stop: () =>
    new Promise<void>((resolve) => {
      metricsServer.server.close(() => resolve());
      // A scraper's keep-alive connection would otherwise hold the shutdown open.
      metricsServer.server.closeAllConnections();
    }),
});

logger.info(
  {
    taskQueue: config.temporal.taskQueue,
    metrics: `http://${config.metrics.host}:${metricsServer.port}/metrics`,
    namespace: config.temporal.namespace,
    temporal: config.temporal.connect.summary,
    kubernetesVersion,
    cloudProvider: baseCloud.name(),
    watch: config.watch,
    disrupt: config.disrupt,
    interruptionQueue: config.interruptionQueue ?? null,
  },
  'worker started'
);
try {
  await worker.run();
} finally {
  for (const part of background) await part.stop().catch(() => undefined);
  await clientConnection.close();
  await connection.close();
  logger.info('worker stopped');
}
