import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parseEC2NodeClass, parseNodePool } from '../apis/index.js';
import { loadYamlObjects, SEED_DIR } from '../test/fixtures/load.js';
import { main } from './bin.js';
import { CONVERSION_FAILED, convertProvisioner, leafPaths, renderConversion } from './convert.js';
import type { Outcome } from './convert.js';

const load = (file: string) => loadYamlObjects(readFileSync(file, 'utf8'))[0] as Record<string, unknown>;
const seedProvisioner = load(join(SEED_DIR, 'provisioner.yaml'));
const seedConfigMap = load(join(SEED_DIR, 'karpenter-global-settings.yaml'));
const FIXTURES = join(import.meta.dirname, '..', 'test', 'fixtures', 'v1alpha5');
const richProvisioner = load(join(FIXTURES, 'provisioner-all-fields.yaml'));
const flatConfigMap = load(join(FIXTURES, 'karpenter-global-settings-flat.yaml'));

const covered = (report: readonly Outcome[], path: string) =>
  report.some(
    (outcome) =>
      path === outcome.from ||
      path.startsWith(`${outcome.from}.`) ||
      path.startsWith(`${outcome.from}[`) ||
      (path === 'ConfigMap.data.aws' && outcome.from.startsWith('ConfigMap.data.aws.'))
  );
const unsupported = (report: readonly Outcome[]) =>
  Object.fromEntries(
    report.flatMap((outcome) => (outcome.kind === 'unsupported' ? [[outcome.from, outcome.reason]] : []))
  );

async function run(argv: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    stdin: () => (stdin === undefined ? Promise.reject(new Error('stdin read')) : Promise.resolve(stdin)),
  });
  return { code, stdout, stderr };
}

describe('convert', () => {
  it('should turn the seed Provisioner and ConfigMap into this NodePool and EC2NodeClass', () => {
    const result = convertProvisioner(seedProvisioner, seedConfigMap);
    expect(result.ec2NodeClass).toEqual({
      apiVersion: 'karpenter.k8s.aws/v1',
      kind: 'EC2NodeClass',
      metadata: { name: 'default' },
      spec: {
        instanceProfile: 'your-instance-profile',
        subnetSelectorTerms: [{ tags: { 'karpenter.sh/discovery': 'your-cluster-name' } }],
        securityGroupSelectorTerms: [{ tags: { 'karpenter.sh/discovery': 'your-cluster-name' } }],
        amiSelectorTerms: [{ alias: 'al2@latest' }],
      },
    });
    expect(result.nodePool).toEqual({
      apiVersion: 'karpenter.sh/v1',
      kind: 'NodePool',
      metadata: { name: 'default' },
      spec: {
        template: {
          spec: {
            nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' },
            requirements: [
              { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['m5.large', 'm5.xlarge'] },
              { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
              { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
            ],
            expireAfter: 'Never',
          },
        },
        disruption: { consolidationPolicy: 'WhenEmptyOrUnderutilized', consolidateAfter: 'Never' },
        limits: { cpu: '1000', memory: '1000Gi' },
      },
    });
  });

  it('should report the seed cluster name, endpoint and region as controller settings', () => {
    const { report } = convertProvisioner(seedProvisioner, seedConfigMap);
    const settings = report.filter((outcome) => outcome.kind === 'setting').map((outcome) => outcome.from);
    expect(settings.sort()).toEqual([
      'ConfigMap.data.aws.clusterEndpoint',
      'ConfigMap.data.aws.clusterName',
      'ConfigMap.data.aws.region',
      'Provisioner.spec.cluster.endpoint',
      'Provisioner.spec.cluster.name',
    ]);
  });

  it.each([
    ['the seed', seedProvisioner, seedConfigMap],
    ['every known field', richProvisioner, flatConfigMap],
  ])('should account for every input field of %s', (_name, provisioner, configMap) => {
    const { report } = convertProvisioner(provisioner, configMap);
    const paths = [...leafPaths(provisioner, 'Provisioner'), ...leafPaths(configMap, 'ConfigMap')];
    expect(paths.filter((path) => !covered(report, path))).toEqual([]);
  });

  it('should map every field it knows and report the rest with a reason', () => {
    const result = convertProvisioner(richProvisioner, flatConfigMap);
    expect(unsupported(result.report)).toEqual({
      'Provisioner.metadata.uid': expect.stringContaining('server-populated'),
      'Provisioner.spec.requirements[2]': expect.stringContaining('label domain "karpenter.k8s.aws" is restricted'),
      'Provisioner.spec.kubeletConfiguration.containerRuntime': expect.stringContaining('containerd'),
      'Provisioner.spec.provider.launchTemplate': expect.stringContaining('launch templates'),
      'Provisioner.spec.futureField': 'not a field known to this converter',
      'ConfigMap.data.aws.enablePodENI': expect.stringContaining('removed in v1beta1'),
    });
    const nodePool = parseNodePool(result.nodePool);
    expect(nodePool.spec.template.spec.requirements).toEqual([
      { key: 'kubernetes.io/arch', operator: 'In', values: ['arm64'] },
      { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot', 'on-demand'] },
    ]);
    expect(nodePool.spec.disruption).toEqual({
      consolidationPolicy: 'WhenEmpty',
      consolidateAfter: '30s',
      budgets: [{ nodes: '10%' }],
    });
    expect(nodePool.spec.template.spec.expireAfter).toBe('2592000s');
    expect(nodePool.spec.template.metadata).toEqual({
      labels: { workload: 'batch' },
      annotations: { 'example.com/owner': 'data' },
    });
    expect(nodePool.spec.weight).toBe(20);
    const nodeClass = parseEC2NodeClass(result.ec2NodeClass);
    expect(nodeClass.spec.subnetSelectorTerms).toEqual([{ id: 'subnet-0a1' }, { id: 'subnet-0b2' }]);
    expect(nodeClass.spec.amiSelectorTerms).toEqual([{ alias: 'bottlerocket@latest' }]);
    expect(nodeClass.spec.kubelet).toEqual({ maxPods: 58, systemReserved: { cpu: '100m' } });
    expect(nodeClass.spec.instanceProfile).toBe('KarpenterNodeInstanceProfile-my-cluster');
    expect(nodeClass.spec.metadataOptions.httpPutResponseHopLimit).toBe(2);
  });

  it('should refuse ttlSecondsAfterEmpty together with consolidation', () => {
    const both = structuredClone(richProvisioner) as { spec: Record<string, unknown> };
    both.spec['consolidation'] = { enabled: true };
    expect(() => convertProvisioner(both)).toThrow(expect.objectContaining({ type: CONVERSION_FAILED }));
  });

  it('should refuse a Provisioner whose provider is an AWSNodeTemplate reference, and invalid results', () => {
    const referencing = structuredClone(seedProvisioner) as { spec: Record<string, unknown> };
    delete referencing.spec['provider'];
    referencing.spec['providerRef'] = { name: 'default' };
    expect(() => convertProvisioner(referencing)).toThrow(/AWSNodeTemplate/);
    const badSubnet = structuredClone(seedProvisioner) as { spec: { provider: Record<string, unknown> } };
    badSubnet.spec.provider['subnetSelector'] = { 'aws-ids': 'vpc-123' };
    expect(() => convertProvisioner(badSubnet)).toThrow(
      expect.objectContaining({
        type: CONVERSION_FAILED,
        message: expect.stringContaining('subnetSelectorTerms[0].id'),
      })
    );
  });

  it('should refuse anything but a v1alpha5 Provisioner', () => {
    expect(() => convertProvisioner(seedConfigMap)).toThrow(expect.objectContaining({ type: CONVERSION_FAILED }));
  });

  it('should flag a cluster name that disagrees with the settings', () => {
    const other = structuredClone(seedProvisioner) as { spec: { cluster: { name: string } } };
    other.spec.cluster.name = 'another-cluster';
    expect(unsupported(convertProvisioner(other, seedConfigMap).report)['Provisioner.spec.cluster.name']).toContain(
      'conflicts with ConfigMap.data.aws.clusterName'
    );
  });

  it('should render an applyable YAML stream headed by the report', () => {
    const text = renderConversion(convertProvisioner(seedProvisioner, seedConfigMap));
    const documents = loadYamlObjects(text).filter((document) => document !== null) as Record<string, unknown>[];
    expect(documents.map((document) => document['kind'])).toEqual(['EC2NodeClass', 'NodePool']);
    expect(text).toMatch(/^# Converted by karpenter-temporal convert/);
  });

  describe('command', () => {
    it('should convert files into the output file', async () => {
      const out = join(mkdtempSync(join(tmpdir(), 'convert-')), 'out.yaml');
      const result = await run([
        'convert',
        join(SEED_DIR, 'provisioner.yaml'),
        join(SEED_DIR, 'karpenter-global-settings.yaml'),
        '-o',
        out,
      ]);
      expect(result.code).toBe(0);
      expect(result.stderr).toContain('0 unsupported');
      expect(readFileSync(out, 'utf8')).toContain('kind: NodePool');
    });

    it('should read -f -f, --filename= and -f - (standard input) like the positional paths', async () => {
      const provisioner = join(SEED_DIR, 'provisioner.yaml');
      const settings = join(SEED_DIR, 'karpenter-global-settings.yaml');
      const positional = await run(['convert', provisioner, settings]);
      expect(positional.code).toBe(0);
      expect(positional.stdout).toContain('kind: NodePool');
      expect(await run(['convert', '-f', provisioner, '-f', settings])).toEqual(positional);
      expect(await run(['convert', `--filename=${provisioner}`, `-f${settings}`])).toEqual(positional);
      const stdin = `${readFileSync(provisioner, 'utf8')}\n---\n${readFileSync(settings, 'utf8')}`;
      expect(await run(['convert', '-f', '-'], stdin)).toEqual(positional);
    });

    it('should exit 1 naming the file of a Provisioner it cannot convert', async () => {
      const file = join(mkdtempSync(join(tmpdir(), 'convert-')), 'provisioner.yaml');
      writeFileSync(
        file,
        readFileSync(join(SEED_DIR, 'provisioner.yaml'), 'utf8').replace(
          /^spec:$/m,
          'spec:\n  ttlSecondsUntilExpired: -5'
        )
      );
      const { code, stdout, stderr } = await run(['convert', '-f', file]);
      expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
      expect(stderr).toBe(
        `error: ${file}: Provisioner "default": ttlSecondsUntilExpired must be a non-negative integer number of seconds\n`
      );
    });

    it('should exit 1 naming the files when there is no Provisioner, and the line of broken YAML', async () => {
      const settings = join(SEED_DIR, 'karpenter-global-settings.yaml');
      const none = await run(['convert', '-f', settings]);
      expect(none.code).toBe(1);
      expect(none.stderr).toContain('found 0 and 1 (');
      expect(none.stderr).toContain(`${settings}: ConfigMap "karpenter"`);
      const broken = await run(['convert', '-f', '-'], 'kind: Provisioner\nspec: {requirements: [\n');
      expect(broken.code).toBe(1);
      expect(broken.stderr).toMatch(/^error: <stdin>:\d+:\d+: invalid YAML: /);
    });

    it('should exit 2 on usage errors and unknown commands', async () => {
      expect(await run(['convert'])).toEqual({
        code: 2,
        stdout: '',
        stderr:
          "error: no manifests given: use -f FILENAME (a file, a folder, or -)\nsee 'karpenter-temporal convert --help'\n",
      });
      expect((await run(['frobnicate'])).code).toBe(2);
      expect((await run([])).code).toBe(2);
    });
  });
});
