// `npm run bench:e2e [-- --pods 2000] [--hold] [--source]`: provisioning end to end on the test bed. Deploys N
// pending pods and prints p50/p95 of "pod pending -> its NodeClaim created" and "pod pending -> CreateFleet", with a
// breakdown per stage (bench/provisioning-timeline.ts), the time until every NodeClaim needed for them was launched
// and every pod bound, the worker process's peak and final RSS and CPU time, and the Temporal history sizes of the
// provisioner and the NodeClaim workflows. Figures, not assertions.
import { AppsV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { kubeConfigFor, serverSideApply } from '../testbed/clients.js';
import { requirePart } from '../testbed/endpoints.js';
import { startTestbed } from '../testbed/index.js';
import { processStats } from '../testbed/process-stats.js';
import { startWorkerProcess } from '../testbed/worker-process.js';
import { testbedNodeClass } from '../testbed/seed.js';
import { buildDeployedWorker } from '../testbed/deployed-worker.js';
import { nodeClaimWorkflowId } from '../workflows/nodeclaim/messages.js';
import { pauseSignal, provisioningWorkflowId, resumeSignal } from '../workflows/provisioning/messages.js';
import {
  collectTimeline,
  percentile,
  ProvisioningWatch,
  roundTable,
  stageTable,
  type Stage,
  waitForWarmCatalogue,
} from './provisioning-timeline.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const PODS = arg('pods', 2000);
const HOLD = process.argv.includes('--hold');
// The worker as the chart runs it (compiled, prebuilt bundle, the chart's NODE_OPTIONS); `--source`: through tsx.
const SOURCE = process.argv.includes('--source');
// Node's own options for the worker instead of the chart's (`--worker-node-args "--optimize-for-size"`), and extra
// environment (`--worker-env KEY=VALUE`, repeatable): to compare memory settings on the same burst.
const WORKER_NODE_ARGS = process.argv.includes('--worker-node-args')
  ? process.argv[process.argv.indexOf('--worker-node-args') + 1]!.split(' ').filter(Boolean)
  : undefined;
const WORKER_ENV = Object.fromEntries(
  process.argv.flatMap((a, i) => (process.argv[i - 1] === '--worker-env' ? [a.split(/=(.*)/s).slice(0, 2)] : []))
) as Record<string, string>;
const DEPLOYMENTS = Math.max(1, Math.round(PODS / 100));
// kube-controller-manager and kube-scheduler write at their client rate (QPS 100 on the test bed): creating and
// marking 20,000 pods takes minutes, so the waits scale with N.
const WAIT_MS = Math.max(15 * 60_000, PODS * 90);
const log = (line: string): void => void process.stdout.write(`${line}\n`);
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');

interface NodeClaimView {
  metadata: { name: string; creationTimestamp?: string; labels?: Record<string, string> };
  status?: { conditions?: { type: string; status: string; lastTransitionTime: string }[] };
}

log(
  `bench:e2e — ${PODS} pods in ${DEPLOYMENTS} Deployments; machine: ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, ${cpus()[0]?.model}`
);
if (!SOURCE) buildDeployedWorker();
const testbed = await startTestbed({ log: (m) => log(m), bridge: { bootDelayMs: 2000 } });
const endpoints = testbed.endpoints;
const kc = kubeConfigFor(requirePart(endpoints, 'kubernetes'));
const apps = kc.makeApiClient(AppsV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);
let exitCode = 0;
try {
  const apply = serverSideApply(kc, 'bench');
  await apply(testbedNodeClass(endpoints.clusterName, requirePart(endpoints, 'aws').nodeRole));
  await apply({
    apiVersion: 'karpenter.sh/v1',
    kind: 'NodePool',
    metadata: { name: 'default' },
    spec: {
      template: {
        spec: {
          nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' },
          requirements: [
            { key: 'karpenter.k8s.aws/instance-category', operator: 'In', values: ['c', 'm', 'r'] },
            { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
            { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
          ],
        },
      },
      disruption: { consolidateAfter: 'Never' },
    },
  });
  const worker = await startWorkerProcess(endpoints, {
    taskQueue: 'bench',
    env: { KT_PROVISION: 'true', ...WORKER_ENV },
    deployed: !SOURCE,
    ...(WORKER_NODE_ARGS ? { nodeArgs: WORKER_NODE_ARGS } : {}),
  });
  // The EC2NodeClass resolves and the catalogue loads long before a real burst: wait for both.
  const warm = await waitForWarmCatalogue(worker.logFile);
  log(
    warm
      ? `worker warmed its catalogue: ${warm.types} instance types in ${(warm.ms / 1000).toFixed(1)} s`
      : 'worker did not warm its catalogue within 2 min'
  );
  const before = processStats(worker.process.pid);
  log(`worker before the burst: RSS ${before.rssMiB} MiB (peak so far ${before.peakRssMiB} MiB)`);
  // The main thread's V8 heap over the burst, from the worker's /metrics, to tell heap growth from the rest.
  let peakHeapMiB = 0;
  const heapSampler = setInterval(() => {
    fetch(worker.metricsUrl)
      .then((r) => r.text())
      .then((text) => {
        const used = /^nodejs_heap_size_used_bytes (\S+)$/m.exec(text)?.[1];
        if (used) peakHeapMiB = Math.max(peakHeapMiB, Math.round(Number(used) / 2 ** 20));
      })
      .catch(() => undefined);
  }, 1000);
  const watch = new ProvisioningWatch(kc, 'default', 'bench=e2e');
  await watch.start();
  const temporal = requirePart(endpoints, 'temporal');
  // The provisioner's history pages reach 4 MB at 20,000 pods: above gRPC's default 4 MiB message limit.
  const connection = await Connection.connect({
    address: temporal.address,
    channelArgs: { 'grpc.max_receive_message_length': 64 * 1024 * 1024 },
  });
  const client = new Client({ connection, namespace: temporal.namespace });
  const provisionerId = provisioningWorkflowId(endpoints.clusterName);
  const provisioner = client.workflow.getHandle(provisionerId);
  if (HOLD) {
    // Started paused, with the input the pod watcher's signal-with-start would give it.
    await client.workflow.signalWithStart('provisioningWorkflow', {
      workflowId: provisionerId,
      taskQueue: worker.taskQueue,
      args: [{ clusterName: endpoints.clusterName, settings: {} }],
      signal: pauseSignal,
      signalArgs: [{ reason: 'bench:e2e --hold: until every pod is pending' }],
    });
  }
  const loadBefore = load();

  const t0 = Date.now();
  for (let d = 0; d < DEPLOYMENTS; d++) {
    const replicas = Math.min(100, PODS - d * 100);
    await apps.createNamespacedDeployment({
      namespace: 'default',
      body: {
        metadata: { name: `burst-${d}` },
        spec: {
          replicas,
          selector: { matchLabels: { app: `burst-${d}` } },
          template: {
            metadata: { labels: { app: `burst-${d}`, bench: 'e2e' } },
            spec: {
              containers: [
                {
                  name: 'c',
                  image: 'pause',
                  resources: {
                    requests: { cpu: ['100m', '250m', '500m'][d % 3]!, memory: ['128Mi', '256Mi', '512Mi'][d % 3]! },
                  },
                },
              ],
            },
          },
        },
      },
    });
  }
  log(`created ${DEPLOYMENTS} Deployments in ${((Date.now() - t0) / 1000).toFixed(1)} s; waiting for the provisioner`);

  // --hold: the provisioner is paused until kube-scheduler has marked every pod Unschedulable, then resumed, so the
  // figures are those of N pods pending at once (from the resume), not of kube-scheduler's pace of marking them.
  let resumedAt: number | undefined;
  if (HOLD) {
    const pending = (): number => [...watch.pods.values()].filter((p) => p.pending !== undefined).length;
    while (pending() < PODS && Date.now() - t0 < WAIT_MS) await sleep(200);
    log(`+${((Date.now() - t0) / 1000).toFixed(1)} s: ${pending()} of ${PODS} pods pending; resuming the provisioner`);
    resumedAt = Date.now();
    await provisioner.signal(resumeSignal);
  }

  // Done: every NodeClaim launched and every pod bound (read from the watch, not by listing 2,000 pods a second).
  let lastLine = '';
  let launchedAllAt: number | undefined;
  while (Date.now() - t0 < 2 * WAIT_MS) {
    const pods = [...watch.pods.values()];
    const claims = [...watch.nodeClaims.values()];
    const launched = claims.filter((c) => c.launched !== undefined).length;
    const bound = pods.filter((p) => p.bound !== undefined).length;
    const line = `+${((Date.now() - t0) / 1000).toFixed(0)} s: ${pods.length} pods, ${bound} bound; NodeClaims ${claims.length}, ${launched} launched`;
    if (line.replace(/^\+\d+ s/, '') !== lastLine.replace(/^\+\d+ s/, '')) log(line);
    lastLine = line;
    if (pods.length >= PODS && claims.length > 0 && launched === claims.length && bound === PODS) {
      launchedAllAt = Date.now();
      break;
    }
    await sleep(250);
  }
  const stats = processStats(worker.process.pid);
  clearInterval(heapSampler);
  watch.stop();
  const loadAfter = load();

  const timeline = await collectTimeline({
    client,
    provisionerId,
    workerLog: worker.logFile,
    watch,
    ...(resumedAt !== undefined ? { since: resumedAt } : {}),
  });
  // History sizes: the provisioner's current run and every NodeClaim workflow's.
  const provisionerRun = await provisioner.describe();
  const claimRuns = await Promise.all(
    [...watch.nodeClaims.keys()].map((name) => client.workflow.getHandle(nodeClaimWorkflowId(name)).describe())
  );
  const kib = (bytes: number | undefined): string => `${Math.round((bytes ?? 0) / 1024)} KiB`;
  const largestClaimRun = claimRuns.sort((a, b) => b.historyLength - a.historyLength)[0];
  await connection.close();
  const of = (stage: Stage): number[] =>
    timeline.pods.map((p) => p.at[stage]).filter((v): v is number => v !== undefined);
  const created = of('NodeClaim object created');
  const fleet = of('CreateFleet called');
  const claims = (await custom.listClusterCustomObject({
    group: 'karpenter.sh',
    version: 'v1',
    plural: 'nodeclaims',
  })) as { items: NodeClaimView[] };
  const prices = JSON.parse(readFileSync(requirePart(endpoints, 'aws').onDemandPricesFile, 'utf8')) as Record<
    string,
    number
  >;
  const hourly = claims.items.reduce(
    (sum, c) => sum + (prices[c.metadata.labels?.['node.kubernetes.io/instance-type'] ?? ''] ?? 0),
    0
  );
  const lastPending = resumedAt ?? Math.max(...[...watch.pods.values()].map((p) => p.pending ?? -Infinity));
  const allLaunched = Math.max(...[...watch.nodeClaims.values()].map((c) => c.launched ?? Infinity));
  const s = (ms: number): string => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : '—');

  log('');
  log('| measure | value |');
  log('|---|---|');
  log(`| pods | ${PODS} |`);
  const from = resumedAt !== undefined ? 'resume' : 'pod pending';
  log(
    `| ${from} → its NodeClaim created, p50 / p95 | ${s(percentile(created, 50))} / ${s(percentile(created, 95))} (${created.length} pods) |`
  );
  log(
    `| ${from} → its CreateFleet called, p50 / p95 | ${s(percentile(fleet, 50))} / ${s(percentile(fleet, 95))} (${fleet.length} pods) |`
  );
  const answered = of('CreateFleet answered');
  log(
    `| every ${from === 'resume' ? 'held' : 'pending'} pod's CreateFleet answered (max over pods) | ${s(Math.max(...answered))} (${answered.length} pods) |`
  );
  log(
    resumedAt !== undefined
      ? `| provisioner resumed with all ${PODS} pods pending (--hold) | +${s(resumedAt - t0)} |`
      : `| last pod pending (kube-scheduler marked all ${PODS}) | +${s(lastPending - t0)} |`
  );
  log(
    `| all NodeClaims launched (Launched=True observed) | +${s(allLaunched - t0)} (${s(allLaunched - lastPending)} after ${resumedAt !== undefined ? 'the resume' : 'the last pod pending'}) |`
  );
  log(
    `| all pods bound | ${launchedAllAt ? `+${s(launchedAllAt - t0)}` : `not within ${Math.round((2 * WAIT_MS) / 60_000)} min`} |`
  );
  log(`| NodeClaims | ${claims.items.length} ($${hourly.toFixed(2)}/h, emulator prices) |`);
  log(
    `| worker RSS, before the burst / peak / at the end | ${before.rssMiB} MiB / ${stats.peakRssMiB} MiB / ${stats.rssMiB} MiB |`
  );
  log(`| worker main-thread V8 heap used, peak (sampled each second) | ${peakHeapMiB} MiB |`);
  log(
    `| Temporal history: provisioner (current run) / largest NodeClaim workflow | ${provisionerRun.historyLength} events, ${kib(provisionerRun.historySize)} / ` +
      `${largestClaimRun ? `${largestClaimRun.historyLength} events, ${kib(largestClaimRun.historySize)}` : '—'} |`
  );
  const tasks = timeline.workflowTasks;
  const failed = Object.entries(tasks.failedCauses);
  const failedText = failed.length
    ? `${failed.reduce((n, [, count]) => n + count, 0)} (${failed.map(([c, n]) => `${c} ×${n}`).join(', ')})`
    : '0';
  log(
    `| provisioner workflow tasks: runs / tasks / longest (timeout 10 s) / timed out / failed | ` +
      `${tasks.runs} / ${tasks.tasks} / ${tasks.longestMs} ms / ${tasks.timedOut} / ${failedText} |`
  );
  log(`| worker CPU time | ${stats.cpuSeconds.toFixed(1)} s |`);
  log(`| load average (1, 5, 15 min) before → after | ${loadBefore} → ${loadAfter} |`);
  log('');
  log(stageTable(timeline.pods));
  log('');
  log(roundTable(timeline.rounds, t0));
  if (!launchedAllAt) exitCode = 1;
  await worker.process.stop();
} catch (err) {
  log(`bench:e2e failed: ${(err as Error).stack}`);
  exitCode = 1;
} finally {
  await testbed.stop();
}
process.exit(exitCode);
