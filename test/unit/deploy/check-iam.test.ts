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
  REPO_ROOT,
  SCANNED_DIRS,
} from '../../../scripts/check-iam.js';

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

  it('should fail naming the file when the code sends an action the policy does not allow', () => {
    const root = copyOfRepo();
    roots.push(root);
    writeFileSync(
      join(root, 'adapters', 'aws', 'interruption.ts'),
      [
        "import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';",
        'export async function receive(sqs: SQSClient, url: string) {',
        '  const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));',
        '  for (const m of out.Messages ?? [])',
        '    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));',
        '}',
      ].join('\n')
    );
    const check = checkIam({ root });
    expect(check.missing.map((u) => u.action).sort()).toEqual(['sqs:DeleteMessage', 'sqs:ReceiveMessage']);
    expect(check.missing[0]!.where).toBe(join('adapters', 'aws', 'interruption.ts'));
    expect(formatReport(check)).toContain('does not allow:\n  sqs:DeleteMessage  (adapters/aws/interruption.ts)');
  });

  it('should fail when an action authorised implicitly is listed in the README but not in the policy', () => {
    const root = copyOfRepo();
    roots.push(root);
    const file = join(root, 'deploy', 'iam', 'controller-policy.json');
    const policy = JSON.parse(readFileSync(file, 'utf8')) as { Statement: { Sid: string; Action: unknown }[] };
    policy.Statement = policy.Statement.filter((s) => s.Sid !== 'AllowPassingTheNodeRole');
    writeFileSync(file, JSON.stringify(policy));
    expect(checkIam({ root }).missing).toEqual([
      { action: 'iam:PassRole', where: 'adapters/aws/README.md (EC2 row)' },
      { action: 'iam:PassRole', where: 'adapters/aws/README.md (IAM row)' },
    ]);
  });

  it('should fail when the policy allows an action the code never calls', () => {
    const root = copyOfRepo();
    roots.push(root);
    const file = join(root, 'deploy', 'iam', 'controller-policy.json');
    const policy = JSON.parse(readFileSync(file, 'utf8')) as { Statement: unknown[] };
    policy.Statement.push({ Effect: 'Allow', Action: ['eks:DescribeCluster'], Resource: '*' });
    writeFileSync(file, JSON.stringify(policy));
    const check = checkIam({ root });
    expect(check.unused).toEqual(['eks:DescribeCluster']);
    expect(check.missing).toEqual([]);
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
