import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { BUNDLED_CATALOG, runSimulate, type SimulateOutput } from './simulate.js';
import { instanceTypesFromCatalog, nodeClassSettings, readCatalogDirectory } from './simulate-catalog.js';

const examples = fileURLToPath(new URL('../examples/simulate/', import.meta.url));

const pool = join(examples, 'nodepool-converted-from-seed.yaml');
const nginx = join(examples, 'nginx-deployment.yaml');

async function run(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  let reads = 0;
  const code = await runSimulate(args, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    stdin: () => {
      reads += 1;
      if (stdin === undefined || reads > 1) throw new Error('standard input read when it should not be');
      return Promise.resolve(stdin);
    },
  });
  return { code, stdout, stderr };
}

/** The plan without its timing, so two runs compare equal. */
type Plan = Omit<SimulateOutput, 'summary'> & { summary: Omit<SimulateOutput['summary'], 'elapsedMs'> };

async function plan(args: string[], stdin?: string): Promise<Plan> {
  const { code, stdout, stderr } = await run([...args, '-o', 'json'], stdin);
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  const output = JSON.parse(stdout) as SimulateOutput;
  const { elapsedMs: _elapsed, ...summary } = output.summary;
  return { ...output, summary };
}

/** A NodePool manifest with one requirement whose operator is `operator`. */
const nodePoolWithOperator = (operator: string) =>
  readFileSync(pool, 'utf8').replace(
    '- key: node.kubernetes.io/instance-type\n          operator: In',
    `- key: node.kubernetes.io/instance-type\n          operator: ${operator}`
  );

describe('simulate', () => {
  it('should plan the seed nginx Deployment on the converted NodePool with the documented JSON shape', async () => {
    const { code, stdout } = await run([examples, '-o', 'json']);
    expect(code).toBe(0);
    const output = JSON.parse(stdout) as SimulateOutput;
    expect(Object.keys(output)).toEqual(['nodeClaims', 'existingNodes', 'unschedulable', 'summary']);
    expect(Object.keys(output.summary)).toEqual(['pods', 'scheduled', 'newNodeClaims', 'hourlyCost', 'elapsedMs']);
    for (const claim of output.nodeClaims) {
      expect(claim).toEqual(
        expect.objectContaining({
          name: expect.any(String),
          nodePool: 'default',
          instanceTypes: expect.any(Array),
          launch: {
            instanceType: expect.stringMatching(/^m5\.(x)?large$/),
            zone: expect.stringMatching(/^us-east-1[a-f]$/),
            capacityType: 'on-demand',
            price: expect.any(Number),
          },
          requirements: expect.arrayContaining([{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] }]),
          pods: expect.any(Array),
        })
      );
    }
    // m5.xlarge (3920m allocatable) holds 7 pods of 500m, m5.large (1930m) the other 3: $0.192 + $0.096.
    expect(output.nodeClaims.map((c) => [c.launch.instanceType, c.pods.length])).toEqual([
      ['m5.xlarge', 7],
      ['m5.large', 3],
    ]);
    expect(output.summary).toEqual(
      expect.objectContaining({ pods: 10, scheduled: 10, newNodeClaims: 2, hourlyCost: 0.288 })
    );
    expect(output.unschedulable).toEqual([]);
  });

  it('should print a table by default and explain unplaceable pods', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'simulate-'));
    writeFileSync(
      join(dir, 'pod.yaml'),
      'apiVersion: v1\nkind: Pod\nmetadata: {name: huge}\nspec:\n  containers: [{name: a, resources: {requests: {cpu: "64"}}}]\n'
    );
    const { code, stdout } = await run([
      join(examples, 'nodepool-converted-from-seed.yaml'),
      join(examples, 'nginx-deployment.yaml'),
      dir,
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain('NODECLAIM');
    expect(stdout).toContain('default/huge: incompatible with nodepool "default"');
    expect(stdout).toContain('11 pods, 10 scheduled, 2 new NodeClaims, $0.2880/hour');
  });

  it('should report progress on stderr for big inputs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'simulate-'));
    writeFileSync(
      join(dir, 'big.yaml'),
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata: {name: big}',
        'spec:',
        '  replicas: 6000',
        '  template:',
        '    spec:',
        '      containers: [{name: a, resources: {requests: {cpu: 100m, memory: 64Mi}}}]',
      ].join('\n')
    );
    const { code, stderr } = await run([join(examples, 'nodepool-converted-from-seed.yaml'), dir, '-o', 'json']);
    expect(code).toBe(0);
    expect(stderr).toContain('planning: 6000/6000 pods');
  });

  it('should read Namespace manifests for pod anti-affinity namespaceSelector', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'simulate-'));
    const deployment = (name: string, namespace: string, affinity: string) =>
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        `metadata: {name: ${name}, namespace: ${namespace}}`,
        'spec:',
        '  replicas: 1',
        '  template:',
        `    metadata: {labels: {app: ${name}}}`,
        '    spec:',
        '      containers: [{name: a, resources: {requests: {cpu: 100m, memory: 64Mi}}}]',
        affinity,
      ].join('\n');
    writeFileSync(
      join(dir, 'apps.yaml'),
      [
        deployment('db', 'data', ''),
        deployment(
          'web',
          'default',
          '      affinity: {podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [' +
            '{topologyKey: kubernetes.io/hostname, labelSelector: {matchLabels: {app: db}}, ' +
            'namespaceSelector: {matchLabels: {team: storage}}}]}}'
        ),
      ].join('\n---\n')
    );
    const pool = join(examples, 'nodepool-converted-from-seed.yaml');
    const without = JSON.parse((await run([pool, dir, '-o', 'json'])).stdout) as SimulateOutput;
    expect(without.nodeClaims.map((c) => c.pods.sort())).toEqual([['data/db-0', 'default/web-0']]);

    writeFileSync(
      join(dir, 'namespace.yaml'),
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: data, labels: {team: storage}}\n'
    );
    const withNamespace = JSON.parse((await run([pool, dir, '-o', 'json'])).stdout) as SimulateOutput;
    expect(withNamespace.nodeClaims.map((c) => c.pods)).toEqual([['data/db-0'], ['default/web-0']]);
  });

  // --region itself runs against the EC2 emulator: test/integration/simulate-region.test.ts.
});

describe('simulate -f', () => {
  it('should plan the same for -f a -f b, --filename=, -fa, and the positional paths', async () => {
    const positional = await plan([pool, nginx]);
    expect(positional.summary).toEqual({ pods: 10, scheduled: 10, newNodeClaims: 2, hourlyCost: 0.288 });
    expect(await plan(['-f', pool, '-f', nginx])).toEqual(positional);
    expect(await plan([`--filename=${pool}`, '--filename', nginx])).toEqual(positional);
    expect(await plan([`-f${pool}`, `-f=${nginx}`])).toEqual(positional);
  });

  it('should read standard input once for -f -', async () => {
    const fromStdin = await plan(['-f', pool, '-f', '-'], readFileSync(nginx, 'utf8'));
    expect(fromStdin).toEqual(await plan([pool, nginx]));
    const twice = await run(['-f', '-', '-f', '-'], 'kind: Namespace\nmetadata: {name: a}\n');
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('standard input (-) can only be given once');
  });

  it("should read a folder's manifest files but not its sub-folders, unless -R", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'simulate-'));
    writeFileSync(join(dir, 'nodepool.yaml'), readFileSync(pool, 'utf8'));
    writeFileSync(join(dir, 'notes.txt'), 'not a manifest: {');
    mkdirSync(join(dir, 'apps'));
    writeFileSync(join(dir, 'apps', 'nginx.yml'), readFileSync(nginx, 'utf8'));

    const flat = await plan(['-f', dir]);
    expect(flat.summary).toEqual({ pods: 0, scheduled: 0, newNodeClaims: 0, hourlyCost: 0 });
    const recursive = await plan(['-f', dir, '-R']);
    expect(recursive.summary).toEqual({ pods: 10, scheduled: 10, newNodeClaims: 2, hourlyCost: 0.288 });
    expect(await plan(['-Rf', dir])).toEqual(recursive);
    expect(await plan(['--recursive', dir])).toEqual(recursive);
  });

  it('should exit 1 naming the path that does not exist', async () => {
    const { code, stderr } = await run(['-f', join(tmpdir(), 'no-such-manifest.yaml')]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: the path ".*no-such-manifest\.yaml" does not exist\n$/);
  });
});

describe('simulate exit codes', () => {
  it.each([
    [['-f', pool, '--bogus'], 'error: unknown flag: --bogus'],
    [['-f', pool, '-x'], "error: unknown shorthand flag: 'x' in -x"],
    [['-f'], "error: flag needs an argument: 'f' in -f"],
    [[pool, '-o', 'yaml'], 'error: invalid argument "yaml" for "-o": expected one of table|json'],
    [[], 'error: no manifests given'],
    [[pool, '--region', 'us-east-1', '--catalog', BUNDLED_CATALOG], 'error: --catalog and --region exclude each other'],
    [[pool, '--prices', 'prices.json'], 'error: --prices goes with --region'],
  ])('should exit 2 with one line and the --help hint for %j', async (args, message) => {
    const { code, stdout, stderr } = await run(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain(message);
    expect(lines[1]).toBe("see 'karpenter-temporal simulate --help'");
  });

  it('should exit 1 naming the file, the NodePool and the field of an invalid requirement', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'simulate-'));
    const file = join(dir, 'nodepool.yaml');
    writeFileSync(file, nodePoolWithOperator('Within'));
    const { code, stdout, stderr } = await run(['-f', file, '-f', nginx]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(
      new RegExp(
        `^error: ${file.replace(/[.\\/]/g, '\\$&')}: NodePool "default": spec\\.template\\.spec\\.requirements\\[0\\]\\.operator: .*In.*NotIn`
      )
    );
  });

  it('should exit 1 naming the file and line of a YAML syntax error, read from stdin too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'simulate-'));
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, 'apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nkind: Deployment\n');
    const fromFile = await run(['-f', nginx, '-f', file]);
    expect(fromFile.code).toBe(1);
    expect(fromFile.stderr).toMatch(
      new RegExp(`^error: ${file.replace(/[.\\/]/g, '\\$&')}:4:1: invalid YAML: Map keys must be unique\\n$`)
    );
    const fromStdin = await run(['-f', '-'], 'kind: Pod\nmetadata: {name: a\n');
    expect(fromStdin.code).toBe(1);
    expect(fromStdin.stderr).toMatch(/^error: <stdin>:\d+:\d+: invalid YAML: /);
  });
});

describe('catalogue', () => {
  it('should derive capacity and overhead with Karpenter AWS formulas', () => {
    const types = instanceTypesFromCatalog(readCatalogDirectory(BUNDLED_CATALOG), nodeClassSettings(undefined));
    const m5 = types.find((t) => t.name === 'm5.large');
    // 8192 MiB − ceil(7.5%) = 7577 MiB; 3 ENIs × (10 − 1) + 2 = 29 pods; 70m cpu and 574 MiB kube-reserved.
    expect(m5?.capacity).toEqual({ cpu: 2000, memory: 7577 * 2 ** 20, 'ephemeral-storage': 20 * 2 ** 30, pods: 29 });
    expect(m5?.overhead.kubeReserved).toEqual({ cpu: 70, memory: 574 * 2 ** 20, 'ephemeral-storage': 2 ** 30 });
    // No spot price history: spot is offered at the on-demand price, as Karpenter does before its first spot update.
    expect(m5?.offerings.every((o) => o.price === 0.096)).toBe(true);
    expect(new Set(m5?.offerings.map((o) => o.capacityType))).toEqual(new Set(['on-demand', 'spot']));
    expect(types.find((t) => t.name === 'm6g.large')?.requirements).toContainEqual({
      key: 'kubernetes.io/arch',
      operator: 'In',
      values: ['arm64'],
    });
    expect(types.length).toBe(185);
  });

  it('should add spot offerings only where spot price history has a Linux price', () => {
    const files = readCatalogDirectory(BUNDLED_CATALOG);
    const withSpot = {
      ...files,
      spotPriceHistory: {
        SpotPriceHistory: [
          {
            AvailabilityZone: 'us-east-1a',
            InstanceType: 'm5.large',
            ProductDescription: 'Linux/UNIX',
            SpotPrice: '0.040000',
            Timestamp: '2026-01-01T00:00:00Z',
          },
          {
            AvailabilityZone: 'us-east-1a',
            InstanceType: 'm5.large',
            ProductDescription: 'Linux/UNIX',
            SpotPrice: '0.035000',
            Timestamp: '2026-01-02T00:00:00Z',
          },
          {
            AvailabilityZone: 'us-east-1b',
            InstanceType: 'm5.large',
            ProductDescription: 'Windows',
            SpotPrice: '0.1',
            Timestamp: '2026-01-02T00:00:00Z',
          },
        ],
      },
    };
    const m5 = instanceTypesFromCatalog(withSpot).find((t) => t.name === 'm5.large');
    expect(m5?.offerings.filter((o) => o.capacityType === 'spot')).toEqual([
      { zone: 'us-east-1a', capacityType: 'spot', price: 0.035, available: true },
    ]);
  });

  it('should honour EC2NodeClass kubelet maxPods and a Windows AMI family', () => {
    const files = readCatalogDirectory(BUNDLED_CATALOG);
    const capped = instanceTypesFromCatalog(files, nodeClassSettings({ kubelet: { maxPods: 20 } })).find(
      (t) => t.name === 'm5.large'
    );
    expect(capped?.capacity['pods']).toBe(20);
    const windows = instanceTypesFromCatalog(files, nodeClassSettings({ amiFamily: 'Windows2022' })).find(
      (t) => t.name === 'm5.large'
    );
    expect(windows?.capacity['pods']).toBe(110);
  });
});
