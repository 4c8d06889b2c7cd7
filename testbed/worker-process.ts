import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deployedWorkerCommand, deployedWorkerEnv } from './deployed-worker.js';
import { requirePart, type TestbedEndpoints } from './endpoints.js';
import { ManagedProcess } from './process.js';
import { startWatchdog } from './watchdog.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Runs the project's real worker entry point (`workers/main.ts`) as its own process against the test bed, the way
 * it runs in a cluster. A process of its own also lets tests SIGKILL it mid-work.
 */
export async function startWorkerProcess(
  endpoints: TestbedEndpoints,
  /**
   * `logFile`: where it logs (default `worker-<task queue>.log`); workers sharing a task queue need one each.
   * `deployed`: the worker as the chart runs it (testbed/deployed-worker.ts: compiled, prebuilt bundle, the chart's
   * NODE_OPTIONS; `env` still wins), built beforehand by `buildDeployedWorker()`; the benchmarks measure that one.
   * Otherwise workers/main.ts runs through tsx, so tests see every edit.
   * `nodeArgs`: node's own options before the entry point (default: the chart's `command` for the deployed worker).
   */
  options: {
    taskQueue?: string;
    env?: NodeJS.ProcessEnv;
    logFile?: string;
    deployed?: boolean;
    nodeArgs?: string[];
  } = {}
): Promise<{ process: ManagedProcess; taskQueue: string; logFile: string; metricsUrl: string }> {
  const temporal = requirePart(endpoints, 'temporal');
  const kubernetes = requirePart(endpoints, 'kubernetes');
  // The kwok provider needs no EC2 emulator: a test bed of Temporal, Kubernetes and kwok is enough for it.
  const kwok = options.env?.['KT_CLOUD_PROVIDER'] === 'kwok';
  const aws = kwok ? endpoints.aws : requirePart(endpoints, 'aws');
  const taskQueue = options.taskQueue ?? `test-${randomUUID()}`;
  const logFile = options.logFile ?? join(endpoints.dir, `worker-${taskQueue}.log`);
  // The chart's command, read once.
  const deployed = options.deployed ? deployedWorkerCommand() : undefined;
  const proc = ManagedProcess.start({
    name: `worker ${taskQueue}`,
    command: process.execPath,
    args: deployed
      ? [...(options.nodeArgs ?? deployed.nodeArgs), deployed.entry]
      : [...(options.nodeArgs ?? []), '--import', 'tsx', join(REPO, 'workers', 'main.ts')],
    cwd: REPO,
    logFile,
    env: {
      CLUSTER_NAME: endpoints.clusterName,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: temporal.namespace,
      KT_TASK_QUEUE: taskQueue,
      KUBECONFIG: kubernetes.kubeconfig,
      ...(aws && !kwok
        ? {
            AWS_REGION: aws.region,
            AWS_ENDPOINT_URL: aws.endpoint,
            AWS_ACCESS_KEY_ID: aws.accessKeyId,
            AWS_SECRET_ACCESS_KEY: aws.secretAccessKey,
            KT_ON_DEMAND_PRICES_FILE: aws.onDemandPricesFile,
          }
        : {}),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      LOG_LEVEL: 'info',
      // The provisioner is one per cluster and lives on the task queue of the worker that starts it: only the
      // callers that exercise provisioning (its tests, the sandbox, the benchmark) turn its pod watcher on.
      KT_PROVISION: 'false',
      // Likewise the disruption loop and garbage collection, which would act on other tests' nodes and instances.
      KT_DISRUPT: 'false',
      // Loopback, and a port of the kernel's choosing: many workers run side by side on one test bed.
      KT_METRICS_HOST: '127.0.0.1',
      KT_METRICS_PORT: '0',
      ...(options.deployed ? deployedWorkerEnv() : {}),
      ...options.env,
    },
  });
  // Like the test bed's parts, a worker must not outlive the process that started it (e.g. a killed Jest run).
  startWatchdog(process.pid, [proc.pid]);
  await proc.waitReady(async () => readFileSync(logFile, 'utf8').includes('"msg":"worker started"'), 60_000);
  // The worker logs where its /metrics listens (the port is the kernel's choice unless the caller set one).
  const started = readFileSync(logFile, 'utf8')
    .split('\n')
    .find((line) => line.includes('"msg":"worker started"'));
  const metricsUrl = (JSON.parse(started!) as { metrics: string }).metrics;
  return { process: proc, taskQueue, logFile, metricsUrl };
}
