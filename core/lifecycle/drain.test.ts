import { describe, expect, it } from '@jest/globals';
import { planDrain, type DrainPod } from './drain.js';

const now = new Date('2026-11-27T12:00:00Z');
const pod = (name: string, extra: Partial<DrainPod> = {}): DrainPod => ({
  namespace: 'default',
  name,
  uid: name,
  phase: 'Running',
  toleratesDisruption: false,
  mirror: false,
  ...extra,
});
const names = (pods: { name: string }[]) => pods.map((p) => p.name).sort();

describe('planDrain', () => {
  it('evicts non-critical workload pods first and leaves DaemonSet and critical pods for later tiers', () => {
    const plan = planDrain(
      [
        pod('web'),
        pod('agent', { ownerKind: 'DaemonSet' }),
        pod('dns', { priorityClassName: 'system-cluster-critical' }),
        pod('cni', { ownerKind: 'DaemonSet', priorityClassName: 'system-node-critical' }),
      ],
      now
    );
    expect(plan.tier).toBe(1);
    expect(names(plan.evict)).toEqual(['web']);
    expect(plan.remaining).toBe(4);
  });

  it('moves to the next tier only when the previous one is empty, in the order Karpenter uses', () => {
    const order: number[] = [];
    let pods = [
      pod('cni', { ownerKind: 'DaemonSet', priorityClassName: 'system-node-critical' }),
      pod('dns', { priorityClassName: 'system-cluster-critical' }),
      pod('agent', { ownerKind: 'DaemonSet' }),
      pod('web'),
    ];
    while (pods.length > 0) {
      const plan = planDrain(pods, now);
      order.push(plan.tier!);
      pods = pods.filter((p) => !plan.evict.includes(p));
    }
    expect(order).toEqual([1, 2, 3, 4]);
  });

  it('waits for terminating pods of the current tier without evicting them again', () => {
    const plan = planDrain(
      [pod('web', { deletionTimestamp: '2026-11-27T11:59:50Z' }), pod('agent', { ownerKind: 'DaemonSet' })],
      now
    );
    expect(plan.evict).toEqual([]);
    expect(plan.tier).toBe(1);
    expect(plan.remaining).toBe(2);
  });

  it('ignores finished, mirror, disruption-tolerating and long-stuck terminating pods', () => {
    const plan = planDrain(
      [
        pod('done', { phase: 'Succeeded' }),
        pod('static', { mirror: true }),
        pod('tolerant', { toleratesDisruption: true }),
        pod('stuck', { deletionTimestamp: '2026-11-27T11:58:00Z' }),
      ],
      now
    );
    expect(plan.remaining).toBe(0);
    expect(plan.tier).toBeUndefined();
  });

  it('does not evict a do-not-disrupt pod but keeps it holding the drain', () => {
    const plan = planDrain([pod('precious', { doNotDisrupt: 'true' }), pod('web')], now);
    expect(names(plan.evict)).toEqual(['web']);
    expect(names(plan.blocked)).toEqual(['precious']);
    expect(plan.remaining).toBe(2);
  });

  it('honours a do-not-disrupt duration only until it has passed since pod start', () => {
    const started = '2026-11-27T11:00:00Z';
    expect(names(planDrain([pod('a', { doNotDisrupt: '2h', startTime: started })], now).blocked)).toEqual(['a']);
    expect(names(planDrain([pod('a', { doNotDisrupt: '30m', startTime: started })], now).evict)).toEqual(['a']);
  });

  it('force-deletes pods whose grace period would outlast the termination deadline, bypassing do-not-disrupt', () => {
    const deadline = new Date(now.getTime() + 20_000);
    const plan = planDrain(
      [
        pod('slow', { terminationGracePeriodSeconds: 30, doNotDisrupt: 'true' }),
        pod('fast', { terminationGracePeriodSeconds: 5 }),
      ],
      now,
      deadline
    );
    expect(plan.forceDelete.map((f) => [f.pod.name, f.gracePeriodSeconds])).toEqual([['slow', 20]]);
    expect(names(plan.evict)).toEqual(['fast']);
    expect(plan.blocked).toEqual([]);
  });
});
