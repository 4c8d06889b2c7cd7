// `npm run bench:e2e [-- --pods 2000]`: provisioning end to end on the test bed. Deploys N pending pods and prints
// p50/p95 of "pod pending -> its NodeClaim created" and "pod pending -> CreateFleet", with a breakdown per stage
// (bench/provisioning-timeline.ts), the time until every NodeClaim needed for them was launched, and the worker
// process's peak RSS and CPU time. Figures, not assertions.
import { AppsV1Api, CoreV1Api, CustomObjectsApi, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { kubeConfigFor } from '../testbed/clients.js';
import { requirePart } from '../testbed/endpoints.js';
import { startTestbed } from '../testbed/index.js';
import { startWorkerProcess } from '../testbed/worker-process.js';
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
const DEPLOYMENTS = Math.max(1, Math.round(PODS / 100));
const log = (line: string): void => void process.stdout.write(`${line}\n`);
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');

interface NodeClaimView {
  metadata: { name: string; creationTimestamp?: string; labels?: Record<string, string> };
  status?: { conditions?: { type: string; status: string; lastTransitionTime: string }[] };
}

function procStats(pid: number): { peakRssMiB: number; cpuSeconds: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(stat[11]) + Number(stat[12]); // utime + stime, in clock ticks (100 Hz on Linux)
  return { peakRssMiB: Math.round(hwm / 1024), cpuSeconds: ticks / 100 };
}

log(
  `bench:e2e — ${PODS} pods in ${DEPLOYMENTS} Deployments; machine: ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, ${cpus()[0]?.model}`
);
const testbed = await startTestbed({ log: (m) => log(m), bridge: { bootDelayMs: 2000 } });
const endpoints = testbed.endpoints;
const kc = kubeConfigFor(requirePart(endpoints, 'kubernetes'));
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);
let exitCode = 0;
try {
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const apply = (doc: object) =>
    objects.patch(doc as never, undefined, undefined, 'bench', true, PatchStrategy.ServerSideApply);
  await apply({
    apiVersion: 'karpenter.k8s.aws/v1',
    kind: 'EC2NodeClass',
    metadata: { name: 'default' },
    spec: {
      role: requirePart(endpoints, 'aws').nodeRole,
      amiSelectorTerms: [{ alias: 'al2023@latest' }],
      subnetSelectorTerms: [{ tags: { 'karpenter.sh/discovery': endpoints.clusterName } }],
      securityGroupSelectorTerms: [{ tags: { 'karpenter.sh/discovery': endpoints.clusterName } }],
    },
  });
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
  const worker = await startWorkerProcess(endpoints, { taskQueue: 'bench', env: { KT_PROVISION: 'true' } });
  // The EC2NodeClass resolves and the catalogue loads long before a real burst: wait for both.
  const warm = await waitForWarmCatalogue(worker.logFile);
  log(
    warm
      ? `worker warmed its catalogue: ${warm.types} instance types in ${(warm.ms / 1000).toFixed(1)} s`
      : 'worker did not warm its catalogue within 2 min'
  );
  const watch = new ProvisioningWatch(kc, 'default', 'bench=e2e');
  await watch.start();
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

  // Done: every pod is nominated to or running on a launched NodeClaim, i.e. no pod waits for a NodeClaim to launch.
  let lastLine = '';
  let launchedAllAt: number | undefined;
  while (Date.now() - t0 < 15 * 60_000) {
    const [pods, claims] = await Promise.all([
      core.listNamespacedPod({ namespace: 'default', labelSelector: 'bench=e2e' }),
      custom.listClusterCustomObject({ group: 'karpenter.sh', version: 'v1', plural: 'nodeclaims' }) as Promise<{
        items: NodeClaimView[];
      }>,
    ]);
    const launched = claims.items.filter((c) =>
      c.status?.conditions?.some((x) => x.type === 'Launched' && x.status === 'True')
    ).length;
    const bound = pods.items.filter((p) => p.spec?.nodeName).length;
    const line = `+${((Date.now() - t0) / 1000).toFixed(0)} s: ${pods.items.length} pods, ${bound} bound; NodeClaims ${claims.items.length}, ${launched} launched`;
    if (line.replace(/^\+\d+ s/, '') !== lastLine.replace(/^\+\d+ s/, '')) log(line);
    lastLine = line;
    if (pods.items.length === PODS && claims.items.length > 0 && launched === claims.items.length && bound === PODS) {
      launchedAllAt = Date.now();
      break;
    }
    await sleep(1000);
  }
  const stats = procStats(worker.process.pid);
  watch.stop();
  const loadAfter = load();

  const temporal = requirePart(endpoints, 'temporal');
  const connection = await Connection.connect({ address: temporal.address });
  const timeline = await collectTimeline({
    client: new Client({ connection, namespace: temporal.namespace }),
    provisionerId: `provisioner/${endpoints.clusterName}`,
    workerLog: worker.logFile,
    watch,
  });
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
  const lastPending = Math.max(...[...watch.pods.values()].map((p) => p.pending ?? -Infinity));
  const allLaunched = Math.max(...[...watch.nodeClaims.values()].map((c) => c.launched ?? Infinity));
  const s = (ms: number): string => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : '—');

  log('');
  log('| measure | value |');
  log('|---|---|');
  log(`| pods | ${PODS} |`);
  log(
    `| pod pending → its NodeClaim created, p50 / p95 | ${s(percentile(created, 50))} / ${s(percentile(created, 95))} (${created.length} pods) |`
  );
  log(
    `| pod pending → its CreateFleet called, p50 / p95 | ${s(percentile(fleet, 50))} / ${s(percentile(fleet, 95))} (${fleet.length} pods) |`
  );
  log(`| last pod pending (kube-scheduler marked all ${PODS}) | +${s(lastPending - t0)} |`);
  log(
    `| all NodeClaims launched (Launched=True observed) | +${s(allLaunched - t0)} (${s(allLaunched - lastPending)} after the last pod pending) |`
  );
  log(`| all pods bound | ${launchedAllAt ? `+${s(launchedAllAt - t0)}` : 'not within 15 min'} |`);
  log(`| NodeClaims | ${claims.items.length} ($${hourly.toFixed(2)}/h, emulator prices) |`);
  log(`| worker peak RSS | ${stats.peakRssMiB} MiB |`);
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
