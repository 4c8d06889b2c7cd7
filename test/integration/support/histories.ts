import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadToolPaths } from '../../../testbed/tools.js';
import type { TemporalEndpoints } from '../../../testbed/temporal.js';

const CORPUS = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'replay', 'histories');

/**
 * With KT_RECORD_HISTORIES=1, saves a finished workflow's history into the replay corpus (test/replay/histories)
 * under a scenario name (once: an existing scenario is kept), so later workflow changes are checked against real runs. The Temporal CLI's JSON is the
 * format `Worker.runReplayHistories` reads.
 */
export function recordHistory(temporal: TemporalEndpoints, workflowId: string, scenario: string): void {
  if (process.env.KT_RECORD_HISTORIES !== '1') return;
  const file = join(CORPUS, `${scenario}.json`);
  // Recorded histories are the regression corpus of older code: never overwritten, only added to.
  if (existsSync(file)) return;
  saveHistory(temporal, workflowId, file);
}

/** Writes a workflow's current history (running or closed) in the corpus format to `file`. */
export function saveHistory(temporal: TemporalEndpoints, workflowId: string, file: string): void {
  const json = execFileSync(
    loadToolPaths().temporal,
    [
      'workflow',
      'show',
      '--workflow-id',
      workflowId,
      '--output',
      'json',
      '--address',
      temporal.address,
      '--namespace',
      temporal.namespace,
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }
  );
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ workflowId, history: JSON.parse(json) as unknown }));
}

/**
 * Replays every history in `dir` on the current workflow code in a plain Node process (scripts/replay-histories.ts;
 * the native replayer does not survive Jest's module registry) and returns its report.
 */
export function replayHistories(dir: string): { replayed: number; failures: string[]; stderr: string } {
  const root = resolve(CORPUS, '..', '..', '..');
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'replay-histories.ts'), dir], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
    timeout: 180_000,
  });
  const report = JSON.parse(run.stdout.trim().split('\n').pop() || '{}') as { replayed?: number; failures?: string[] };
  return {
    replayed: report.replayed ?? 0,
    failures: report.failures ?? [],
    stderr: run.status === 0 ? '' : run.stderr,
  };
}
