// `npm run build:workflow-bundle [-- <file>]`: bundles the workflow code once (default dist/workflow-bundle.js), for
// workers started with KT_WORKFLOW_BUNDLE=<file>: they skip bundling at every start, which takes seconds of CPU.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { bundleWorkflows } from '../workers/bundle.js';

export async function buildWorkflowBundle(file: string): Promise<string> {
  const code = await bundleWorkflows({ trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} });
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, withoutSourcesContent(code));
  return file;
}

const SOURCE_MAP_MARKER = '//# sourceMappingURL=data:application/json;charset=utf-8;base64,';

/**
 * The bundle's inline source map without `sourcesContent`, a copy of every bundled source (0.7 of its 1 MB): the
 * worker holds the bundle and its map in the main thread and again in the workflow thread. Stack traces still map
 * to file and line through `mappings`; the sources are only read for the enhanced stack trace query with
 * `showStackTraceSources`, which the worker leaves off.
 */
export function withoutSourcesContent(code: string): string {
  const at = code.lastIndexOf(SOURCE_MAP_MARKER);
  if (at < 0) throw new Error('workflow bundle: no inline source map (the Temporal worker requires one)');
  const map = JSON.parse(Buffer.from(code.slice(at + SOURCE_MAP_MARKER.length).trim(), 'base64').toString('utf8')) as {
    sourcesContent?: unknown;
  };
  delete map.sourcesContent;
  return `${code.slice(0, at)}${SOURCE_MAP_MARKER}${Buffer.from(JSON.stringify(map)).toString('base64')}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = resolve(process.argv[2] ?? join(import.meta.dirname, '..', 'dist', 'workflow-bundle.js'));
  const began = Date.now();
  await buildWorkflowBundle(file);
  process.stdout.write(`wrote ${file} in ${((Date.now() - began) / 1000).toFixed(1)} s\n`);
}
