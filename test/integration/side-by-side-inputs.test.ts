// bench:side-by-side times our solver and Karpenter v1.14.1's scheduler on inputs written once to files. This checks
// that the Go harness (`karpenter-plan bench`) reads from those files the same pods and instance types we do: for every
// default scenario its digest of the corev1.Pods and cloudprovider.InstanceTypes it built must equal ours. It needs
// the harness binary (built and cached by scripts/install-tools.sh), not the test bed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from '@jest/globals';

import { inputDigest, readScenarioInputs, writeSideBySideInputs } from '../../bench/side-by-side-inputs.js';
import { harnessBinary } from '../conformance/run.js';

const dir = mkdtempSync(join(tmpdir(), 'kt-side-by-side-inputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bench:side-by-side inputs', () => {
  it('should be read identically by our solver and by the Karpenter harness', () => {
    const scenarios = writeSideBySideInputs(dir);
    const result = spawnSync(harnessBinary(), ['bench', '--inputs', dir], {
      input: scenarios.map((s) => `digest ${s.name}\n`).join('') + 'quit\n',
      encoding: 'utf8',
      maxBuffer: 2 ** 24,
    });
    expect(result.status).toBe(0);
    const theirs = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const ours = scenarios.map((s) => ({ scenario: s.name, ...inputDigest(readScenarioInputs(dir, s)) }));
    expect(theirs).toEqual(ours);
    // Not vacuous: the two catalogues and the pod mixes differ.
    expect(new Set(ours.map((d) => d.typesDigest)).size).toBe(2);
    expect(new Set(ours.map((d) => d.podsDigest)).size).toBeGreaterThan(3);
  }, 300_000);
});
