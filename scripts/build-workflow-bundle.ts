// `npm run build:workflow-bundle [-- <file>]`: bundles the workflow code once (default dist/workflow-bundle.js), for
// workers started with KT_WORKFLOW_BUNDLE=<file>: they skip bundling at every start, which takes seconds of CPU.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { bundleWorkflows } from '../workers/bundle.js';

export async function buildWorkflowBundle(file: string): Promise<string> {
  const code = await bundleWorkflows({ trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} });
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, code);
  return file;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = resolve(process.argv[2] ?? join(import.meta.dirname, '..', 'dist', 'workflow-bundle.js'));
  const began = Date.now();
  await buildWorkflowBundle(file);
  process.stdout.write(`wrote ${file} in ${((Date.now() - began) / 1000).toFixed(1)} s\n`);
}
