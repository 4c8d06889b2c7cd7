import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChaosResult } from '../../bench/chaos/report.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

// The short form of `npm run chaos`: the same runner, seed fixed, on its own test bed (it restarts every part, which
// the shared one must not see). Ten faults: one restart each of Temporal, kube-apiserver, etcd and the EC2
// emulator, an AWS error burst, a slow kube API and four worker SIGKILLs, in two rounds. A plain child process:
// Temporal's replayer does not survive Jest's module registry (scripts/replay-histories.ts says the same).
const ARGS = [
  '--seed',
  '7',
  '--faults',
  '10',
  '--pods',
  '6',
  '--per-round',
  '5',
  '--window',
  '20',
  '--converge',
  '180',
  '--replay-sample',
  '8',
  '--json',
];

function runChaos(): Promise<{ code: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'bench', 'chaos', 'main.ts'), ...ARGS], {
      cwd: REPO,
      env: { ...process.env, NODE_OPTIONS: '', KT_TESTBED_FILE: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => done({ code, output }));
  });
}

describe('chaos (short form)', () => {
  it(
    'converges after every fault with nothing leaked, duplicated, lost or stuck',
    async () => {
      const { code, output } = await runChaos();
      const line = output.split('\n').find((l) => l.startsWith('CHAOS_RESULT '));
      if (!line) throw new Error(`the chaos run printed no result:\n${output.slice(-5000)}`);
      const result = JSON.parse(line.slice('CHAOS_RESULT '.length)) as ChaosResult;
      if (!result.passed) throw new Error(`chaos failed:\n${result.failures.join('\n')}\n${output.slice(-5000)}`);
      expect(code).toBe(0);
      expect(result.faults['worker-kill']).toBeGreaterThanOrEqual(4);
      for (const kind of ['temporal-restart', 'apiserver-restart', 'etcd-restart', 'ec2-restart'] as const)
        expect(result.faults[kind]).toBeGreaterThanOrEqual(1);
      expect(result).toMatchObject({
        leaked: 0,
        duplicate: 0,
        lost: 0,
        workflowMismatches: 0,
        podsNotRunning: 0,
        stuck: 0,
        pdbViolations: 0,
        replayFailures: 0,
      });
      expect(result.replayed).toBe(8);
    },
    15 * 60_000
  );
});
