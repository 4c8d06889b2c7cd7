import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const HISTORIES = join(ROOT, 'test', 'replay', 'histories');

/**
 * Every recorded history (real runs on the test bed, saved by the integration tests with KT_RECORD_HISTORIES=1)
 * must replay on the current workflow code. A failure means a change would break running workflows: guard it with
 * `patched()` or a continue-as-new boundary. The replay runs in its own Node process (scripts/replay-histories.ts).
 */
describe('workflow replay over recorded histories', () => {
  it('replays every recorded history without a determinism error', () => {
    const recorded = readdirSync(HISTORIES).filter((f) => f.endsWith('.json'));
    expect(recorded.length).toBeGreaterThan(0);
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'scripts', 'replay-histories.ts'), HISTORIES],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, NODE_OPTIONS: '' },
        timeout: 180_000,
      }
    );
    const report = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as {
      replayed?: number;
      failures?: string[];
    };
    expect({
      replayed: report.replayed,
      failures: report.failures,
      stderr: run.status === 0 ? '' : run.stderr,
    }).toEqual({
      replayed: recorded.length,
      failures: [],
      stderr: '',
    });
  }, 200_000);
});
