// `npm run bench:e2e [-- --pods 2000]`: provisioning end to end on the test bed. Deploys N pending pods and prints
// p50/p95 of "pod pending -> its NodeClaim's CreateFleet answered" (the Launched condition), the time until every
// NodeClaim needed for them was launched, and the worker process's peak RSS and CPU time. Figures, not assertions.
import { AppsV1Api, CoreV1Api, CustomObjectsApi, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpus, totalmem } from 'node:os';
import { kubeConfigFor } from '../testbed/clients.js';
import { requirePart } from '../testbed/endpoints.js';
import { startTestbed } from '../testbed/index.js';
import { startWorkerProcess } from '../testbed/worker-process.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const PODS = arg('pods', 2000);
const DEPLOYMENTS = Math.max(1, Math.round(PODS / 100));
const log = (line: string): void => void process.stdout.write(`${line}\n`);

interface NodeClaimView {
  metadata: { name: string; creationTimestamp?: string; labels?: Record<string, string> };
  status?: { conditions?: { type: string; status: string; lastTransitionTime: string }[] };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
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
  await sleep(3000); // let the EC2NodeClass resolve, as it would long before a real burst

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

  // Per pod: creation -> the Launched transition of the NodeClaim of the node it runs on.
  const claims = (await custom.listClusterCustomObject({
    group: 'karpenter.sh',
    version: 'v1',
    plural: 'nodeclaims',
  })) as {
    items: (NodeClaimView & { status?: { nodeName?: string } })[];
  };
  const launchedAt = new Map<string, number>();
  for (const c of claims.items) {
    const t = c.status?.conditions?.find((x) => x.type === 'Launched' && x.status === 'True')?.lastTransitionTime;
    if (c.status?.nodeName && t) launchedAt.set(c.status.nodeName, Date.parse(t));
  }
  const pods = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'bench=e2e' });
  const latencies = pods.items
    .map((p) => (launchedAt.get(p.spec?.nodeName ?? '') ?? NaN) - new Date(p.metadata!.creationTimestamp!).getTime())
    .filter((ms) => Number.isFinite(ms))
    .map((ms) => Math.max(0, ms) / 1000)
    .sort((a, b) => a - b);
  const prices = JSON.parse(readFileSync(requirePart(endpoints, 'aws').onDemandPricesFile, 'utf8')) as Record<
    string,
    number
  >;
  const hourly = claims.items.reduce(
    (sum, c) => sum + (prices[c.metadata.labels?.['node.kubernetes.io/instance-type'] ?? ''] ?? 0),
    0
  );

  log('');
  log('| measure | value |');
  log('|---|---|');
  log(`| pods | ${PODS} |`);
  log(
    `| pod pending → CreateFleet answered (Launched), p50 | ${percentile(latencies, 50).toFixed(1)} s (${latencies.length} pods measured; 1 s resolution) |`
  );
  log(`| pod pending → CreateFleet answered (Launched), p95 | ${percentile(latencies, 95).toFixed(1)} s |`);
  log(
    `| all NodeClaims for ${PODS} pods launched (and pods bound) | ${launchedAllAt ? `${((launchedAllAt - t0) / 1000).toFixed(1)} s` : 'not within 15 min'} |`
  );
  log(`| NodeClaims | ${claims.items.length} ($${hourly.toFixed(2)}/h, emulator prices) |`);
  log(`| worker peak RSS | ${stats.peakRssMiB} MiB |`);
  log(`| worker CPU time | ${stats.cpuSeconds.toFixed(1)} s |`);
  if (!launchedAllAt) exitCode = 1;
  await worker.process.stop();
} catch (err) {
  log(`bench:e2e failed: ${(err as Error).stack}`);
  exitCode = 1;
} finally {
  await testbed.stop();
}
process.exit(exitCode);
