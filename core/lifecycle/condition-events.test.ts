import { describe, expect, it } from '@jest/globals';
import { conditionEvents } from './condition-events.js';

const at = '2026-06-01T12:00:00Z';
const cond = (type: string, status: 'True' | 'False' | 'Unknown', reason = type, message = '') => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: at,
});

describe('NodeClaim condition events', () => {
  it('tells each step of a NodeClaim’s life once, and its failures as warnings', () => {
    const events = conditionEvents([
      cond('Launched', 'True'),
      cond('Registered', 'True'),
      cond('Initialized', 'True'),
      cond('Ready', 'True'),
      cond('DisruptionReason', 'True', 'Underutilized', 'Underutilized: delete ip-1; saves $0.1/h'),
      cond('Drained', 'Unknown', 'Draining', '1 pod(s) left; refused by a PodDisruptionBudget: default/web'),
    ]);
    expect(events.map((e) => [e.type, e.reason])).toEqual([
      ['Normal', 'Launched'],
      ['Normal', 'Registered'],
      ['Normal', 'Initialized'],
      ['Normal', 'DisruptionTerminating'],
      ['Warning', 'DrainBlocked'],
    ]);
    expect(conditionEvents([cond('Launched', 'False', 'InsufficientCapacity', 'no m5.large')])).toEqual([
      expect.objectContaining({
        type: 'Warning',
        reason: 'InsufficientCapacity',
        message: 'launch failed: no m5.large',
      }),
    ]);
  });

  it('gives a new key only to a new transition', () => {
    const [first] = conditionEvents([cond('Launched', 'True')]);
    const [again] = conditionEvents([cond('Launched', 'True')]);
    const [later] = conditionEvents([{ ...cond('Launched', 'True'), lastTransitionTime: '2026-06-01T13:00:00Z' }]);
    expect(again!.key).toBe(first!.key);
    expect(later!.key).not.toBe(first!.key);
  });

  it('says nothing for a drain that is merely in progress', () => {
    expect(conditionEvents([cond('Drained', 'Unknown', 'Draining', '3 pod(s) left in tier 1')])).toEqual([]);
  });
});
