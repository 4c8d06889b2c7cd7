/**
 * `npm run bench:side-by-side [-- --iterations N] [--only TEXT] [--quick|--all] [--inputs DIR]`: our solver and Karpenter
 * v1.14.1's scheduler, one machine, one run, the same pods, instance types and NodePool, the same timed span.
 *
 * The inputs are written once to files (bench/side-by-side-inputs.ts) and both sides read those files; before timing
 * a scenario each side reports a digest of what it read and the run stops if they differ. Karpenter runs in the Go
 * harness (`karpenter-plan bench`, bench/karpenter-harness/bench.go), built and cached by scripts/install-tools.sh.
 *
 * Timed span, both sides: building the scheduler from the round's inputs and solving. Ours: one `solve()` call.
 * Karpenter's: `NewTopology` + `NewScheduler` + `Solve` (its own benchmark times `Solve` only, after building the
 * topology once; we report that part as well). Every iteration gets fresh copies of the pods (our per-pod memo
 * starts cold; Karpenter's pods are deep-copied, its cluster state and scheduler are new). The instance types are
 * the same objects across iterations on both sides, as a running autoscaler's instance-type provider hands the
 * same cached catalogue to every round: our compiled catalogue is memoised on that array, Karpenter's instance
 * types memoise their allocatable resources. One untimed
 * warm-up iteration per side, then the two sides alternate (ours first on even iterations, Karpenter first on odd),
 * each after a full GC. CPU time is the process's user + system time over the span: Karpenter's Solve may use
 * more than one core (NumConcurrentReconciles(5), as in its benchmark); ours uses one.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { argv, cpuUsage, exit, version } from 'node:process';

import { solve } from '../core/scheduling/index.js';
import type { SchedulingInput } from '../core/scheduling/types.js';
import { harnessBinary } from '../test/conformance/run.js';
import {
  ALL_SCENARIOS,
  DEFAULT_SCENARIOS,
  inputDigest,
  readScenarioInputs,
  type SideBySideScenario,
  writeSideBySideInputs,
} from './side-by-side-inputs.js';

const argValue = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const iterations = Math.max(1, Number(argValue('--iterations') ?? 5));
const only = argValue('--only');
const QUICK = ['fake-400/diverse-1000', 'fake-400/diverse-5000', 'fake-400/preferences-4000-ignore'];
const names = (argv.includes('--quick') ? QUICK : argv.includes('--all') ? ALL_SCENARIOS : DEFAULT_SCENARIOS).filter(
  (n) => only === undefined || n.includes(only)
);
const log = (line: string): void => void process.stderr.write(`${line}\n`);
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const gc = (globalThis as { gc?: () => void }).gc;

interface Sample {
  ms: number;
  solveMs: number;
  cpuMs: number;
  nodeClaims: number;
  hourlyCost: number;
  unschedulable: number;
}

/** The Go harness as a long-lived process answering one JSON line per command. */
class Karpenter {
  private readonly lines: AsyncIterator<string>;
  private readonly child;
  constructor(binary: string, inputs: string) {
    this.child = spawn(binary, ['bench', '--inputs', inputs], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.lines = createInterface({ input: this.child.stdout })[Symbol.asyncIterator]();
  }
  async ask(command: string): Promise<Record<string, unknown>> {
    this.child.stdin.write(`${command}\n`);
    const next = await this.lines.next();
    if (next.done === true) throw new Error(`the Karpenter harness exited before answering ${command}`);
    const answer = JSON.parse(next.value) as Record<string, unknown>;
    if (typeof answer['error'] === 'string') throw new Error(`Karpenter harness, ${command}: ${answer['error']}`);
    return answer;
  }
  async run(name: string): Promise<Sample> {
    const a = await this.ask(`run ${name}`);
    return {
      ms: Number(a['ms']),
      solveMs: Number(a['solveMs']),
      cpuMs: Number(a['cpuMs']),
      nodeClaims: Number(a['nodeClaims']),
      hourlyCost: Number(a['hourlyCost']),
      unschedulable: Number(a['unschedulable']),
    };
  }
  close(): void {
    this.child.stdin.end('quit\n');
  }
}

function runOurs(base: SchedulingInput): Sample {
  // Fresh pods every iteration, outside the timer: the solver's per-pod memo starts cold, as Karpenter's scheduler
  // starts from new pod objects each round. The catalogue stays (the provider's cache).
  const input = { ...base, pods: structuredClone(base.pods) };
  gc?.();
  const cpu0 = cpuUsage();
  const started = performance.now();
  const plan = solve(input);
  const ms = performance.now() - started;
  const cpu = cpuUsage(cpu0);
  return {
    ms,
    solveMs: ms,
    cpuMs: (cpu.user + cpu.system) / 1000,
    nodeClaims: plan.nodeClaims.length,
    hourlyCost: plan.nodeClaims.reduce((sum, claim) => sum + claim.launch.price, 0),
    unschedulable: plan.unschedulable.length,
  };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

function summarise(samples: Sample[]): Record<string, number> {
  const ms = samples.map((s) => s.ms);
  return {
    median: median(ms),
    min: Math.min(...ms),
    max: Math.max(...ms),
    solveMedian: median(samples.map((s) => s.solveMs)),
    cpuMedian: median(samples.map((s) => s.cpuMs)),
  };
}

const inputsFlag = argValue('--inputs');
const dir = inputsFlag ?? mkdtempSync(join(tmpdir(), 'kt-side-by-side-'));
const scenarios: SideBySideScenario[] = writeSideBySideInputs(dir, names);
const binary = harnessBinary(log);
const karpenter = new Karpenter(binary, dir);

console.log(
  `node ${version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB`
);
console.log(`Karpenter v1.14.1 scheduler via ${binary}`);
console.log(`${iterations} timed iterations per side per scenario, alternating; load average before: ${load()}`);
const header = [
  'scenario',
  'pods',
  'side',
  'median ms',
  'min ms',
  'max ms',
  'pods/s',
  'cpu ms',
  'NodeClaims',
  '$/hour',
  'unplaced',
  'K/ours',
];
const widths = [34, 6, 10, 10, 10, 10, 9, 10, 10, 10, 8, 7];
const row = (cells: (string | number)[]): string =>
  cells
    .map((cell, i) => (i === 0 ? String(cell).padEnd(widths[i] ?? 10) : String(cell).padStart(widths[i] ?? 10)))
    .join(' ');
console.log(row(header));

let failed = false;
try {
  for (const scenario of scenarios) {
    const inputs = readScenarioInputs(dir, scenario);
    const ours = inputDigest(inputs);
    const theirs = await karpenter.ask(`digest ${scenario.name}`);
    for (const key of ['pods', 'types', 'podsDigest', 'typesDigest'] as const) {
      if (theirs[key] !== ours[key]) {
        throw new Error(
          `${scenario.name}: the two sides read different inputs (${key}: ours ${ours[key]}, Karpenter ${String(theirs[key])})`
        );
      }
    }
    const base: SchedulingInput = {
      pods: inputs.pods,
      nodePools: [inputs.nodePool],
      instanceTypes: inputs.instanceTypes,
      options: { preferencePolicy: scenario.preferencePolicy },
    };
    const loadBefore = load();
    runOurs(base);
    await karpenter.run(scenario.name);
    const oursSamples: Sample[] = [];
    const theirSamples: Sample[] = [];
    for (let i = 0; i < iterations; i++) {
      if (i % 2 === 0) {
        oursSamples.push(runOurs(base));
        theirSamples.push(await karpenter.run(scenario.name));
      } else {
        theirSamples.push(await karpenter.run(scenario.name));
        oursSamples.push(runOurs(base));
      }
    }
    const o = summarise(oursSamples);
    const k = summarise(theirSamples);
    const count = inputs.pods.length;
    for (const [side, s, samples] of [
      ['ours', o, oursSamples],
      ['Karpenter', k, theirSamples],
    ] as const) {
      const last = samples[samples.length - 1] as Sample;
      if (last.unschedulable > 0) failed = true;
      console.log(
        row([
          side === 'ours' ? scenario.name : '',
          side === 'ours' ? count : '',
          side,
          (s['median'] ?? 0).toFixed(1),
          (s['min'] ?? 0).toFixed(1),
          (s['max'] ?? 0).toFixed(1),
          Math.round(count / ((s['median'] ?? 1) / 1000)),
          (s['cpuMedian'] ?? 0).toFixed(0),
          last.nodeClaims,
          last.hourlyCost.toFixed(2),
          last.unschedulable,
          side === 'ours' ? `${((k['median'] ?? 0) / (o['median'] ?? 1)).toFixed(1)}×` : '',
        ])
      );
    }
    console.log(
      `  ${scenario.name}: Karpenter Solve alone median ${(k['solveMedian'] ?? 0).toFixed(1)} ms ` +
        `(its own benchmark's span; ratio ${((k['solveMedian'] ?? 0) / (o['median'] ?? 1)).toFixed(1)}×); ` +
        `load ${loadBefore} → ${load()}`
    );
  }
} finally {
  karpenter.close();
  if (inputsFlag === undefined) rmSync(dir, { recursive: true, force: true });
}
console.log(`load average after: ${load()}`);
if (failed) {
  console.error('FAIL: a pod was left unplaced (every pod of these mixes fits)');
  exit(1);
}
