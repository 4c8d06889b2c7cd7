// `npm run chaos -- --seed N --faults K --pods P [--per-round R --window S --converge S --replay-sample N]`: runs a
// workload on the test bed with two workers while injecting, at moments chosen from the seed, worker SIGKILLs,
// restarts of Temporal, kube-apiserver, etcd and the EC2 emulator, AWS error bursts and a slow kube API; after each
// round of faults it waits for the cluster to converge and checks the invariants (bench/chaos/invariants.ts), and at
// the end replays a sample of workflow histories. Prints a table; on failure prints and writes the seed.
import { EC2Client } from '@aws-sdk/client-ec2';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AppsV1Api, CoreV1Api, CustomObjectsApi, PolicyV1Api } from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { buildWorkflowBundle } from '../../scripts/build-workflow-bundle.js';
import { awsClientConfig, kubeConfigFor, serverSideApply } from '../../testbed/clients.js';
import { startDelayProxy } from '../../testbed/delay-proxy.js';
import { requirePart } from '../../testbed/endpoints.js';
import { startTestbed } from '../../testbed/index.js';
import { writeKubeconfig } from '../../testbed/kubernetes.js';
import { testbedNodeClass } from '../../testbed/seed.js';
import { injectFault } from './faults.js';
import { checkInvariants, type InvariantReport, type Timeouts } from './invariants.js';
import { commandLine, parseOptions } from './options.js';
import { PdbWatch } from './pdb-watch.js';
import { FAULT_KINDS, planRounds, type FaultKind } from './plan.js';
import { Prng } from './prng.js';
import { replaySample } from './replay.js';
import { resultTable, type ChaosResult } from './report.js';
import { WorkerPair } from './workers.js';
import { createWorkload, GUARDED, NAMESPACE, NODEPOOL, runWorkload } from './workload.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const options = parseOptions(process.argv.slice(2));
const command = commandLine(options);
const began = Date.now();
const log = (line: string): void =>
  void process.stdout.write(`[chaos +${((Date.now() - began) / 1000).toFixed(0)}s] ${line}\n`);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');
// No shutdown signals: by default the SDK runtime catches SIGTERM/SIGINT to shut its workers down, which left a
// killed chaos run running with its replay worker shut (and its test bed up); now a signal ends the run and the test
// bed's watchdog stops its parts.
Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });

// Lifecycle timeouts short enough that "stuck past its timeout" is decided within a round's converge time.
const TIMEOUTS: Timeouts = { launchMs: 120_000, registrationMs: 180_000, terminationMs: 240_000 };
const WORKER_ENV = {
  KT_PROVISION: 'true',
  KT_DISRUPT: 'true',
  KT_BATCH_IDLE_SECONDS: '1',
  KT_BATCH_MAX_SECONDS: '5',
  KT_OBSERVE_INTERVAL_SECONDS: '2',
  KT_RECONCILE_INTERVAL_SECONDS: '10',
  KT_DISRUPTION_POLL_SECONDS: '3',
  KT_DISRUPTION_VALIDATION_SECONDS: '3',
  KT_GC_INTERVAL_SECONDS: '15',
  KT_LAUNCH_TIMEOUT_SECONDS: String(TIMEOUTS.launchMs / 1000),
  KT_REGISTRATION_TIMEOUT_SECONDS: String(TIMEOUTS.registrationMs / 1000),
  LOG_LEVEL: 'info',
};

log(
  `${command}\nmachine: ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, ${cpus()[0]?.model}; load ${load()}`
);
const prng = new Prng(options.seed);
const rounds = planRounds(options, prng);
const testbed = await startTestbed({
  log: (m) => log(m),
  dir: join(REPO, '.testbed', `chaos-${options.seed}-${new Date().toISOString().replace(/[:.]/g, '-')}`),
  // Long-running workflows continue-as-new often, so replays and restarts cover that path too.
  temporalDynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 300 },
});
const { endpoints } = testbed;
const kubernetes = requirePart(endpoints, 'kubernetes');
const aws = requirePart(endpoints, 'aws');
const temporal = requirePart(endpoints, 'temporal');
const faults = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
const failures: string[] = [];
const convergeMs: number[] = [];
let workloadActions = 0;
let workloadActionsFailed = 0;
let finalReport: InvariantReport | undefined;
let replay = { replayed: 0, failures: [] as string[] };
let workers: WorkerPair | undefined;
let pdb: PdbWatch | undefined;
let exitCode = 1;
try {
  const bundle = await buildWorkflowBundle(join(endpoints.dir, 'workflow-bundle.js'));
  log(`workflow bundle built: ${bundle}`);
  // The workers reach kube-apiserver through the delaying proxy (the "slow kube API" fault); the runner goes direct.
  const kubeProxy = await startDelayProxy({ upstreamPort: Number(new URL(kubernetes.apiServer).port) });
  const workerKubeconfig = join(endpoints.dir, 'worker-via-proxy.kubeconfig');
  writeKubeconfig(
    workerKubeconfig,
    `https://127.0.0.1:${kubeProxy.port}`,
    kubernetes.caFile,
    kubernetes.adminToken,
    'admin'
  );

  const kc = kubeConfigFor(kubernetes);
  const apps = kc.makeApiClient(AppsV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const policy = kc.makeApiClient(PolicyV1Api);
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: NAMESPACE } } });
  const apply = serverSideApply(kc, 'chaos');
  await apply(testbedNodeClass(endpoints.clusterName, aws.nodeRole));
  await apply({
    apiVersion: 'karpenter.sh/v1',
    kind: 'NodePool',
    metadata: { name: NODEPOOL },
    spec: {
      template: {
        spec: {
          nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' },
          requirements: [
            { key: 'karpenter.k8s.aws/instance-category', operator: 'In', values: ['c', 'm', 'r'] },
            { key: 'karpenter.k8s.aws/instance-size', operator: 'In', values: ['large', 'xlarge'] },
            { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot', 'on-demand'] },
            { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
          ],
        },
      },
      disruption: {
        consolidationPolicy: 'WhenEmptyOrUnderutilized',
        consolidateAfter: '20s',
        budgets: [{ nodes: '50%' }],
      },
    },
  });
  const sqs = new SQSClient(awsClientConfig(aws, 3));
  const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'chaos-interruption' }))).QueueUrl!;
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection, namespace: temporal.namespace });
  const ec2 = new EC2Client(awsClientConfig(aws, 3));

  workers = new WorkerPair(
    endpoints,
    { ...WORKER_ENV, KUBECONFIG: workerKubeconfig, KT_WORKFLOW_BUNDLE: bundle, KT_INTERRUPTION_QUEUE: queueUrl },
    log
  );
  await workers.start();
  log('two workers started');
  pdb = new PdbWatch(kc, NAMESPACE, GUARDED.name, GUARDED.minAvailable);
  pdb.start();
  const workloadDeps = {
    apps,
    policy,
    custom,
    temporal: client,
    sqs,
    queueUrl,
    region: aws.region,
    prng,
    pods: options.pods,
  };
  await createWorkload(workloadDeps);
  const invariantDeps = { ec2, custom, apps, temporal: client, clusterName: endpoints.clusterName, timeouts: TIMEOUTS };

  /** Polls the invariants until they hold or the deadline passes; returns the last report and how long it took. */
  const converge = async (deadlineMs: number): Promise<{ report: InvariantReport; ms: number }> => {
    const start = Date.now();
    let report: InvariantReport | undefined;
    let lastLine = '';
    while (Date.now() - start < deadlineMs) {
      try {
        report = await checkInvariants(invariantDeps);
        if (report.converged) return { report, ms: Date.now() - start };
        const line = `waiting: ${report.nodeClaims} NodeClaims, ${report.instances} instances; ${[...report.pods, ...report.inMotion, ...report.leaked.map((l) => `leaked ${l}`), ...report.workflows, ...report.lost].slice(0, 4).join('; ')}`;
        // After the first 10 s, each new state once, so a slow convergence shows what it waits for.
        if (line !== lastLine && Date.now() - start > 10_000) {
          log(line);
          lastLine = line;
        }
      } catch (err) {
        log(`invariant check failed (a part is still coming back?): ${(err as Error).message.split('\n')[0]}`);
      }
      await sleep(2000);
    }
    return { report: report ?? (await checkInvariants(invariantDeps)), ms: Date.now() - start };
  };

  log(`initial convergence (${rounds.length} rounds planned)`);
  const initial = await converge(options.convergeSeconds * 1000);
  if (!initial.report.converged)
    throw new Error(`the workload did not converge before any fault: ${JSON.stringify(initial.report)}`);
  log(`converged before faults in ${(initial.ms / 1000).toFixed(1)} s`);

  for (const [index, round] of rounds.entries()) {
    const roundStart = Date.now();
    log(
      `round ${index + 1}/${rounds.length}: ${round.faults.map((f) => f.kind).join(', ')}; workload ${round.workload.map((w) => w.kind).join(', ')}`
    );
    const pending: Promise<unknown>[] = [];
    const faultDeps = { testbed, workers, kubeProxy, awsControl: aws.control, ec2, prng, pending };
    // Faults run in order (a restart returns when its part is ready); workload actions alongside, each at its moment.
    const faultRun = (async () => {
      for (const f of round.faults) {
        const wait = roundStart + f.atMs - Date.now();
        if (wait > 0) await sleep(wait);
        try {
          const line = await injectFault(f.kind, faultDeps);
          faults[f.kind] += 1;
          log(`  fault ${f.kind}: ${line}`);
        } catch (err) {
          failures.push(`round ${index + 1}: injecting ${f.kind} failed: ${(err as Error).message}`);
          log(`  fault ${f.kind} FAILED to inject: ${(err as Error).message.split('\n')[0]}`);
        }
      }
    })();
    const workloadRun = (async () => {
      for (const w of round.workload) {
        const wait = roundStart + w.atMs - Date.now();
        if (wait > 0) await sleep(wait);
        workloadActions += 1;
        try {
          log(`  workload: ${await runWorkload(w.kind, workloadDeps)}`);
        } catch (err) {
          workloadActionsFailed += 1;
          log(`  workload ${w.kind} failed: ${(err as Error).message.split('\n')[0]}`);
        }
      }
    })();
    await Promise.all([faultRun, workloadRun]);
    // Faults stop: lift what is still switched on, and let every worker come back.
    kubeProxy.setDelay(0);
    await fetch(`${aws.control}/faults`, { method: 'DELETE' }).catch(() => undefined);
    await fetch(`${aws.control}/ice`, { method: 'DELETE' }).catch(() => undefined);
    if (!(await workers.bothUp())) failures.push(`round ${index + 1}: a worker did not come back within 3 min`);
    const result = await converge(options.convergeSeconds * 1000);
    const r = result.report;
    const hard = [...r.leaked, ...r.duplicate, ...r.lost, ...r.stuck];
    if (!r.converged || hard.length > 0) {
      failures.push(
        `round ${index + 1}: not converged after ${options.convergeSeconds} s: ${JSON.stringify({ ...r, converged: undefined })}`
      );
      log(`round ${index + 1} FAILED to converge: ${failures.at(-1)}`);
      finalReport = r;
      break;
    }
    convergeMs.push(result.ms);
    log(
      `round ${index + 1} converged in ${(result.ms / 1000).toFixed(1)} s: ${r.nodeClaims} NodeClaims, ${r.instances} instances; load ${load()}`
    );
    finalReport = r;
  }
  if (pdb.violations.length > 0) failures.push(`PDB violated: ${JSON.stringify(pdb.violations)}`);
  if (failures.length === 0 || finalReport) {
    log(`replaying ${options.replaySample} workflow histories on the current code`);
    replay = await replaySample(client, bundle, options.replaySample, prng);
    if (replay.failures.length > 0) failures.push(...replay.failures.map((f) => `replay: ${f}`));
  }
  await connection.close();
  await kubeProxy.close();
  exitCode = failures.length === 0 ? 0 : 1;
} catch (err) {
  failures.push(`chaos run aborted: ${(err as Error).stack ?? String(err)}`);
  log(failures.at(-1)!);
} finally {
  pdb?.stop();
  await workers?.stop().catch(() => undefined);
}
const r = finalReport;
const result: ChaosResult = {
  command,
  faults,
  rounds: convergeMs.length,
  workloadActions,
  workloadActionsFailed,
  convergeMs,
  leaked: r?.leaked.length ?? 0,
  duplicate: r?.duplicate.length ?? 0,
  lost: r?.lost.length ?? 0,
  workflowMismatches: r?.workflows.length ?? 0,
  podsNotRunning: r?.pods.length ?? 0,
  stuck: r?.stuck.length ?? 0,
  pdbViolations: pdb?.violations.length ?? 0,
  guardedPodsTakenAway: pdb?.evictions ?? 0,
  replayed: replay.replayed,
  replayFailures: replay.failures.length,
  unexpectedWorkerExits: workers?.unexpectedExits.length ?? 0,
  failures,
  passed: exitCode === 0,
  durationMs: Date.now() - began,
};
process.stdout.write(`\n${command}\n\n${resultTable(result)}\n\n`);
if (workers && workers.unexpectedExits.length > 0)
  log(`worker exits nobody asked for: ${workers.unexpectedExits.join('; ')}`);
if (!result.passed) {
  const file = join(REPO, '.chaos', `failed-seed-${options.seed}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ options, result, testbedDir: endpoints.dir }, null, 2));
  process.stdout.write(
    `FAILED with seed ${options.seed}; replay with: ${command}\nwritten to ${file}\n${failures.join('\n')}\n`
  );
} else await testbed.stop();
if (options.json) process.stdout.write(`CHAOS_RESULT ${JSON.stringify(result)}\n`);
if (!result.passed) await testbed.stop();
process.exit(exitCode);
