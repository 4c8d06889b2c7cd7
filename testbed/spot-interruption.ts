import { randomUUID } from 'node:crypto';

/**
 * The EventBridge event EC2 puts on the interruption queue two minutes before it takes a spot instance back, as the
 * test bed sends it (the emulator sends none of its own).
 */
export function spotInterruptionEvent(region: string, instanceId: string, now = new Date()): string {
  return JSON.stringify({
    version: '0',
    id: randomUUID(),
    'detail-type': 'EC2 Spot Instance Interruption Warning',
    source: 'aws.ec2',
    account: '123456789012',
    time: now.toISOString(),
    region,
    resources: [`arn:aws:ec2:${region}:123456789012:instance/${instanceId}`],
    detail: { 'instance-id': instanceId, 'instance-action': 'terminate' },
  });
}
