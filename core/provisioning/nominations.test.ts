import { describe, expect, it } from '@jest/globals';
import { countNominated, newNominations, nominatedPods, nominationsByPod } from './nominations.js';

describe('grouped nominations', () => {
  it('round-trips between the per-pod and the grouped form', () => {
    const byPod = { 'a/p1': { nodeClaim: 'c1' }, 'a/p2': { nodeClaim: 'c2' }, 'b/p3': { nodeClaim: 'c1' } };
    const grouped = nominatedPods(byPod);
    expect(grouped).toEqual({ c1: ['a/p1', 'b/p3'], c2: ['a/p2'] });
    expect(nominationsByPod(grouped)).toEqual(byPod);
    expect(countNominated(grouped)).toBe(3);
  });

  it('names only the pods whose nomination is new, including a pod moved to another NodeClaim', () => {
    const previous = { c1: ['a/p1', 'a/p2'] };
    const next = { c1: ['a/p1'], c2: ['a/p2', 'a/p3'] };
    expect(newNominations(previous, next)).toEqual({ c2: ['a/p2', 'a/p3'] });
    expect(newNominations(next, next)).toEqual({});
  });

  it('keeps 20,000 nominated pods far under the 2 MB payload limit', () => {
    const pods = Array.from({ length: 20_000 }, (_, i) => `bench/app-${i % 100}-7d9f8c6b5-${i.toString(36)}x`);
    const grouped = { 'default-1-abcdef-1-0': pods.slice(0, 10_000), 'default-1-abcdef-1-1': pods.slice(10_000) };
    expect(JSON.stringify(grouped).length).toBeLessThan(1024 * 1024);
    expect(JSON.stringify(nominationsByPod(grouped)).length).toBeGreaterThan(2 * JSON.stringify(grouped).length);
  });
});
