import { describe, expect, it } from '@jest/globals';
import { MalformedInterruptionMessage } from '../../core/interruption/messages.js';
import { parseInterruptionMessage } from './interruption-messages.js';

const event = (detailType: string, detail: Record<string, unknown>, source = 'aws.ec2') =>
  JSON.stringify({ version: '0', id: 'e1', 'detail-type': detailType, source, time: '2026-06-01T12:00:00Z', detail });

describe('interruption messages', () => {
  it('reads the EventBridge events Karpenter acts on', () => {
    expect(
      parseInterruptionMessage(event('EC2 Spot Instance Interruption Warning', { 'instance-id': 'i-0abc' }))
    ).toEqual({
      kind: 'spot_interrupted',
      instanceIds: ['i-0abc'],
      time: '2026-06-01T12:00:00Z',
      detailType: 'EC2 Spot Instance Interruption Warning',
    });
    expect(
      parseInterruptionMessage(event('EC2 Instance Rebalance Recommendation', { 'instance-id': 'i-1' })).kind
    ).toBe('rebalance_recommendation');
    const state = (s: string) =>
      parseInterruptionMessage(event('EC2 Instance State-change Notification', { 'instance-id': 'i-1', state: s }))
        .kind;
    expect(state('stopping')).toBe('instance_stopped');
    expect(state('terminated')).toBe('instance_terminated');
    expect(state('running')).toBe('no_action');
    const health = parseInterruptionMessage(
      event(
        'AWS Health Event',
        {
          service: 'EC2',
          eventTypeCategory: 'scheduledChange',
          affectedEntities: [{ entityValue: 'i-2' }, { entityValue: 'vol-1' }],
        },
        'aws.health'
      )
    );
    expect(health).toMatchObject({ kind: 'scheduled_change', instanceIds: ['i-2'] });
  });

  it('says what is wrong with a malformed message', () => {
    expect(() => parseInterruptionMessage('{"nope"')).toThrow(MalformedInterruptionMessage);
    expect(() => parseInterruptionMessage('{"source": "aws.ec2"}')).toThrow(/not an EventBridge event: detail-type/);
    expect(() =>
      parseInterruptionMessage(event('EC2 Spot Instance Interruption Warning', { 'instance-id': 'vol-1' }))
    ).toThrow(/instance-id/);
  });

  it('ignores events of other kinds without failing', () => {
    expect(parseInterruptionMessage(event('Something Else', {}, 'aws.s3')).kind).toBe('no_action');
  });
});
