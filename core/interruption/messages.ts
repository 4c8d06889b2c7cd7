/**
 * What an interruption is, whatever cloud reports it (Karpenter's interruption message kinds). Each cloud parses its
 * own notices into these: EC2's EventBridge events in `adapters/aws/interruption-messages.ts`.
 */

/** Karpenter's interruption message kinds (`pkg/providers/sqs` + `interruption/messages`). */
export type InterruptionKind =
  | 'spot_interrupted'
  | 'rebalance_recommendation'
  | 'scheduled_change'
  | 'instance_stopped'
  | 'instance_terminated'
  | 'no_action';

export interface InterruptionMessage {
  kind: InterruptionKind;
  instanceIds: string[];
  /** When EventBridge saw it; for spot, the 2-minute notice counts from here. */
  time: string;
  /** The EventBridge `detail-type`, for logs and Events. */
  detailType: string;
}

/** Whether the kind drains the node (CordonAndDrain) or only deserves an Event. */
export const DRAINS: Record<InterruptionKind, boolean> = {
  spot_interrupted: true,
  scheduled_change: true,
  instance_stopped: true,
  instance_terminated: true,
  rebalance_recommendation: false,
  no_action: false,
};

/** A queue message that is no notice this cloud knows; the consumer logs it and deletes it, as Karpenter does. */
export class MalformedInterruptionMessage extends Error {
  readonly type = 'MalformedInterruptionMessage';
}
