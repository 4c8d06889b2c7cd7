// `npm run bench:footprint [-- --nodeclaims 5000] [--caches default,1000,250] [--idle 150] [--concurrency 16]
// [--entry compiled|source] [--worker-node-options OPTIONS] [--worker-env KEY=VALUE]...`:
// N NodeClaim workflows alive at once on one worker, on the kwok provider (Temporal, kube-apiserver and kwok: no
// EC2 emulator, so the worker and the control plane are what is measured). It creates N NodeClaims the way a user
// or the provisioner would, waits until every one is Initialized, then holds the fleet idle once per workflow cache
// size, each on a freshly started worker, and prints one table: the worker's RSS and V8 heap, its CPU while idle, and
// the CPU Temporal and the API server spent on the fleet over the same window. Figures, not assertions.
import { CustomObjectsApi, Watch } from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { kubeConfigFor, serverSideApply } from '../testbed/clients.js';
import { buildDeployedWorker, deployedWorkerEnv } from '../testbed/deployed-worker.js';
import { requirePart } from '../testbed/endpoints.js';
import { startTestbed } from '../testbed/index.js';
import { processStats } from '../testbed/process-stats.js';
import { startWorkerProcess } from '../testbed/worker-process.js';
import { nodeClaimWorkflowId } from '../workflows/nodeclaim/messages.js';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const NODECLAIMS = Number(arg('nodeclaims') ?? 5000);
const CACHES = (arg('caches') ?? 'default,1000,250').split(',').map((c) => c.trim());
const IDLE_S = Number(arg('idle') ?? 150);
const CONCURRENCY = Number(arg('concurrency') ?? 16);
// `compiled` (default): dist/workers/main.js, as the image runs it; `source`: workers/main.ts through tsx.
const ENTRY = arg('entry') === 'source' ? 'source' : 'compiled';
// Node options for the worker, e.g. V8 heap flags to compare (`--worker-node-options "--max-semi-space-size=4"`).
const WORKER_NODE_OPTIONS = arg('worker-node-options');
// Extra environment for the worker, `--worker-env KEY=VALUE` (repeatable), e.g. MALLOC_ARENA_MAX=2.
const WORKER_ENV = Object.fromEntries(
  process.argv.flatMap((a, i) => (process.argv[i - 1] === '--worker-env' ? [a.split(/=(.*)/s).slice(0, 2)] : []))
) as Record<string, string>;
const POOL = 'footprint';
const log = (line: string): void => void process.stdout.write(`${line}\n`);
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');
const elapsed = (t0: number): string => `+${((Date.now() - t0) / 1000).toFixed(0)} s`;

/** The test bed's own processes (their command line names its run folder), by program name. */
function testbedPid(dir: string, program: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (cmd[0]?.endsWith(program) && cmd.some((a) => a.includes(dir))) return Number(entry);
    } catch {
      // the process ended while we looked
    }
  }
  return undefined;
}

/** The worker's V8 heap and off-heap memory, from its /metrics (prom-client's default process metrics). */
async function workerHeap(metricsUrl: string): Promise<{ heapUsedMiB: number; externalMiB: number }> {
  const text = await (await fetch(metricsUrl)).text();
  const sum = (name: string): number =>
    text
      .split('\n')
      .filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`))
      .reduce((s, l) => s + Number(l.split(' ').at(-1)), 0);
  return {
    heapUsedMiB: Math.round(sum('nodejs_heap_size_used_bytes') / 2 ** 20),
    externalMiB: Math.round(sum('nodejs_external_memory_bytes') / 2 ** 20),
  };
}

interface ClaimSeen {
  launched?: number;
  registered?: number;
  initialized?: number;
}

const workerEnv = (cache: string): NodeJS.ProcessEnv => ({
  KT_CLOUD_PROVIDER: 'kwok',
  ...(WORKER_NODE_OPTIONS ? { NODE_OPTIONS: WORKER_NODE_OPTIONS } : {}),
  ...WORKER_ENV,
  ...(cache === 'default' ? {} : { KT_MAX_CACHED_WORKFLOWS: cache }),
});
log(
  `bench:footprint — ${NODECLAIMS} NodeClaims on the kwok provider, ${ENTRY} worker ` +
    `(NODE_OPTIONS ${JSON.stringify(WORKER_NODE_OPTIONS ?? (ENTRY === 'compiled' ? deployedWorkerEnv()['NODE_OPTIONS'] : '') ?? '')}), workflow caches ${CACHES.join(' / ')}, ${IDLE_S} s idle each; ` +
    `machine: ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, ${cpus()[0]?.model}; node ${process.version}`
);
if (ENTRY === 'compiled') buildDeployedWorker();
const testbed = await startTestbed({ parts: ['temporal', 'kubernetes', 'kwok'], log: (m) => log(m) });
const endpoints = testbed.endpoints;
const kc = kubeConfigFor(requirePart(endpoints, 'kubernetes'));
const custom = kc.makeApiClient(CustomObjectsApi);
const temporal = requirePart(endpoints, 'temporal');
const connection = await Connection.connect({ address: temporal.address });
const client = new Client({ connection, namespace: temporal.namespace });
let exitCode = 0;
let stopped = false;
try {
  const apply = serverSideApply(kc, 'bench');
  await apply({ apiVersion: 'karpenter.kwok.sh/v1alpha1', kind: 'KWOKNodeClass', metadata: { name: 'default' } });
  await apply({
    apiVersion: 'karpenter.sh/v1',
    kind: 'NodePool',
    metadata: { name: POOL },
    spec: {
      template: {
        spec: {
          nodeClassRef: { group: 'karpenter.kwok.sh', kind: 'KWOKNodeClass', name: 'default' },
          expireAfter: 'Never',
          requirements: [{ key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['s-2x-amd64-linux'] }],
        },
      },
      disruption: { consolidateAfter: 'Never' },
    },
  });

  // Every NodeClaim's progress, from a watch (listing 5,000 NodeClaims every few seconds would load what we measure).
  const seen = new Map<string, ClaimSeen>();
  let watching: AbortController | undefined;
  const startWatch = async (): Promise<void> => {
    watching = await new Watch(kc).watch(
      '/apis/karpenter.sh/v1/nodeclaims',
      { labelSelector: `karpenter.sh/nodepool=${POOL}` },
      (
        _type,
        claim: { metadata?: { name?: string }; status?: { conditions?: { type: string; status: string }[] } }
      ) => {
        const name = claim.metadata?.name;
        if (!name) return;
        const s = seen.get(name) ?? {};
        const isTrue = (type: string) => claim.status?.conditions?.some((c) => c.type === type && c.status === 'True');
        if (!s.launched && isTrue('Launched')) s.launched = Date.now();
        if (!s.registered && isTrue('Registered')) s.registered = Date.now();
        if (!s.initialized && isTrue('Initialized')) s.initialized = Date.now();
        seen.set(name, s);
      },
      // The API server ends watches after a while: watch again (the re-list's ADDED events keep what was seen).
      (err: unknown) => {
        if (stopped) return;
        if (err) log(`NodeClaim watch ended (${(err as Error).message}); watching again`);
        setTimeout(() => void startWatch(), 200);
      }
    );
  };
  await startWatch();
  const count = (stage: keyof ClaimSeen): number => [...seen.values()].filter((s) => s[stage] !== undefined).length;

  const startWorker = (cache: string, i: number) =>
    startWorkerProcess(endpoints, {
      taskQueue: 'footprint',
      env: workerEnv(cache),
      deployed: ENTRY === 'compiled',
      logFile: join(endpoints.dir, `worker-footprint-${i}.log`),
    });
  let worker = await startWorker(CACHES[0]!, 0);
  const idleStart = processStats(worker.process.pid);
  const idleHeap = await workerHeap(worker.metricsUrl);
  log(
    `worker started (cache ${CACHES[0]}): RSS ${idleStart.rssMiB} MiB, heap ${idleHeap.heapUsedMiB} MiB, with no NodeClaims`
  );

  // The fleet: N NodeClaims, CONCURRENCY creates in flight.
  const t0 = Date.now();
  let created = 0;
  let lastLine = 0;
  const progress = (force = false): void => {
    if (!force && Date.now() - lastLine < 5000) return;
    lastLine = Date.now();
    const w = processStats(worker.process.pid);
    log(
      `${elapsed(t0)}: created ${created}, launched ${count('launched')}, registered ${count('registered')}, ` +
        `initialized ${count('initialized')} of ${NODECLAIMS}; worker RSS ${w.rssMiB} MiB; load ${load()}`
    );
  };
  const names = Array.from({ length: NODECLAIMS }, (_, i) => `${POOL}-${String(i).padStart(5, '0')}`);
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < names.length) {
        const name = names[next++]!;
        await custom.createClusterCustomObject({
          group: 'karpenter.sh',
          version: 'v1',
          plural: 'nodeclaims',
          body: {
            apiVersion: 'karpenter.sh/v1',
            kind: 'NodeClaim',
            metadata: { name, labels: { 'karpenter.sh/nodepool': POOL } },
            spec: {
              nodeClassRef: { group: 'karpenter.kwok.sh', kind: 'KWOKNodeClass', name: 'default' },
              expireAfter: 'Never',
              requirements: [
                { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['s-2x-amd64-linux'] },
                { key: 'karpenter.sh/nodepool', operator: 'In', values: [POOL] },
              ],
              resources: { requests: { cpu: '100m' } },
            },
          },
        });
        created++;
        progress();
      }
    })
  );
  const createdAt = Date.now();
  while (count('initialized') < NODECLAIMS && Date.now() - t0 < 60 * 60_000) {
    progress();
    await sleep(1000);
  }
  progress(true);
  const allInitialized = count('initialized') === NODECLAIMS ? Date.now() : undefined;
  const burst = processStats(worker.process.pid);
  const pct = (stage: keyof ClaimSeen, p: number): string => {
    const times = [...seen.values()]
      .map((s) => s[stage])
      .filter((v): v is number => v !== undefined)
      .sort((a, b) => a - b);
    const at = times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)];
    return at === undefined ? '—' : `${((at - t0) / 1000).toFixed(1)} s`;
  };

  // History sizes of a sample of the fleet's workflows.
  const sample = names.filter((_, i) => i % Math.max(1, Math.floor(NODECLAIMS / 25)) === 0);
  const described = await Promise.all(
    sample.map((name) => client.workflow.getHandle(nodeClaimWorkflowId(name)).describe())
  );
  const lengths = described.map((d) => d.historyLength).sort((a, b) => a - b);
  const sizes = described.map((d) => d.historySize ?? 0).sort((a, b) => a - b);
  const median = (xs: number[]): number => xs[Math.floor(xs.length / 2)] ?? NaN;

  // Idle: the fleet as it is most of its life. One window per cache size, each on a newly started worker (the first
  // keeps the worker that launched the fleet, with its cache full).
  const temporalPid = testbedPid(endpoints.dir, 'temporal');
  const apiserverPid = testbedPid(endpoints.dir, 'kube-apiserver');
  const rows: string[] = [];
  for (const [i, cache] of CACHES.entries()) {
    if (i > 0) {
      await worker.process.stop();
      worker = await startWorker(cache, i);
    }
    const before = processStats(worker.process.pid);
    const cpTemporal = temporalPid ? processStats(temporalPid).cpuSeconds : NaN;
    const cpApiserver = apiserverPid ? processStats(apiserverPid).cpuSeconds : NaN;
    const loadBefore = load();
    let maxRss = 0;
    for (let s = 0; s < IDLE_S; s += 5) {
      await sleep(5000);
      maxRss = Math.max(maxRss, processStats(worker.process.pid).rssMiB);
    }
    const after = processStats(worker.process.pid);
    const heap = await workerHeap(worker.metricsUrl);
    const share = (cpu: number): string => `${((100 * cpu) / IDLE_S).toFixed(1)} %`;
    rows.push(
      `| ${cache} | ${i === 0 ? 'launched the fleet' : 'restarted'} | ${after.rssMiB} MiB | ${maxRss} MiB | ` +
        `${heap.heapUsedMiB} / ${heap.externalMiB} MiB | ${share(after.cpuSeconds - before.cpuSeconds)} | ` +
        `${temporalPid ? share(processStats(temporalPid).cpuSeconds - cpTemporal) : '—'} | ` +
        `${apiserverPid ? share(processStats(apiserverPid).cpuSeconds - cpApiserver) : '—'} | ${loadBefore} → ${load()} |`
    );
    log(`idle window ${i + 1}/${CACHES.length} (cache ${cache}) done: ${rows.at(-1)}`);
  }
  stopped = true;
  watching?.abort();

  log('');
  log('| measure | value |');
  log('|---|---|');
  log(
    `| NodeClaims | ${NODECLAIMS} (created in ${((createdAt - t0) / 1000).toFixed(1)} s, ${CONCURRENCY} at a time) |`
  );
  log(`| launched, p50 / p100 | ${pct('launched', 50)} / ${pct('launched', 100)} |`);
  log(`| initialized, p50 / p100 | ${pct('initialized', 50)} / ${pct('initialized', 100)} |`);
  log(
    `| all initialized | ${allInitialized ? `+${((allInitialized - t0) / 1000).toFixed(1)} s` : 'not within 60 min'} |`
  );
  log(
    `| worker with no NodeClaims: RSS / heap | ${idleStart.rssMiB} MiB / ${idleHeap.heapUsedMiB} MiB (cache ${CACHES[0]}) |`
  );
  log(`| worker peak RSS while launching | ${burst.peakRssMiB} MiB |`);
  log(`| worker CPU time to launch the fleet | ${(burst.cpuSeconds - idleStart.cpuSeconds).toFixed(1)} s |`);
  log(
    `| NodeClaim workflow history, median of ${described.length} | ${median(lengths)} events, ${Math.round(median(sizes) / 1024)} KiB |`
  );
  log('');
  log(`Idle, ${IDLE_S} s per row (CPU as a share of one core):`);
  log('');
  log(
    '| workflow cache | worker | RSS at end | RSS max | heap used / external | worker CPU | Temporal CPU | kube-apiserver CPU | load |'
  );
  log('|---|---|---:|---:|---:|---:|---:|---:|---|');
  for (const row of rows) log(row);
  if (!allInitialized) exitCode = 1;
  await worker.process.stop();
} catch (err) {
  log(`bench:footprint failed: ${(err as Error).stack}`);
  exitCode = 1;
} finally {
  stopped = true;
  await connection.close();
  await testbed.stop();
}
process.exit(exitCode);
