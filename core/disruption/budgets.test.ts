import { describe, expect, it } from '@jest/globals';
import { allowedDisruptions } from './budgets.js';
import { cronActive, parseCron, CronError } from './cron.js';

const at = (iso: string) => new Date(iso);
const counts = { nodes: 10, deleting: 0, notReady: 0 };

describe('budgets', () => {
  it('defaults to 10% of the pool, rounded up', () => {
    expect(
      allowedDisruptions(undefined, 'Underutilized', { nodes: 3, deleting: 0, notReady: 0 }, at('2026-01-01T00:00:00Z'))
        .allowed
    ).toBe(1);
    expect(
      allowedDisruptions(
        undefined,
        'Underutilized',
        { nodes: 11, deleting: 0, notReady: 0 },
        at('2026-01-01T00:00:00Z')
      ).allowed
    ).toBe(2);
  });

  it('takes the minimum of the budgets that apply to the reason', () => {
    const budgets = [{ nodes: '50%' }, { nodes: '2', reasons: ['Drifted'] }, { nodes: '0', reasons: ['Empty'] }];
    const now = at('2026-01-01T00:00:00Z');
    expect(allowedDisruptions(budgets, 'Drifted', counts, now).allowed).toBe(2);
    expect(allowedDisruptions(budgets, 'Empty', counts, now).allowed).toBe(0);
    expect(allowedDisruptions(budgets, 'Underutilized', counts, now).allowed).toBe(5);
    // Expiration is not a budget reason Karpenter knows: only reason-less budgets hold it.
    expect(allowedDisruptions(budgets, 'Expired', counts, now).allowed).toBe(5);
  });

  it('spends nodes already disrupting and NotReady nodes first', () => {
    const verdict = allowedDisruptions(
      [{ nodes: '3' }],
      'Empty',
      { nodes: 10, deleting: 2, notReady: 1 },
      at('2026-01-01T00:00:00Z')
    );
    expect(verdict.allowed).toBe(0);
    expect(verdict.why).toContain('2 disrupting, 1 NotReady');
  });

  it('applies a scheduled budget only inside its window', () => {
    // Nothing may be disrupted 09:00–17:00 UTC on weekdays.
    const budgets = [{ nodes: '100%' }, { nodes: '0', schedule: '0 9 * * mon-fri', duration: '8h' }];
    expect(allowedDisruptions(budgets, 'Drifted', counts, at('2026-11-25T10:30:00Z')).allowed).toBe(0); // Wednesday
    expect(allowedDisruptions(budgets, 'Drifted', counts, at('2026-11-25T17:00:00Z')).allowed).toBe(10);
    expect(allowedDisruptions(budgets, 'Drifted', counts, at('2026-11-28T10:30:00Z')).allowed).toBe(10); // Saturday
  });

  it('fails closed on a budget it cannot read', () => {
    const verdict = allowedDisruptions(
      [{ nodes: '100%' }, { nodes: '0', schedule: 'whenever', duration: '1h' }],
      'Empty',
      counts,
      at('2026-01-01T00:00:00Z')
    );
    expect(verdict.allowed).toBe(0);
    expect(verdict.why).toContain('invalid budget');
  });

  it('allows anything when no budget is active', () => {
    const budgets = [{ nodes: '0', schedule: '@daily', duration: '1h' }];
    expect(allowedDisruptions(budgets, 'Empty', counts, at('2026-01-01T12:00:00Z')).allowed).toBe(
      Number.POSITIVE_INFINITY
    );
    expect(allowedDisruptions(budgets, 'Empty', counts, at('2026-01-01T00:30:00Z')).allowed).toBe(0);
  });
});

describe('cron', () => {
  it('reads macros, names, ranges, steps and lists', () => {
    expect(cronActive(parseCron('@hourly'), 60_000, at('2026-03-01T05:00:30Z'))).toBe(true);
    expect(cronActive(parseCron('*/15 * * * *'), 60_000, at('2026-03-01T05:45:10Z'))).toBe(true);
    expect(cronActive(parseCron('*/15 * * * *'), 60_000, at('2026-03-01T05:46:10Z'))).toBe(false);
    expect(cronActive(parseCron('0 0 1 jan,jul *'), 3_600_000, at('2026-07-01T00:59:00Z'))).toBe(true);
    expect(cronActive(parseCron('0 0 * * 7'), 60_000, at('2026-11-29T00:00:00Z'))).toBe(true); // Sunday as 7
  });

  it('ORs day-of-month and day-of-week when both are restricted, as cron does', () => {
    const schedule = parseCron('0 12 1 * fri');
    expect(cronActive(schedule, 60_000, at('2026-11-27T12:00:00Z'))).toBe(true); // a Friday
    expect(cronActive(schedule, 60_000, at('2026-12-01T12:00:00Z'))).toBe(true); // the 1st, a Tuesday
    expect(cronActive(schedule, 60_000, at('2026-12-02T12:00:00Z'))).toBe(false);
  });

  it('rejects what is not cron, saying why', () => {
    expect(() => parseCron('* * *')).toThrow(CronError);
    expect(() => parseCron('61 * * * *')).toThrow('not in 0-59');
  });
});
