import { describe, expect, it } from '@jest/globals';
import { parseOptions } from './options.js';
import { planRounds } from './plan.js';
import { Prng } from './prng.js';

describe('chaos plan', () => {
  const count = (argv: string[]) => {
    const rounds = planRounds(parseOptions(argv), new Prng(42));
    const kinds: Record<string, number> = {};
    for (const r of rounds) for (const f of r.faults) kinds[f.kind] = (kinds[f.kind] ?? 0) + 1;
    return { rounds, kinds };
  };

  it('gives the long form 100 worker kills and 5 of every other kind, 7 a round', () => {
    const { rounds, kinds } = count(['--faults', '130', '--per-round', '7']);
    expect(kinds).toEqual({
      'worker-kill': 100,
      'temporal-restart': 5,
      'apiserver-restart': 5,
      'etcd-restart': 5,
      'ec2-restart': 5,
      'aws-errors': 5,
      'slow-kube': 5,
    });
    expect(rounds).toHaveLength(19);
    for (const r of rounds)
      expect(r.faults.map((f) => f.atMs)).toEqual([...r.faults.map((f) => f.atMs)].sort((a, b) => a - b));
  });

  it('gives at least one of every kind to a short run, and the same plan for the same seed', () => {
    expect(count(['--faults', '10']).kinds).toMatchObject({ 'worker-kill': 4, 'temporal-restart': 1, 'slow-kube': 1 });
    expect(count(['--faults', '10']).rounds).toEqual(count(['--faults', '10']).rounds);
  });

  it('refuses too few faults or pods', () => {
    expect(() => parseOptions(['--faults', '3'])).toThrow('--faults must be at least 7');
    expect(() => parseOptions(['--pods', '2'])).toThrow('--pods must be at least 4');
  });
});
