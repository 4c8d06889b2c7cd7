/**
 * The Kubernetes API calls the worker's code makes, read from its source with the TypeScript compiler, as
 * permissions (group, resource, subresource, verb): @kubernetes/client-node method calls such as `core.patchNode(`,
 * `custom.patchClusterCustomObjectStatus({ ...NODECLAIMS, ... })`, and informers (`makeInformer(kc, '/api/v1/pods')`,
 * which list and watch). Only files that import @kubernetes/client-node are read, and only calls on a property
 * (`x.listNode(`), so the code's own helpers (`readNodeClaim(name)`) never count.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from '../../../scripts/check-iam.js';
import type { Permission } from './kubernetes-permissions.js';

export const SCANNED_DIRS = ['adapters', 'activities', 'workers'];

/** The API group of each kind the typed clients name (CoreV1Api's Event, not events.k8s.io's). */
const GROUP_OF_KIND: Record<string, string> = {
  Node: '',
  Pod: '',
  Event: '',
  Namespace: '',
  Secret: '',
  ConfigMap: '',
  ServiceAccount: '',
  PersistentVolume: '',
  PersistentVolumeClaim: '',
  DaemonSet: 'apps',
  Deployment: 'apps',
  ReplicaSet: 'apps',
  StatefulSet: 'apps',
  StorageClass: 'storage.k8s.io',
  VolumeAttachment: 'storage.k8s.io',
  CSINode: 'storage.k8s.io',
  PodDisruptionBudget: 'policy',
  Lease: 'coordination.k8s.io',
};
const SUBRESOURCES = ['Eviction', 'Status', 'Binding', 'Log', 'Scale'];
const VERB: Record<string, string> = {
  read: 'get',
  get: 'get',
  list: 'list',
  create: 'create',
  patch: 'patch',
  delete: 'delete',
  replace: 'update',
  deleteCollection: 'deletecollection',
};

const plural = (kind: string): string => (kind.endsWith('s') ? `${kind}es` : `${kind}s`).toLowerCase();

export interface KubernetesCall {
  permission: Omit<Permission, 'by'>;
  where: string;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (entry.endsWith('.ts') && !entry.endsWith('.test.ts') && !entry.endsWith('.d.ts')) out.push(path);
  }
  return out.sort();
}

/** `const NODECLAIMS = { group: 'karpenter.sh', version: 'v1', plural: 'nodeclaims' } as const` → its strings. */
function constObjects(file: ts.SourceFile, into: Map<string, Record<string, string>>): void {
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer) {
      let init: ts.Expression = node.initializer;
      while (ts.isAsExpression(init) || ts.isParenthesizedExpression(init)) init = init.expression;
      if (ts.isObjectLiteralExpression(init)) {
        const props: Record<string, string> = {};
        for (const p of init.properties)
          if (ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && ts.isStringLiteral(p.initializer))
            props[p.name.text] = p.initializer.text;
        if (props.plural !== undefined) into.set(node.name.text, props);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
}

/** Every Kubernetes call of the code under `root`, and the calls it could not read (to be made readable). */
export function kubernetesCallsInCode(
  root = REPO_ROOT,
  dirs = SCANNED_DIRS
): { calls: KubernetesCall[]; errors: string[] } {
  const files = dirs
    .flatMap((d) => sourceFiles(join(root, d)))
    .map((path) => ({
      where: relative(root, path),
      file: ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS),
    }));
  const consts = new Map<string, Record<string, string>>();
  for (const { file } of files) constObjects(file, consts);

  const calls: KubernetesCall[] = [];
  const errors: string[] = [];
  const stringOf = (expr: ts.Expression, where: string): string | undefined => {
    if (ts.isStringLiteral(expr) || ts.isNoSubstitutionTemplateLiteral(expr)) return expr.text;
    if (ts.isTemplateExpression(expr)) {
      let out = expr.head.text;
      for (const span of expr.templateSpans) {
        const e = span.expression;
        const value =
          ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression)
            ? consts.get(e.expression.text)?.[e.name.text]
            : undefined;
        if (value === undefined) {
          errors.push(`${where}: cannot read \`${e.getText()}\` in an informer path`);
          return undefined;
        }
        out += value + span.literal.text;
      }
      return out;
    }
    errors.push(`${where}: cannot read the informer path \`${expr.getText()}\``);
    return undefined;
  };

  for (const { where, file } of files) {
    const importsClient = file.statements.some(
      (s) =>
        ts.isImportDeclaration(s) &&
        ts.isStringLiteral(s.moduleSpecifier) &&
        s.moduleSpecifier.text === '@kubernetes/client-node' &&
        !s.importClause?.isTypeOnly
    );
    if (!importsClient) continue;
    const add = (permission: Omit<Permission, 'by'>) => calls.push({ permission, where });

    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node)) {
        const callee = node.expression;
        // makeInformer(kubeConfig, '/api/v1/pods', listFn): a list and a watch.
        if (ts.isIdentifier(callee) && callee.text === 'makeInformer' && node.arguments[1]) {
          const path = stringOf(node.arguments[1], where);
          const m = path && /^\/(?:api\/v1|apis\/([^/]+)\/[^/]+)\/(?:namespaces\/[^/]+\/)?([a-z0-9]+)$/.exec(path);
          if (path && !m) errors.push(`${where}: cannot read the informer path ${path}`);
          if (m) for (const verb of ['list', 'watch']) add({ group: m[1] ?? '', resource: m[2]!, verb });
        }
        if (ts.isPropertyAccessExpression(callee)) {
          const method = callee.name.text;
          const custom = /^(get|list|create|patch|delete|replace)(?:Cluster|Namespaced)CustomObject(Status)?$/.exec(
            method
          );
          const typed =
            /^(read|list|create|patch|delete|replace|deleteCollection)(Namespaced)?([A-Z][A-Za-z]*?)(ForAllNamespaces)?$/.exec(
              method
            );
          if (custom) {
            const arg = node.arguments[0];
            const props: Record<string, string> = {};
            if (arg && ts.isObjectLiteralExpression(arg)) {
              for (const p of arg.properties) {
                if (ts.isSpreadAssignment(p) && ts.isIdentifier(p.expression))
                  Object.assign(props, consts.get(p.expression.text) ?? {});
                else if (ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && ts.isStringLiteral(p.initializer))
                  props[p.name.text] = p.initializer.text;
              }
            }
            if (props.group === undefined || props.plural === undefined)
              errors.push(`${where}: cannot read the group and plural of \`${node.getText().slice(0, 80)}\``);
            else
              add({
                group: props.group,
                resource: props.plural,
                verb: VERB[custom[1]!]!,
                ...(custom[2] ? { subresource: 'status' } : {}),
              });
          } else if (typed) {
            let kind = typed[3]!;
            const sub = SUBRESOURCES.find(
              (s) => kind.endsWith(s) && GROUP_OF_KIND[kind.slice(0, -s.length)] !== undefined
            );
            if (sub) kind = kind.slice(0, -sub.length);
            const group = GROUP_OF_KIND[kind];
            if (group === undefined)
              errors.push(
                `${where}: \`${method}\` names kind ${kind}, unknown to test/unit/deploy/kubernetes-calls.ts`
              );
            else
              add({
                group,
                resource: plural(kind),
                verb: VERB[typed[1]!]!,
                ...(sub ? { subresource: sub.toLowerCase() } : {}),
              });
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return { calls, errors };
}
