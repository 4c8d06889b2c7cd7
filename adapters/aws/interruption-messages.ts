/**
 * EC2's interruption notices as EventBridge delivers them to the interruption queue (Karpenter `pkg/providers/sqs`
 * and `interruption/messages`), parsed into the cloud-neutral InterruptionMessage.
 */
import { z } from 'zod';
import { MalformedInterruptionMessage, type InterruptionMessage } from '../../core/interruption/messages.js';

const Envelope = z.object({
  version: z.string().optional(),
  id: z.string().optional(),
  'detail-type': z.string(),
  source: z.string(),
  time: z.string().optional(),
  resources: z.array(z.string()).optional(),
  detail: z.record(z.string(), z.unknown()),
});
const InstanceDetail = z.object({ 'instance-id': z.string().regex(/^i-[0-9a-f]+$/) }).loose();
const StateDetail = InstanceDetail.extend({ state: z.string() });
const HealthDetail = z
  .object({
    service: z.string(),
    eventTypeCategory: z.string(),
    affectedEntities: z.array(z.object({ entityValue: z.string() })).default([]),
  })
  .loose();

/**
 * Parses an EventBridge event as delivered to the interruption queue. Throws MalformedInterruptionMessage, with
 * what was wrong, for anything that is not one: the consumer logs it and deletes it, as Karpenter does.
 */
export function parseInterruptionMessage(body: string): InterruptionMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new MalformedInterruptionMessage(`not JSON: ${body.slice(0, 80)}`);
  }
  const envelope = Envelope.safeParse(json);
  if (!envelope.success)
    throw new MalformedInterruptionMessage(
      `not an EventBridge event: ${envelope.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`
    );
  const e = envelope.data;
  const time = e.time ?? new Date(0).toISOString();
  const base = { time, detailType: e['detail-type'] };
  const instance = (schema: typeof InstanceDetail | typeof StateDetail) => {
    const detail = schema.safeParse(e.detail);
    if (!detail.success)
      throw new MalformedInterruptionMessage(
        `${e['detail-type']} without a valid detail.instance-id: ${detail.error.issues.map((i) => i.message).join('; ')}`
      );
    return detail.data as z.infer<typeof StateDetail>;
  };
  if (e.source === 'aws.ec2') {
    switch (e['detail-type']) {
      case 'EC2 Spot Instance Interruption Warning':
        return { ...base, kind: 'spot_interrupted', instanceIds: [instance(InstanceDetail)['instance-id']] };
      case 'EC2 Instance Rebalance Recommendation':
        return { ...base, kind: 'rebalance_recommendation', instanceIds: [instance(InstanceDetail)['instance-id']] };
      case 'EC2 Instance State-change Notification': {
        const detail = instance(StateDetail);
        const kind =
          detail.state === 'stopping' || detail.state === 'stopped'
            ? 'instance_stopped'
            : detail.state === 'shutting-down' || detail.state === 'terminated'
              ? 'instance_terminated'
              : 'no_action';
        return { ...base, kind, instanceIds: [detail['instance-id']] };
      }
    }
  }
  if (e.source === 'aws.health' && e['detail-type'] === 'AWS Health Event') {
    const detail = HealthDetail.safeParse(e.detail);
    if (!detail.success) throw new MalformedInterruptionMessage('AWS Health Event without service and category');
    if (detail.data.service === 'EC2' && detail.data.eventTypeCategory === 'scheduledChange')
      return {
        ...base,
        kind: 'scheduled_change',
        instanceIds: detail.data.affectedEntities.map((a) => a.entityValue).filter((v) => v.startsWith('i-')),
      };
    return { ...base, kind: 'no_action', instanceIds: [] };
  }
  return { ...base, kind: 'no_action', instanceIds: [] };
}
