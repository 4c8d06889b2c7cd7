// `npm run conformance [-- --only NAME] [-o json]`: every scenario in test/conformance/scenarios through our
// `simulate` and through Karpenter v1.14.1's own scheduler and AWS launch choice (bench/karpenter-harness), side by
// side: pods placed, NodeClaims, $/h, capacity types, and every difference in meaning with its reason.
// Exit 0 when no scenario differs except where a difference is documented as deliberate, 1 otherwise.
import { harnessBinary } from '../test/conformance/run.js';
import { conformanceCatalogs, listScenarios } from '../test/conformance/scenarios.js';
import { runConformance } from '../test/conformance/suite.js';

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
const catalogs = conformanceCatalogs();
const binary = harnessBinary(log);
log(`${scenarios.length} scenarios through Karpenter v1.14.1 (${binary}) and through simulate`);
const { results, karpenterSeconds, simulateSeconds } = await runConformance(scenarios, { binary, catalogs, log });

if (json) {
  process.stdout.write(
    JSON.stringify(
      results.map((r) => ({ ...r, scenario: { name: r.scenario.name, description: r.scenario.description } })),
      null,
      2
    ) + '\n'
  );
} else {
  const rows = [['SCENARIO', 'PLACED us/K', 'NODECLAIMS us/K', '$/H us', '$/H K', 'CAPACITY us / K', 'VERDICT']];
  for (const { scenario, comparison: c, verdict, karpenterRuns, matchedRun } of results) {
    rows.push([
      scenario.name,
      `${c.ours.placed}/${c.karpenter.placed}`,
      `${c.ours.nodeClaims}/${c.karpenter.nodeClaims}`,
      c.ours.hourlyCost.toFixed(4),
      c.karpenter.hourlyCost.toFixed(4),
      `${c.ours.capacityTypes.join('+') || '-'} / ${c.karpenter.capacityTypes.join('+') || '-'}`,
      verdict + (karpenterRuns > 1 ? ` (Karpenter run ${matchedRun} of ${karpenterRuns})` : ''),
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows) {
    process.stdout.write(
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd() + '\n'
    );
  }
  for (const { scenario, comparison } of results) {
    for (const d of comparison.differences) {
      const accepted = scenario.acceptedDifferences.find((a) => a.kind === d.kind && a.subject === d.subject);
      process.stdout.write(
        `\n${scenario.name}: ${d.kind} of ${d.subject}${accepted ? ' (deliberate)' : ''}\n` +
          `  ours:      ${d.ours}\n  Karpenter: ${d.karpenter}\n  why:       ${accepted?.reason ?? d.reason}\n`
      );
    }
  }
  const count = (verdict: string) => results.filter((r) => r.verdict === verdict).length;
  const ours = results.reduce((sum, r) => sum + r.comparison.ours.hourlyCost, 0);
  const theirs = results.reduce((sum, r) => sum + r.comparison.karpenter.hourlyCost, 0);
  process.stdout.write(
    `\n${results.length} scenarios: ${count('same')} same in meaning, ${count('deliberate')} deliberately different, ` +
      `${count('different')} different; total $/h ours ${ours.toFixed(4)}, Karpenter ${theirs.toFixed(4)}; ` +
      `Karpenter harness ${karpenterSeconds.toFixed(1)} s (incl. its API server), simulate ${simulateSeconds.toFixed(1)} s\n`
  );
}
process.exit(results.some((r) => r.verdict === 'different') ? 1 : 0);
