/**
 * The whole conformance run: every scenario through `simulate` and through Karpenter v1.14.1, compared in meaning.
 *
 * Where Karpenter picks at random (Go map order and random pod UIDs break its ties, e.g. which of several equally
 * empty zones a spread pod gets), one run of it is one sample of the plans it can make. A scenario that differs is
 * run through Karpenter again, up to `retries` more times, and counts as the same when any of Karpenter's plans
 * matches ours. Differences a scenario lists in its `accepted-differences.yaml` are deliberate and shown as such.
 */
import { comparePlans, type Comparison, type Difference, type KarpenterPlan } from './compare.js';
import { planWithKarpenter, planWithSimulate } from './run.js';
import type { CatalogFolders, Scenario } from './scenarios.js';

export type Verdict = 'same' | 'deliberate' | 'different';

export interface ScenarioResult {
  scenario: Scenario;
  comparison: Comparison;
  /** How many times Karpenter planned it, and which run (1-based) the comparison is from. */
  karpenterRuns: number;
  matchedRun: number;
  /** Differences not listed as deliberate: the scenario fails when there is any. */
  unexplained: Difference[];
  verdict: Verdict;
}

function unexplained(scenario: Scenario, differences: readonly Difference[]): Difference[] {
  return differences.filter(
    (d) => !scenario.acceptedDifferences.some((a) => a.kind === d.kind && a.subject === d.subject)
  );
}

export async function runConformance(
  scenarios: readonly Scenario[],
  options: { binary: string; catalogs: CatalogFolders; retries?: number; log?: (line: string) => void }
): Promise<{ results: ScenarioResult[]; karpenterSeconds: number; simulateSeconds: number }> {
  const log = options.log ?? (() => undefined);
  let started = performance.now();
  // One harness process per catalogue.
  const karpenter = (subset: readonly Scenario[]): Map<string, KarpenterPlan> => {
    const plans = new Map<string, KarpenterPlan>();
    for (const catalog of ['suite', 'bundled'] as const) {
      const group = subset.filter((s) => s.catalog === catalog);
      if (group.length === 0) continue;
      for (const [name, plan] of planWithKarpenter(group, options.catalogs[catalog], options.binary)) {
        plans.set(name, plan);
      }
    }
    return plans;
  };
  const first = karpenter(scenarios);
  let karpenterSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  const ours = new Map<string, Awaited<ReturnType<typeof planWithSimulate>>>();
  for (const scenario of scenarios) {
    ours.set(scenario.name, await planWithSimulate(scenario, options.catalogs[scenario.catalog]));
  }
  const simulateSeconds = (performance.now() - started) / 1000;

  const missing: KarpenterPlan = { nodeClaims: [], unschedulable: [], error: 'no result from the harness' };
  const compare = (scenario: Scenario, plan: KarpenterPlan | undefined): Comparison =>
    comparePlans(ours.get(scenario.name)!, plan ?? missing, { zoneSpreadWorkloads: scenario.zoneSpreadWorkloads });
  const results: ScenarioResult[] = scenarios.map((scenario) => {
    const comparison = compare(scenario, first.get(scenario.name));
    const rest = unexplained(scenario, comparison.differences);
    return { scenario, comparison, karpenterRuns: 1, matchedRun: 1, unexplained: rest, verdict: 'same' };
  });

  for (let attempt = 2; attempt <= 1 + (options.retries ?? 4); attempt++) {
    const open = results.filter((r) => r.unexplained.length > 0);
    if (open.length === 0) break;
    log(`Karpenter run ${attempt} for ${open.map((r) => r.scenario.name).join(', ')} (its tie-breaks are random)`);
    started = performance.now();
    const again = karpenter(open.map((r) => r.scenario));
    karpenterSeconds += (performance.now() - started) / 1000;
    for (const result of open) {
      result.karpenterRuns = attempt;
      const comparison = compare(result.scenario, again.get(result.scenario.name));
      const rest = unexplained(result.scenario, comparison.differences);
      if (rest.length < result.unexplained.length) {
        Object.assign(result, { comparison, unexplained: rest, matchedRun: attempt });
      }
    }
  }
  for (const result of results) {
    result.verdict =
      result.unexplained.length > 0 ? 'different' : result.comparison.differences.length > 0 ? 'deliberate' : 'same';
  }
  return { results, karpenterSeconds, simulateSeconds };
}
