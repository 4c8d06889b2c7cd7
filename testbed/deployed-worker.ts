// The worker as the chart runs it: compiled (`npm run build`, dist/workers/main.js), with the workflow code bundled
// ahead of time (`npm run build:workflow-bundle`) and the chart's NODE_OPTIONS (V8 heap limits). The benchmarks
// measure this one; tests run the sources through tsx so they see every edit.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEPLOYED_WORKFLOW_BUNDLE = join(REPO, 'dist', 'workflow-bundle.js');

/** Compiles the worker and bundles the workflow code into dist/ (about 15 s), as the image build does. */
export function buildDeployedWorker(): void {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: REPO, stdio: 'inherit' });
  execFileSync(
    process.execPath,
    ['--import', 'tsx', join(REPO, 'scripts', 'build-workflow-bundle.ts'), DEPLOYED_WORKFLOW_BUNDLE],
    { cwd: REPO, stdio: 'inherit' }
  );
}

/** The environment the chart gives the worker beyond its settings: the prebuilt bundle and `nodeOptions`. */
export function deployedWorkerEnv(): Record<string, string> {
  const values = parse(readFileSync(join(REPO, 'deploy', 'chart', 'values.yaml'), 'utf8')) as { nodeOptions?: string };
  return {
    KT_WORKFLOW_BUNDLE: DEPLOYED_WORKFLOW_BUNDLE,
    ...(values.nodeOptions ? { NODE_OPTIONS: values.nodeOptions } : {}),
  };
}
