/**
 * `npm run bench:scheduling`: Karpenter's scheduling benchmark (`scheduling_benchmark_test.go`) on our solver.
 *
 * One NodePool with huge limits; 400 synthetic instance types (`fake.InstanceTypes(400)`); the diverse pod mix
 * (n/5 each of plain, zonal spread, hostname spread, zonal self-affinity, hostname self-anti-affinity) for
 * n = 1 … 20,000, and 4,000 preference pods under PreferencePolicy Respect and Ignore. Then the same mixes on the
 * bundled us-east-1 catalogue. Karpenter's benchmark fails when any of these pods is left unplaced; so does this.
 *
 * Timing covers the whole `solve()` call, setup included (Karpenter's excludes building its topology), averaged
 * over at least a second of runs after half a second of warm-up. Heap is sampled while solving (every 1,024 pods
 * and at the end); it includes the benchmark's own inputs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { argv, exit, memoryUsage, version } from 'node:process';

import { instanceTypesFromCatalog, readCatalogDirectory } from '../cli/simulate-catalog.js';
import { BUNDLED_CATALOG } from '../cli/simulate.js';
import type { InstanceType } from '../core/cloudprovider/types.js';
import { solve } from '../core/scheduling/index.js';
import type { ExistingNode, NodePool, Pod, SchedulingInput } from '../core/scheduling/types.js';
import {
  benchmarkNodePool,
  diversePods,
  fakeInstanceTypes,
  preferencePods,
  preseededNodes,
  singleKeySpreadPods,
} from './scheduling-fixtures.js';

/** Karpenter's published figures as quoted in issue 4 (Apple M3 Pro), for the ratio column only. */
const KARPENTER_PODS_PER_SECOND: Record<number, number> = { 1000: 1100, 5000: 1200, 10000: 1300, 20000: 900 };

interface Case {
  catalogue: string;
  mix: string;
  count: number;
  /** Built when the case runs, so one case's inputs do not count in another's heap. */
  pods: () => Pod[];
  instanceTypes: InstanceType[];
  nodePool: NodePool;
  options?: SchedulingInput['options'];
  existingNodes?: () => ExistingNode[];
}

interface Result {
  seconds: number;
  runs: number;
  nodeClaims: number;
  hourlyCost: number;
  unschedulable: { pod: string; reason: string }[];
  peakHeapMiB: number;
}

const gc = (globalThis as { gc?: () => void }).gc;

function measure(c: Case): Result {
  const input: SchedulingInput = {
    pods: c.pods(),
    nodePools: [c.nodePool],
    instanceTypes: c.instanceTypes,
    ...(c.options ? { options: c.options } : {}),
    ...(c.existingNodes ? { existingNodes: c.existingNodes() } : {}),
  };
  gc?.();
  // Warm up (JIT, inline caches, the memoised catalogue) for at least half a second, as Go's benchmark loop
  // amortises its own warm-up over b.N iterations; then time runs for at least a second.
  for (let warm = performance.now(), i = 0; i < 3 || performance.now() - warm < 500; i++) solve(input);
  let runs = 0;
  let total = 0;
  let peak = 0;
  const sample = (): void => {
    peak = Math.max(peak, memoryUsage().heapUsed);
  };
  let last = solve(input);
  while (runs < 3 || (total < 1 && runs < 1000)) {
    const started = performance.now();
    last = solve(input, { onProgress: sample });
    total += (performance.now() - started) / 1000;
    sample();
    runs++;
  }
  return {
    seconds: total / runs,
    runs,
    nodeClaims: last.nodeClaims.length,
    hourlyCost: last.nodeClaims.reduce((sum, claim) => sum + claim.launch.price, 0),
    unschedulable: last.unschedulable,
    peakHeapMiB: peak / 2 ** 20,
  };
}

function row(cells: (string | number)[], widths: number[]): string {
  return cells.map((cell, i) => String(cell).padStart(widths[i] ?? 10)).join('  ');
}

const sizes = argv.includes('--quick') ? [1, 100, 1000, 5000] : [1, 100, 1000, 5000, 10000, 20000];
const fake = fakeInstanceTypes(400);
const real = instanceTypesFromCatalog(readCatalogDirectory(BUNDLED_CATALOG));
const realPool: NodePool = { ...benchmarkNodePool(), metadata: { name: 'default' } };

const cases: Case[] = [];
for (const [catalogue, instanceTypes] of [
  ['fake-400', fake],
  ['us-east-1', real],
] as const) {
  const nodePool = catalogue === 'fake-400' ? benchmarkNodePool() : realPool;
  for (const n of sizes) {
    cases.push({ catalogue, mix: `diverse ${n}`, count: n, pods: () => diversePods(n), instanceTypes, nodePool });
  }
  cases.push({
    catalogue,
    mix: 'preferences 4000 Respect',
    count: 4000,
    pods: () => preferencePods(4000),
    instanceTypes,
    nodePool,
  });
  cases.push({
    catalogue,
    mix: 'preferences 4000 Ignore',
    count: 4000,
    pods: () => preferencePods(4000),
    instanceTypes,
    nodePool,
    options: { preferencePolicy: 'Ignore' },
  });
}

for (const existing of [500, 2000]) {
  cases.push({
    catalogue: 'fake-400',
    mix: `spread onto ${existing} nodes`,
    count: 500,
    pods: () => singleKeySpreadPods(500),
    instanceTypes: fake,
    nodePool: benchmarkNodePool(),
    existingNodes: () => preseededNodes(existing),
  });
}

// `--karpenter-pods DIR`: plan exactly the pods Karpenter's own benchmark solved (dumped as JSON by a patched
// scheduling_benchmark_test.go, one file per benchmark), for a fleet comparison on identical input.
const dumpFlag = argv.indexOf('--karpenter-pods');
const dumpDir = dumpFlag >= 0 ? argv[dumpFlag + 1] : undefined;
if (dumpDir !== undefined) {
  cases.length = 0;
  for (const file of readdirSync(dumpDir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const pods = JSON.parse(readFileSync(join(dumpDir, file), 'utf8')) as Pod[];
    cases.push({
      catalogue: 'fake-400',
      mix: `karpenter ${file
        .replace(/\.json$/, '')
        .replace(/^Benchmark/, '')
        .replace(/-[0-9]+$/, '')}`.slice(0, 26),
      count: pods.length,
      pods: () => pods,
      instanceTypes: fake,
      nodePool: benchmarkNodePool(),
      ...(file.includes('IgnorePreferences') ? { options: { preferencePolicy: 'Ignore' as const } } : {}),
    });
  }
}

console.log(
  `node ${version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB`
);
const widths = [10, 26, 7, 12, 12, 11, 12, 10, 9, 5];
console.log(
  row(
    ['catalogue', 'mix', 'pods', 'pods/s', 'ms/solve', 'NodeClaims', '$/hour', 'peak MiB', 'vs Karp.', 'runs'],
    widths
  )
);
let failed = false;
for (const c of cases) {
  const result = measure(c);
  const podsPerSecond = c.count / result.seconds;
  const karpenter =
    c.catalogue === 'fake-400' && c.mix.startsWith('diverse') ? KARPENTER_PODS_PER_SECOND[c.count] : undefined;
  console.log(
    row(
      [
        c.catalogue,
        c.mix,
        c.count,
        Math.round(podsPerSecond),
        (result.seconds * 1000).toFixed(1),
        result.nodeClaims,
        result.hourlyCost.toFixed(2),
        result.peakHeapMiB.toFixed(0),
        karpenter === undefined ? '' : `${(podsPerSecond / karpenter).toFixed(1)}×`,
        result.runs,
      ],
      widths
    )
  );
  if (result.unschedulable.length > 0) {
    failed = true;
    console.error(
      `  ${result.unschedulable.length} pods left unplaced, e.g. ${JSON.stringify(result.unschedulable[0])}`
    );
  }
}
if (failed) {
  console.error('FAIL: Karpenter places every pod of these mixes');
  exit(1);
}
