import { afterEach, describe, expect, it } from '@jest/globals';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../scripts/check-iam.js';
import { kubernetesCallsInCode, SCANNED_DIRS, type KubernetesCall } from './kubernetes-calls.js';
import { permissionKey, WORKER_PERMISSIONS } from './kubernetes-permissions.js';

const listed = new Set(WORKER_PERMISSIONS.map(permissionKey));
const unlisted = (calls: KubernetesCall[]) =>
  [
    ...new Set(
      calls
        .filter((c) => !listed.has(permissionKey(c.permission)))
        .map((c) => `${permissionKey(c.permission)} (${c.where})`)
    ),
  ].sort();

describe('the Kubernetes permissions the worker needs', () => {
  const roots: string[] = [];
  afterEach(() => {
    for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
  });

  it('should be exactly the calls its code makes: every call listed, every listed permission called', () => {
    const { calls, errors } = kubernetesCallsInCode();
    expect(errors).toEqual([]);
    expect(unlisted(calls)).toEqual([]);
    const called = new Set(calls.map((c) => permissionKey(c.permission)));
    expect([...listed].filter((key) => !called.has(key)).sort()).toEqual([]);
  });

  it('should find a new call that the list (and so the chart) does not have yet', () => {
    const root = mkdtempSync(join(tmpdir(), 'kt-kube-calls-'));
    roots.push(root);
    for (const dir of SCANNED_DIRS) cpSync(join(REPO_ROOT, dir), join(root, dir), { recursive: true });
    const before = unlisted(kubernetesCallsInCode(root).calls);
    writeFileSync(
      join(root, 'adapters', 'kubernetes', 'budgets.ts'),
      [
        "import { StorageV1Api, makeInformer, type KubeConfig } from '@kubernetes/client-node';",
        'export async function budgets(kc: KubeConfig) {',
        '  const storage = kc.makeApiClient(StorageV1Api);',
        "  makeInformer(kc, '/apis/coordination.k8s.io/v1/namespaces/karpenter/leases', () => undefined as never);",
        '  return (await storage.listCSINode()).items;',
        '}',
      ].join('\n')
    );
    const after = unlisted(kubernetesCallsInCode(root).calls).filter((c) => !before.includes(c));
    expect(after).toEqual([
      'list coordination.k8s.io/leases (adapters/kubernetes/budgets.ts)',
      'list storage.k8s.io/csinodes (adapters/kubernetes/budgets.ts)',
      'watch coordination.k8s.io/leases (adapters/kubernetes/budgets.ts)',
    ]);
  });
});
