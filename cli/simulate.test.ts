import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { BUNDLED_CATALOG, runSimulate, type SimulateOutput } from './simulate.js';
import { instanceTypesFromCatalog, nodeClassSettings, readCatalogDirectory } from './simulate-catalog.js';

const examples = fileURLToPath(new URL('../examples/simulate/', import.meta.url));

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runSimulate(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

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
  it('should refuse --catalog with --region, --prices without --region, and unknown flags', async () => {
    expect((await run([examples, '--region', 'us-east-1', '--catalog', BUNDLED_CATALOG])).code).toBe(2);
    expect((await run([examples, '--prices', 'prices.json'])).code).toBe(2);
    expect((await run([examples, '--bogus'])).code).toBe(2);
    expect((await run([])).code).toBe(2);
  });
});

describe('catalogue', () => {
  it('should derive capacity and overhead with Karpenter AWS formulas', () => {
    const types = instanceTypesFromCatalog(readCatalogDirectory(BUNDLED_CATALOG), nodeClassSettings(undefined));
    const m5 = types.find((t) => t.name === 'm5.large');
    // 8192 MiB − ceil(7.5%) = 7577 MiB; 3 ENIs × (10 − 1) + 2 = 29 pods; 70m cpu and 574 MiB kube-reserved.
    expect(m5?.capacity).toEqual({ cpu: 2000, memory: 7577 * 2 ** 20, 'ephemeral-storage': 20 * 2 ** 30, pods: 29 });
    expect(m5?.overhead.kubeReserved).toEqual({ cpu: 70, memory: 574 * 2 ** 20, 'ephemeral-storage': 2 ** 30 });
    expect(m5?.offerings.every((o) => o.capacityType === 'on-demand' && o.price === 0.096)).toBe(true);
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
