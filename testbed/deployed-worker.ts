// The worker as the chart runs it: compiled and bundled (`npm run build`, dist/workers/main.bundle.js), with the
// workflow code bundled ahead of time (`npm run build:workflow-bundle`), the chart's node flags and NODE_OPTIONS (V8
// heap limits) and its allocator (jemalloc). The benchmarks and test/integration/deployed-worker.test.ts run this one;
// the other tests run the sources through tsx so they see every edit.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { loadToolPaths } from './tools.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEPLOYED_WORKFLOW_BUNDLE = join(REPO, 'dist', 'workflow-bundle.js');

/** Compiles and bundles the worker and bundles the workflow code into dist/ (about 15 s), as the image build does. */
export function buildDeployedWorker(): void {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: REPO, stdio: 'inherit' });
  execFileSync(
    process.execPath,
    ['--import', 'tsx', join(REPO, 'scripts', 'build-workflow-bundle.ts'), DEPLOYED_WORKFLOW_BUNDLE],
    { cwd: REPO, stdio: 'inherit' }
  );
}

interface ChartValues {
  command?: string[];
  nodeOptions?: string;
  allocator?: { preload?: string; conf?: string };
}
const chartValues = (): ChartValues =>
  parse(readFileSync(join(REPO, 'deploy', 'chart', 'values.yaml'), 'utf8')) as ChartValues;

/**
 * The chart's `command`, `node [nodeArgs] <entry>`: the entry point (relative to the repository, as to the image's
 * working directory) and the options node gets before it (V8 flags that NODE_OPTIONS refuses).
 */
export function deployedWorkerCommand(): { nodeArgs: string[]; entry: string } {
  const command = chartValues().command ?? [];
  const entryIndex = command.findIndex((arg) => arg.endsWith('.js'));
  if (command[0] !== 'node' || entryIndex < 0)
    throw new Error(`deploy/chart/values.yaml: command: not node <entry>.js`);
  return { nodeArgs: command.slice(1, entryIndex), entry: join(REPO, command[entryIndex]!) };
}

/**
 * The environment the chart gives the worker beyond its settings: the prebuilt bundle, `nodeOptions` and the
 * allocator. The image preloads Debian's libjemalloc2; here the same package's library comes from the tools cache.
 */
export function deployedWorkerEnv(): Record<string, string> {
  const values = chartValues();
  return {
    KT_WORKFLOW_BUNDLE: DEPLOYED_WORKFLOW_BUNDLE,
    ...(values.nodeOptions ? { NODE_OPTIONS: values.nodeOptions } : {}),
    ...(values.allocator?.preload ? { LD_PRELOAD: loadToolPaths().jemalloc } : {}),
    ...(values.allocator?.preload && values.allocator.conf ? { MALLOC_CONF: values.allocator.conf } : {}),
  };
}
