/**
 * The CLI end to end on bad input: pods and workloads for `simulate`, NodePools and EC2NodeClasses read by
 * `simulate`, and v1alpha5 Provisioners for `convert`, all structurally mutated and given on standard input. The
 * command exits 0 or 1, never throws; a refusal's every line names the file (`<stdin>`) and is short; it never
 * leaks a JavaScript TypeError; valid pods are still planned.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

import type { Command } from '../../cli/command.js';
import { runConvert } from '../../cli/convert.js';
import { runSimulate } from '../../cli/simulate.js';
import { loadKarpenterExamples, loadYamlObjects } from '../fixtures/load.js';
import { mutated, prototypePolluted } from './mutate.js';
import { fuzzParameters } from './seed.js';

/** Case counts, reported in docs/reliability.md (each case runs the whole command). */
export const CLI_RUNS = {
  simulateValidPods: 100,
  simulateMutatedPods: 400,
  simulateMutatedNodePools: 200,
  convertMutatedProvisioners: 300,
};

const POOL = fileURLToPath(new URL('../../examples/simulate/nodepool-converted-from-seed.yaml', import.meta.url));
const PROVISIONERS = [
  ...loadYamlObjects(
    readFileSync(new URL('../fixtures/v1alpha5/provisioner-all-fields.yaml', import.meta.url), 'utf8')
  ),
  ...loadYamlObjects(readFileSync(new URL('../../examples/seed/provisioner.yaml', import.meta.url), 'utf8')),
].filter((object) => (object as { kind?: string }).kind === 'Provisioner');

async function run(command: Command, args: string[], stdin: string): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const code = await command(args, {
    stdout: () => undefined,
    stderr: (t) => (stderr += t),
    stdin: () => Promise.resolve(stdin),
  });
  return { code, stderr };
}

/** A refusal as the CLI must give it. */
function expectCleanOutcome(outcome: { code: number; stderr: string }, allowedSources: string[]): void {
  expect([0, 1]).toContain(outcome.code);
  expect(outcome.stderr).not.toMatch(
    /TypeError|Cannot read propert|is not a function|is not iterable|undefined is not/
  );
  if (outcome.code === 1) {
    const lines = outcome.stderr.trimEnd().split('\n');
    expect(lines.length).toBeLessThanOrEqual(25);
    for (const line of lines) {
      expect(allowedSources.some((source) => line.startsWith(`error: ${source}`))).toBe(true);
      expect(line.length).toBeLessThanOrEqual(700);
    }
  }
  expect(prototypePolluted()).toBe(false);
}

const dnsLabel = fc.stringMatching(/^[a-z]([-a-z0-9]{0,10}[a-z0-9])?$/);
const requests = fc.record({
  cpu: fc.constantFrom('100m', '250m', '500m', '1', '2'),
  memory: fc.constantFrom('64Mi', '256Mi', '1Gi', '2Gi'),
});
const podSpec = fc.record(
  {
    containers: fc.array(
      fc.record({ name: dnsLabel, image: fc.constant('nginx'), resources: fc.record({ requests }) }),
      { minLength: 1, maxLength: 2 }
    ),
    nodeSelector: fc.constant({ 'kubernetes.io/arch': 'amd64' }),
    tolerations: fc.constant([{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }]),
  },
  { requiredKeys: ['containers'] }
);
const pod = fc.record({
  apiVersion: fc.constant('v1'),
  kind: fc.constant('Pod'),
  metadata: fc.record({ name: dnsLabel, namespace: fc.constant('default'), labels: fc.constant({ app: 'x' }) }),
  spec: podSpec,
});
const deployment = fc.record({
  apiVersion: fc.constant('apps/v1'),
  kind: fc.constantFrom('Deployment', 'StatefulSet', 'Job', 'ReplicaSet', 'DaemonSet'),
  metadata: fc.record({ name: dnsLabel }),
  spec: fc.record({
    replicas: fc.integer({ min: 0, max: 4 }),
    template: fc.record({ metadata: fc.constant({ labels: { app: 'x' } }), spec: podSpec }),
  }),
});
const node = fc.record({
  apiVersion: fc.constant('v1'),
  kind: fc.constant('Node'),
  metadata: fc.record({
    name: dnsLabel,
    labels: fc.constant({
      'kubernetes.io/arch': 'amd64',
      'node.kubernetes.io/instance-type': 'm5.large',
      'topology.kubernetes.io/zone': 'us-east-1a',
    }),
  }),
  spec: fc.constant({ taints: [{ key: 'dedicated', value: 'a', effect: 'NoSchedule' }] }),
  status: fc.constant({ allocatable: { cpu: '2', memory: '7Gi', pods: '29' } }),
});
const workloads = fc.array(fc.oneof(pod, deployment, node), { minLength: 1, maxLength: 3 });
const yamlStream = (objects: readonly unknown[]): string =>
  objects.map((object) => (stringify(object) as string | undefined) ?? 'null\n').join('---\n');

describe('fuzz: simulate', () => {
  it('plans every valid set of pods and workloads', async () => {
    await fc.assert(
      fc.asyncProperty(workloads, async (objects) => {
        const outcome = await run(runSimulate, ['-f', POOL, '-f', '-', '-o', 'json'], yamlStream(objects));
        expect(outcome).toEqual({ code: 0, stderr: '' });
      }),
      fuzzParameters(CLI_RUNS.simulateValidPods)
    );
  });

  it('refuses mutated pods, workloads and Nodes naming the file and field, never a TypeError', async () => {
    const objects = fc.array(fc.oneof(mutated(pod), mutated(deployment), mutated(node), pod), {
      minLength: 1,
      maxLength: 3,
    });
    await fc.assert(
      fc.asyncProperty(objects, async (docs) => {
        const outcome = await run(runSimulate, ['-f', POOL, '-f', '-', '-o', 'json'], yamlStream(docs));
        expectCleanOutcome(outcome, ['<stdin>']);
      }),
      fuzzParameters(CLI_RUNS.simulateMutatedPods)
    );
  });

  it('refuses mutated NodePools and EC2NodeClasses naming the file and field', async () => {
    const karpenter = loadKarpenterExamples()
      .map((example) => example.object)
      .filter((object) => object['kind'] === 'NodePool' || object['kind'] === 'EC2NodeClass');
    await fc.assert(
      fc.asyncProperty(mutated(fc.constantFrom(...karpenter)), pod, async (object, valid) => {
        const outcome = await run(runSimulate, ['-f', '-', '-o', 'json'], yamlStream([object, valid]));
        expectCleanOutcome(outcome, ['<stdin>']);
      }),
      fuzzParameters(CLI_RUNS.simulateMutatedNodePools)
    );
  });

  it('regression: a Pod without spec and an absurd replica count are refused with file and field', async () => {
    const noSpec = await run(runSimulate, ['-f', POOL, '-f', '-'], 'kind: Pod\nmetadata: {name: a}\n');
    expect(noSpec).toEqual({
      code: 1,
      stderr: 'error: <stdin>: Pod "a": spec: Invalid input: expected object, received undefined\n',
    });
    const huge = await run(
      runSimulate,
      ['-f', POOL, '-f', '-'],
      'kind: Deployment\nmetadata: {name: d}\nspec: {replicas: 1000000000}\n'
    );
    expect(huge.code).toBe(1);
    expect(huge.stderr).toMatch(/^error: <stdin>: Deployment "d": spec.replicas: /);
    const banana = await run(
      runSimulate,
      ['-f', POOL, '-f', '-'],
      'kind: Pod\nmetadata: {name: a}\nspec: {containers: [{resources: {requests: {cpu: banana}}}]}\n'
    );
    expect(banana.stderr).toMatch(
      /^error: <stdin>: Pod "a": spec.containers\[0\].resources.requests.cpu: must be a resource quantity/
    );
  });
});

describe('fuzz: convert', () => {
  it('converts or refuses mutated v1alpha5 Provisioners naming the file, never a TypeError', async () => {
    expect(PROVISIONERS.length).toBeGreaterThan(0);
    await fc.assert(
      fc.asyncProperty(mutated(fc.constantFrom(...PROVISIONERS)), async (object) => {
        const outcome = await run(runConvert, ['-f', '-'], yamlStream([object]));
        if (outcome.code === 0) return;
        expectCleanOutcome(outcome, ['<stdin>', 'expected exactly one Provisioner']);
      }),
      fuzzParameters(CLI_RUNS.convertMutatedProvisioners)
    );
  });
});
