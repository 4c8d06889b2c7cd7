// `npm run conformance [-- --only NAME] [-o json]`: every scenario in test/conformance/scenarios through our
// `simulate` and through Karpenter v1.14.1's own scheduler and AWS launch choice (bench/karpenter-harness), side by
// side: pods placed, NodeClaims, $/h, capacity types, and every semantic difference with its reason.
// Exit 0 when no scenario differs in meaning, 1 otherwise.
import { comparePlans, type Comparison } from '../test/conformance/compare.js';
import { harnessBinary, planWithKarpenter, planWithSimulate } from '../test/conformance/run.js';
import { conformanceCatalog, listScenarios } from '../test/conformance/scenarios.js';

const argValue = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const only = argValue('--only');
const json = argValue('-o') === 'json';
const log = (line: string): void => void process.stderr.write(`${line}\n`);

const scenarios = listScenarios(only);
if (scenarios.length === 0) {
  log(`no scenario matches ${only ?? ''}`);
  process.exit(2);
}
const catalog = conformanceCatalog();
const binary = harnessBinary(log);
log(`running ${scenarios.length} scenarios through Karpenter v1.14.1 (${binary})`);
let started = performance.now();
const karpenter = planWithKarpenter(scenarios, catalog, binary);
const karpenterSeconds = (performance.now() - started) / 1000;
log(`running ${scenarios.length} scenarios through simulate`);
started = performance.now();
const results: { name: string; description: string; comparison: Comparison }[] = [];
for (const scenario of scenarios) {
  const ours = await planWithSimulate(scenario, catalog);
  const theirs = karpenter.get(scenario.name) ?? {
    nodeClaims: [],
    unschedulable: [],
    error: 'no result from the harness',
  };
  results.push({
    name: scenario.name,
    description: scenario.description,
    comparison: comparePlans(ours, theirs, { zoneSpreadWorkloads: scenario.zoneSpreadWorkloads }),
  });
}
const oursSeconds = (performance.now() - started) / 1000;

if (json) {
  process.stdout.write(JSON.stringify(results, null, 2) + '\n');
} else {
  const rows = [['SCENARIO', 'PLACED us/K', 'NODECLAIMS us/K', '$/H us', '$/H K', 'CAPACITY us / K', 'VERDICT']];
  for (const { name, comparison: c } of results) {
    rows.push([
      name,
      `${c.ours.placed}/${c.karpenter.placed}`,
      `${c.ours.nodeClaims}/${c.karpenter.nodeClaims}`,
      c.ours.hourlyCost.toFixed(4),
      c.karpenter.hourlyCost.toFixed(4),
      `${c.ours.capacityTypes.join('+') || '-'} / ${c.karpenter.capacityTypes.join('+') || '-'}`,
      c.differences.length === 0 ? 'same' : `${c.differences.length} difference(s)`,
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows)
    process.stdout.write(
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd() + '\n'
    );
  for (const { name, comparison } of results) {
    for (const d of comparison.differences) {
      process.stdout.write(
        `\n${name}: ${d.kind} of ${d.subject}\n  ours:      ${d.ours}\n  Karpenter: ${d.karpenter}\n  why:       ${d.reason}\n`
      );
    }
  }
  const differing = results.filter((r) => r.comparison.differences.length > 0).length;
  const ours = results.reduce((sum, r) => sum + r.comparison.ours.hourlyCost, 0);
  const theirs = results.reduce((sum, r) => sum + r.comparison.karpenter.hourlyCost, 0);
  process.stdout.write(
    `\n${results.length - differing} of ${results.length} scenarios the same in meaning; total $/h ours ${ours.toFixed(4)}, Karpenter ${theirs.toFixed(4)}; ` +
      `time: Karpenter harness ${karpenterSeconds.toFixed(1)} s (incl. its API server), simulate ${oursSeconds.toFixed(1)} s\n`
  );
}
process.exit(results.some((r) => r.comparison.differences.length > 0) ? 1 : 0);
