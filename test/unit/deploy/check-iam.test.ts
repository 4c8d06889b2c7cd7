import { afterEach, describe, expect, it } from '@jest/globals';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  actionsInPolicy,
  actionsInReadme,
  actionsInSource,
  checkIam,
  formatReport,
  type IamCheck,
  REPO_ROOT,
  SCANNED_DIRS,
} from '../../../scripts/check-iam.js';
import { IAM_DIR, IAM_PLACEHOLDERS, IAM_POLICY_FILES, readIamFile } from './iam-files.js';

/** A copy of the scanned code, the README and the policy, to change without touching the repository. */
function copyOfRepo(): string {
  const root = mkdtempSync(join(tmpdir(), 'kt-check-iam-'));
  for (const dir of SCANNED_DIRS) cpSync(join(REPO_ROOT, dir), join(root, dir), { recursive: true });
  mkdirSync(join(root, 'deploy', 'iam'), { recursive: true });
  cpSync(
    join(REPO_ROOT, 'deploy', 'iam', 'controller-policy.json'),
    join(root, 'deploy', 'iam', 'controller-policy.json')
  );
  return root;
}

describe('the IAM check', () => {
  const roots: string[] = [];
  afterEach(() => {
    for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
  });

  it('should pass on the repository: the policy allows exactly what the code calls', () => {
    const check = checkIam();
    expect(formatReport(check)).toBe('');
  });

  // The copies are compared with the copy's own result before the change, so work in progress elsewhere in the
  // tree (a new call whose policy change is still to come) does not decide these.
  const differences = (before: IamCheck, after: IamCheck) => ({
    missing: after.missing.filter((u) => !before.missing.some((b) => b.action === u.action && b.where === u.where)),
    unused: after.unused.filter((a) => !before.unused.includes(a)),
  });

  it('should fail naming the file when the code sends an action the policy does not allow', () => {
    const root = copyOfRepo();
    roots.push(root);
    const before = checkIam({ root });
    writeFileSync(
      join(root, 'adapters', 'aws', 'endpoint.ts'),
      [
        "import { DescribeClusterCommand, type EKSClient } from '@aws-sdk/client-eks';",
        "import { DescribeVolumesCommand, type EC2Client } from '@aws-sdk/client-ec2';",
        'export async function endpoint(eks: EKSClient, ec2: EC2Client, name: string) {',
        '  await ec2.send(new DescribeVolumesCommand({}));',
        '  return (await eks.send(new DescribeClusterCommand({ name }))).cluster?.endpoint;',
        '}',
      ].join('\n')
    );
    const after = checkIam({ root });
    expect(differences(before, after)).toEqual({
      missing: [
        { action: 'ec2:DescribeVolumes', where: join('adapters', 'aws', 'endpoint.ts') },
        { action: 'eks:DescribeCluster', where: join('adapters', 'aws', 'endpoint.ts') },
      ],
      unused: [],
    });
    expect(formatReport(after)).toContain('  eks:DescribeCluster  (adapters/aws/endpoint.ts)');
  });

  it('should fail when an action authorised implicitly is listed in the README but not in the policy', () => {
    const root = copyOfRepo();
    roots.push(root);
    const before = checkIam({ root });
    const file = join(root, 'deploy', 'iam', 'controller-policy.json');
    const policy = JSON.parse(readFileSync(file, 'utf8')) as { Statement: { Sid: string; Action: unknown }[] };
    policy.Statement = policy.Statement.filter((s) => s.Sid !== 'AllowPassingTheNodeRole');
    writeFileSync(file, JSON.stringify(policy));
    expect(differences(before, checkIam({ root }))).toEqual({
      missing: [
        { action: 'iam:PassRole', where: 'adapters/aws/README.md (EC2 row)' },
        { action: 'iam:PassRole', where: 'adapters/aws/README.md (IAM row)' },
      ],
      unused: [],
    });
  });

  it('should fail when the policy allows an action the code never calls', () => {
    const root = copyOfRepo();
    roots.push(root);
    const before = checkIam({ root });
    const file = join(root, 'deploy', 'iam', 'controller-policy.json');
    const policy = JSON.parse(readFileSync(file, 'utf8')) as { Statement: unknown[] };
    policy.Statement.push({ Effect: 'Allow', Action: ['ec2:DescribeVolumes'], Resource: '*' });
    writeFileSync(file, JSON.stringify(policy));
    expect(differences(before, checkIam({ root }))).toEqual({ missing: [], unused: ['ec2:DescribeVolumes'] });
  });

  it('should count only commands constructed in code, by the package they are imported from', () => {
    const source = [
      "import { GetParameterCommand as Get, type SSMClient } from '@aws-sdk/client-ssm';",
      "import { DescribeImagesCommand } from '@aws-sdk/client-ec2';",
      '// new DescribeSubnetsCommand({}) in a comment does not count',
      "const s = 'new TerminateInstancesCommand(';",
      'export const a = (ssm: SSMClient) => ssm.send(new Get({ Name: "/aws/service/x/*" }));',
      'export const b = () => new DescribeImagesCommand({});',
      'export const c = () => new UnknownThingCommand({});',
    ].join('\n');
    const { uses, errors } = actionsInSource(source, 'x.ts');
    expect(uses.map((u) => u.action)).toEqual(['ssm:GetParameter', 'ec2:DescribeImages']);
    expect(errors).toEqual(['x.ts: UnknownThingCommand is not imported from an @aws-sdk client package']);
  });

  it('should read the implicit actions from the README table and refuse wildcards in the policy', () => {
    const readme = readFileSync(join(REPO_ROOT, 'adapters', 'aws', 'README.md'), 'utf8');
    const actions = new Set(actionsInReadme(readme).map((u) => u.action));
    for (const a of [
      'ec2:RunInstances',
      'ec2:CreateTags',
      'iam:PassRole',
      'iam:TagInstanceProfile',
      'pricing:GetProducts',
    ])
      expect(actions).toContain(a);
    expect([...actions].filter((a) => !/^[a-z0-9]+:[A-Z][A-Za-z0-9]+$/.test(a))).toEqual([]);
    expect(actionsInPolicy({ Statement: [{ Effect: 'Allow', Action: ['ec2:Describe*', 'ec2:CreateTags'] }] })).toEqual({
      actions: new Set(['ec2:CreateTags']),
      errors: ['statement 0 allows the wildcard ec2:Describe*: list actions explicitly'],
    });
  });
});

describe('the IAM files', () => {
  const vars = {
    CLUSTER_NAME: 'prod',
    AWS_PARTITION: 'aws',
    AWS_ACCOUNT_ID: '111122223333',
    AWS_REGION: 'eu-west-1',
    OIDC_PROVIDER: 'oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE',
  };

  it('should use only the documented placeholders and be valid JSON once they are filled in', () => {
    for (const file of [...IAM_POLICY_FILES, 'node-managed-policy-arns.txt']) {
      const raw = readFileSync(join(IAM_DIR, file), 'utf8');
      const names = [...raw.matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1]!);
      expect(names.filter((n) => !(IAM_PLACEHOLDERS as readonly string[]).includes(n))).toEqual([]);
      const filled = readIamFile(file, vars);
      expect(filled).not.toContain('${');
      if (file.endsWith('.json')) expect(() => JSON.parse(filled)).not.toThrow();
    }
    const arns = readIamFile('node-managed-policy-arns.txt', vars).trim().split('\n');
    for (const arn of arns) expect(arn).toMatch(/^arn:aws:iam::aws:policy\/[A-Za-z0-9_]+$/);
  });

  it('should let the controller pass only the node role, and scope every mutating EC2 action by a cluster tag', () => {
    const policy = JSON.parse(readIamFile('controller-policy.json', vars)) as {
      Statement: { Sid: string; Action: string | string[]; Resource: string | string[]; Condition?: object }[];
    };
    const pass = policy.Statement.filter((s) => [s.Action].flat().includes('iam:PassRole'));
    expect(pass.map((s) => s.Resource)).toEqual(['arn:aws:iam::111122223333:role/KarpenterNodeRole-prod']);
    for (const s of policy.Statement) {
      const mutating = [s.Action].flat().filter((a) => a.startsWith('ec2:') && !a.startsWith('ec2:Describe'));
      const untaggedInputs = [s.Resource].flat().every((r) => /:(image|snapshot|security-group|subnet)\/\*$/.test(r));
      if (mutating.length > 0 && !untaggedInputs)
        expect(JSON.stringify(s.Condition)).toContain('kubernetes.io/cluster/prod');
    }
  });
});
