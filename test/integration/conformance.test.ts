// Conformance with Karpenter v1.14.1: every scenario of test/conformance planned by our `simulate` and by
// Karpenter's own scheduler and AWS launch path (bench/karpenter-harness, on a real kube-apiserver) must agree in
// meaning — the same pods placed, on the same NodePools, at the same capacity types, on instance types both allow,
// at a cost within 2% or cheaper. A difference passes only when the scenario documents it as deliberate.
import { beforeAll, describe, expect, it } from '@jest/globals';

import { harnessBinary } from '../conformance/run.js';
import { conformanceCatalogs, listScenarios } from '../conformance/scenarios.js';
import { runConformance, type ScenarioResult } from '../conformance/suite.js';

const scenarios = listScenarios();
let results = new Map<string, ScenarioResult>();

beforeAll(async () => {
  const run = await runConformance(scenarios, {
    binary: harnessBinary((line) => process.stderr.write(`${line}\n`)),
    catalogs: conformanceCatalogs(),
  });
  results = new Map(run.results.map((r) => [r.scenario.name, r]));
}, 900_000);

describe('plans the same as Karpenter v1.14.1', () => {
  it('should have at least 30 scenarios', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(30);
  });

  it.each(scenarios.map((s) => [s.name, s.description]))('%s: %s', (name) => {
    const result = results.get(name);
    expect(result).toBeDefined();
    // The differences themselves, so a failure says what differs and why.
    expect(result?.unexplained).toEqual([]);
    expect(result?.verdict).not.toBe('different');
  });
});
