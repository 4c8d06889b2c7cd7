// `node --import tsx scripts/check-iam.ts`: fails unless the controller's IAM policy (deploy/iam/controller-policy.json)
// allows exactly the AWS actions the code calls — every action it needs, and nothing it never calls.
//
// The actions the code needs are
//   - every `new XxxCommand(` sent by the worker's code (adapters/, activities/, workers/; tests excluded), as
//     `<service>:Xxx` with the service from the `@aws-sdk/client-<service>` package the command is imported from;
//   - the actions EC2 and IAM authorise implicitly behind those calls (CreateFleet → RunInstances, CreateTags,
//     iam:PassRole; CreateInstanceProfile with tags → TagInstanceProfile, ...), as adapters/aws/README.md's table
//     "AWS actions the code calls" lists them in its Action and Notes columns.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SCANNED_DIRS = ['adapters', 'activities', 'workers'];
export const POLICY_FILE = join(REPO_ROOT, 'deploy', 'iam', 'controller-policy.json');
export const AWS_README = join(REPO_ROOT, 'adapters', 'aws', 'README.md');

/** One required action and where it comes from (a source file, or the README's table). */
export interface ActionUse {
  action: string;
  where: string;
}

/** The IAM service prefix of an SDK v3 client package: `@aws-sdk/client-ec2` → `ec2`. */
const SERVICE_PREFIX: Record<string, string> = {
  'client-ec2': 'ec2',
  'client-iam': 'iam',
  'client-ssm': 'ssm',
  'client-pricing': 'pricing',
  'client-sqs': 'sqs',
  'client-eks': 'eks',
  'client-sts': 'sts',
};

/**
 * The actions one TypeScript source sends: each `new XxxCommand(...)` whose class is imported from an
 * `@aws-sdk/client-*` package (parsed with the TypeScript compiler, so comments and strings never count). A command
 * not imported from one is reported as an error, so a re-export cannot hide an action.
 */
export function actionsInSource(source: string, where: string): { uses: ActionUse[]; errors: string[] } {
  const file = ts.createSourceFile(where, source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const serviceOf = new Map<string, { service: string; command: string }>();
  for (const statement of file.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const pkg = /^@aws-sdk\/([a-z0-9-]+)$/.exec(statement.moduleSpecifier.text)?.[1];
    const bindings = statement.importClause?.namedBindings;
    if (pkg === undefined || bindings === undefined || !ts.isNamedImports(bindings)) continue;
    const service = SERVICE_PREFIX[pkg] ?? pkg.replace(/^client-/, '');
    // Local name → the command it is (an alias must not hide one).
    for (const element of bindings.elements)
      serviceOf.set(element.name.text, { service, command: (element.propertyName ?? element.name).text });
  }
  const uses: ActionUse[] = [];
  const errors: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isNewExpression(node) && ts.isIdentifier(node.expression)) {
      const local = node.expression.text;
      const imported = serviceOf.get(local);
      if (imported !== undefined && /^[A-Z]\w*Command$/.test(imported.command))
        uses.push({ action: `${imported.service}:${imported.command.slice(0, -'Command'.length)}`, where });
      else if (imported === undefined && /^[A-Z]\w*Command$/.test(local))
        errors.push(`${where}: ${local} is not imported from an @aws-sdk client package`);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return { uses, errors };
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules') continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (entry.endsWith('.ts') && !entry.endsWith('.test.ts') && !entry.endsWith('.d.ts')) out.push(path);
  }
  return out.sort();
}

/** Every action the code under `root` sends (see `actionsInSource`). */
export function actionsInCode(root = REPO_ROOT, dirs = SCANNED_DIRS): { uses: ActionUse[]; errors: string[] } {
  const uses: ActionUse[] = [];
  const errors: string[] = [];
  for (const dir of dirs) {
    for (const file of sourceFiles(join(root, dir))) {
      const found = actionsInSource(readFileSync(file, 'utf8'), relative(root, file));
      uses.push(...found.uses);
      errors.push(...found.errors);
    }
  }
  return { uses, errors };
}

const SERVICE_OF_ROW: Record<string, string> = { ec2: 'ec2', iam: 'iam', ssm: 'ssm', pricing: 'pricing', sqs: 'sqs' };

/**
 * The actions of the README's "AWS actions the code calls" table: every backquoted action name in the Action and
 * Notes columns (`CreateInstanceProfile`, `ec2:RunInstances`); see the comment inside for which column counts what.
 */
export function actionsInReadme(markdown: string, where = 'adapters/aws/README.md'): ActionUse[] {
  const section = markdown.split(/^## /m).find((s) => s.startsWith('AWS actions the code calls'));
  if (section === undefined) throw new Error(`${where} has no "AWS actions the code calls" section`);
  const uses: ActionUse[] = [];
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    // | Service | Action | Where | Notes |  → ['', service, action, where, notes, '']
    if (cells.length < 6 || /^-+$/.test(cells[1]!) || cells[1] === 'Service') continue;
    const service = SERVICE_OF_ROW[cells[1]!.toLowerCase()];
    if (service === undefined) throw new Error(`${where}: unknown service "${cells[1]}" in the actions table`);
    // The Action column names actions (unqualified ones belong to the row's service); the Notes column names the
    // implicitly authorised ones qualified (`ec2:RunInstances`), beside other backquoted words (`TagSpecifications`).
    for (const m of cells[2]!.matchAll(/`([a-z0-9]+:)?([A-Z][A-Za-z0-9]+)`/g))
      uses.push({ action: `${m[1] ? m[1].slice(0, -1) : service}:${m[2]}`, where: `${where} (${cells[1]} row)` });
    for (const m of cells[4]!.matchAll(/`([a-z0-9]+):([A-Z][A-Za-z0-9]+)`/g))
      uses.push({ action: `${m[1]}:${m[2]}`, where: `${where} (${cells[1]} row)` });
  }
  return uses;
}

interface Statement {
  Effect?: string;
  Action?: string | string[];
  NotAction?: unknown;
}

/** The actions a policy document allows; wildcards and NotAction are reported as errors (the check must be exact). */
export function actionsInPolicy(policy: { Statement?: Statement[] | Statement }): {
  actions: Set<string>;
  errors: string[];
} {
  const statements = Array.isArray(policy.Statement) ? policy.Statement : policy.Statement ? [policy.Statement] : [];
  const actions = new Set<string>();
  const errors: string[] = [];
  for (const [i, s] of statements.entries()) {
    if (s.NotAction !== undefined) errors.push(`statement ${i} uses NotAction`);
    if (s.Effect !== 'Allow') continue;
    for (const action of [s.Action ?? []].flat()) {
      if (action.includes('*')) errors.push(`statement ${i} allows the wildcard ${action}: list actions explicitly`);
      else actions.add(action);
    }
  }
  return { actions, errors };
}

export interface IamCheck {
  /** Actions the code needs that the policy does not allow, with where each is needed. */
  missing: ActionUse[];
  /** Actions the policy allows that nothing needs. */
  unused: string[];
  errors: string[];
}

/** IAM action names are case-insensitive; compare them so. */
const key = (action: string): string => action.toLowerCase();

export function compareActions(needed: ActionUse[], policy: Set<string>): Pick<IamCheck, 'missing' | 'unused'> {
  const allowed = new Set([...policy].map(key));
  const neededKeys = new Set(needed.map((u) => key(u.action)));
  const missing = needed.filter((u) => !allowed.has(key(u.action)));
  const unused = [...policy].filter((a) => !neededKeys.has(key(a))).sort();
  return { missing, unused };
}

export function checkIam(
  options: { root?: string; policyFile?: string; readme?: string; dirs?: string[] } = {}
): IamCheck {
  const root = options.root ?? REPO_ROOT;
  const code = actionsInCode(root, options.dirs ?? SCANNED_DIRS);
  const readme = actionsInReadme(
    readFileSync(options.readme ?? join(root, 'adapters', 'aws', 'README.md'), 'utf8'),
    relative(root, options.readme ?? join(root, 'adapters', 'aws', 'README.md'))
  );
  const policy = actionsInPolicy(
    JSON.parse(readFileSync(options.policyFile ?? join(root, 'deploy', 'iam', 'controller-policy.json'), 'utf8'))
  );
  return { ...compareActions([...code.uses, ...readme], policy.actions), errors: [...code.errors, ...policy.errors] };
}

export function formatReport(check: IamCheck): string {
  const lines: string[] = [];
  if (check.missing.length > 0) {
    lines.push('actions the code calls that deploy/iam/controller-policy.json does not allow:');
    const byAction = new Map<string, string[]>();
    for (const u of check.missing) byAction.set(u.action, [...(byAction.get(u.action) ?? []), u.where]);
    for (const [action, where] of [...byAction].sort()) lines.push(`  ${action}  (${[...new Set(where)].join(', ')})`);
  }
  if (check.unused.length > 0) {
    lines.push('actions deploy/iam/controller-policy.json allows that the code never calls:');
    for (const a of check.unused) lines.push(`  ${a}`);
  }
  for (const e of check.errors) lines.push(`error: ${e}`);
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const check = checkIam();
  if (check.missing.length > 0 || check.unused.length > 0 || check.errors.length > 0) {
    process.stderr.write(`${formatReport(check)}\n`);
    process.exit(1);
  }
  process.stdout.write('IAM policy allows exactly the AWS actions the code calls\n');
}
