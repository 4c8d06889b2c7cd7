/**
 * Runs conformance scenarios through both planners: ours in-process through the `simulate` command (JSON output),
 * Karpenter v1.14.1's through the Go harness binary (one process for all scenarios, JSON Lines out).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { runSimulate, type SimulateOutput } from '../../cli/simulate.js';
import type { KarpenterPlan, OurPlan } from './compare.js';
import { writeExpandedScenarios, type Scenario } from './scenarios.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Our plan for a scenario, exactly as `simulate -f … --catalog DIR -o json` prints it. */
export async function planWithSimulate(scenario: Scenario, catalog: string): Promise<OurPlan> {
  let stdout = '';
  let stderr = '';
  const args = [...scenario.files.flatMap((file) => ['-f', file]), '--catalog', catalog, '-o', 'json'];
  const code = await runSimulate(args, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
  if (code !== 0) throw new Error(`simulate exited ${code} for ${scenario.name}: ${stderr.trim()}`);
  return JSON.parse(stdout) as SimulateOutput;
}

/**
 * The harness binary: `KT_KARPENTER_HARNESS` if set, else built (or found cached) by `scripts/install-tools.sh
 * karpenter-harness`, which prints its path on the last line of stdout.
 */
export function harnessBinary(log: (line: string) => void = () => undefined): string {
  const fromEnv = process.env['KT_KARPENTER_HARNESS'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  log('building (or finding cached) the Karpenter v1.14.1 harness: bash scripts/install-tools.sh karpenter-harness');
  const result = spawnSync('bash', ['scripts/install-tools.sh', 'karpenter-harness'], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const path = result.stdout.trim().split('\n').pop() ?? '';
  if (result.status !== 0 || path === '') {
    throw new Error(`building the Karpenter harness failed (exit ${result.status ?? 'signal'})`);
  }
  return path;
}

/** Karpenter's plans for the scenarios, keyed by scenario name. */
export function planWithKarpenter(
  scenarios: readonly Scenario[],
  catalog: string,
  binary: string
): Map<string, KarpenterPlan> {
  const root = mkdtempSync(join(tmpdir(), 'kt-conformance-scenarios-'));
  try {
    writeExpandedScenarios(scenarios, root);
    const result = spawnSync(binary, ['--catalog', catalog, '--scenarios', root], {
      encoding: 'utf8',
      maxBuffer: 256 * 2 ** 20,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (result.status !== 0) {
      throw new Error(`karpenter-plan exited ${result.status ?? 'by signal'}: ${result.stderr.slice(-2000)}`);
    }
    const plans = new Map<string, KarpenterPlan>();
    for (const line of result.stdout.split('\n')) {
      if (line.trim() === '') continue;
      const plan = JSON.parse(line) as KarpenterPlan & { scenario: string };
      plans.set(plan.scenario, { ...plan, nodeClaims: plan.nodeClaims ?? [], unschedulable: plan.unschedulable ?? [] });
    }
    return plans;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
