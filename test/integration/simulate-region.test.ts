/**
 * `simulate --region` against the test bed's EC2 emulator: the CLI runs as a child process configured the standard
 * AWS SDK way (AWS_ENDPOINT_URL and credentials in the environment, region from the flag), resolves the
 * EC2NodeClass from the manifests against the emulator and plans on the catalogue the EC2 provider reads from it.
 */
import { describe, expect, it } from '@jest/globals';
import { GetInstanceProfileCommand } from '@aws-sdk/client-iam';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { instanceProfileName } from '../../adapters/aws/instanceprofile.js';
import type { SimulateOutput } from '../../cli/simulate.js';
import { iamClient } from '../../testbed/clients.js';
import { loadEndpoints, requirePart } from '../../testbed/endpoints.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const examples = join(root, 'examples/simulate/');

describe('simulate --region on the EC2 emulator', () => {
  const endpoints = loadEndpoints();
  const aws = requirePart(endpoints, 'aws');
  const emulatorPrices = JSON.parse(readFileSync(aws.onDemandPricesFile, 'utf8')) as Record<string, number>;
  const bundledPrices = JSON.parse(
    readFileSync(join(root, 'catalog/us-east-1/on-demand-prices.json'), 'utf8')
  ) as Record<string, number>;
  const zones = aws.subnets.map((s) => s.zone).sort();

  /** An EC2NodeClass named like the example's (`default`), replacing it: the test bed's network, AL2023, its role. */
  function nodeClassDir(subnetTag = 'testbed'): string {
    const dir = mkdtempSync(join(tmpdir(), 'simulate-region-'));
    writeFileSync(
      join(dir, 'ec2nodeclass-testbed.yaml'),
      [
        'apiVersion: karpenter.k8s.aws/v1',
        'kind: EC2NodeClass',
        'metadata: {name: default}',
        'spec:',
        `  role: ${aws.nodeRole}`,
        `  subnetSelectorTerms: [{tags: {karpenter.sh/discovery: ${subnetTag}}}]`,
        '  securityGroupSelectorTerms: [{tags: {karpenter.sh/discovery: testbed}}]',
        '  amiSelectorTerms: [{alias: al2023@latest}]',
        '',
      ].join('\n')
    );
    return dir;
  }

  function simulate(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', 'cli/bin.ts', 'simulate', ...args],
        {
          cwd: root,
          env: {
            PATH: process.env['PATH'] ?? '',
            HOME: tmpdir(),
            AWS_ENDPOINT_URL: aws.endpoint,
            AWS_ACCESS_KEY_ID: 'testing',
            AWS_SECRET_ACCESS_KEY: 'testing',
            AWS_EC2_METADATA_DISABLED: 'true',
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          },
          maxBuffer: 64 * 2 ** 20,
        },
        (error, stdout, stderr) => {
          const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
          resolve({ code, stdout, stderr });
        }
      );
    });
  }

  it('should plan the nginx example on the emulator catalogue with the emulator prices, writing nothing to IAM', async () => {
    const { code, stdout, stderr } = await simulate([
      examples,
      nodeClassDir(),
      '--region',
      aws.region,
      '--prices',
      aws.onDemandPricesFile,
      '-o',
      'json',
    ]);
    expect(code).toBe(0);
    expect(stderr).toContain('EC2NodeClass default: its instance profile does not exist yet');
    const output = JSON.parse(stdout) as SimulateOutput;

    expect(output.catalog).toEqual({
      type: 'ec2',
      region: aws.region,
      onDemandPrices: `from ${aws.onDemandPricesFile}`,
      spotPrices: `DescribeSpotPriceHistory in ${aws.region}`,
    });
    expect(output.unschedulable).toEqual([]);
    expect(output.summary).toEqual(expect.objectContaining({ pods: 10, scheduled: 10 }));
    for (const claim of output.nodeClaims) {
      expect(claim.nodePool).toBe('default');
      expect(claim.instanceTypes.every((t) => t === 'm5.large' || t === 'm5.xlarge')).toBe(true);
      expect(zones).toContain(claim.launch.zone);
      expect(claim.launch.capacityType).toBe('on-demand');
      // The emulator's synthetic price, not the bundled us-east-1 one.
      expect(claim.launch.price).toBe(emulatorPrices[claim.launch.instanceType]);
    }
    expect(emulatorPrices['m5.large']).not.toBe(bundledPrices['m5.large']);
    // AL2023 on m5: 7 pods of 500m on an m5.xlarge (3920m allocatable) and 3 on an m5.large (1930m).
    expect(output.nodeClaims.map((c) => [c.launch.instanceType, c.pods.length])).toEqual([
      ['m5.xlarge', 7],
      ['m5.large', 3],
    ]);
    const cost = (emulatorPrices['m5.xlarge'] ?? NaN) + (emulatorPrices['m5.large'] ?? NaN);
    expect(output.summary.hourlyCost).toBeCloseTo(cost, 6);

    // The role's instance profile does not exist; simulate planned as if it did and did not create it.
    const iam = iamClient(aws);
    await expect(
      iam.send(
        new GetInstanceProfileCommand({
          InstanceProfileName: instanceProfileName('simulate', aws.region, 'default'),
        })
      )
    ).rejects.toThrow();
  });

  it('should fall back to the bundled us-east-1 prices and say so, in the table too', async () => {
    const json = await simulate([examples, nodeClassDir(), '--region', aws.region, '-o', 'json']);
    expect(json.code).toBe(0);
    expect(json.stderr).toContain('on-demand prices: bundled us-east-1 table');
    const output = JSON.parse(json.stdout) as SimulateOutput;
    expect(output.catalog?.onDemandPrices).toMatch(/^bundled us-east-1 table .*not us-west-2 prices/);
    expect(output.nodeClaims.length).toBeGreaterThan(0);
    for (const claim of output.nodeClaims) {
      expect(claim.launch.price).toBe(bundledPrices[claim.launch.instanceType]);
      expect(zones).toContain(claim.launch.zone);
    }

    const table = await simulate([examples, nodeClassDir(), '--region', aws.region]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(`catalogue: EC2 ${aws.region}; on-demand prices: bundled us-east-1 table`);
    expect(table.stdout).toContain('10 pods, 10 scheduled');
  });

  it('should name the selector when the EC2NodeClass does not resolve, and launch nothing', async () => {
    const { code, stdout, stderr } = await simulate([
      examples,
      nodeClassDir('no-such-cluster'),
      '--region',
      aws.region,
      '--prices',
      aws.onDemandPricesFile,
      '-o',
      'json',
    ]);
    expect(code).toBe(0);
    expect(stderr).toContain('EC2NodeClass default is not ready');
    expect(stderr).toContain('SubnetSelector did not match any Subnets');
    const output = JSON.parse(stdout) as SimulateOutput;
    expect(output.nodeClaims).toEqual([]);
    expect(output.unschedulable).toHaveLength(10);
  });
});
