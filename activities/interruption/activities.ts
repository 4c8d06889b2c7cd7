import { Context } from '@temporalio/activity';
import { DRAINS, type InterruptionKind, type InterruptionMessage } from '../../core/interruption/messages.js';
import type { DisruptOutcome } from '../disruption/activities.js';
import { noopMetrics, type AutoscalerMetrics } from '../metrics.js';

export interface QueueMessage {
  id: string;
  receiptHandle: string;
  body: string;
}

/** The interruption queue (SQS in AWS), which also knows its cloud's message format. */
export interface InterruptionQueue {
  /** Long-polls up to `waitSeconds` for up to 10 messages. */
  receive(waitSeconds: number): Promise<QueueMessage[]>;
  delete(receiptHandle: string): Promise<void>;
  /** One message's body as an interruption; throws a `MalformedInterruptionMessage` (by type) for anything else. */
  parse(body: string): InterruptionMessage;
}

export interface InterruptionDeps {
  queue: InterruptionQueue;
  /** The NodeClaim (and its Node) whose instance has this id; undefined when none of ours. */
  findNodeClaim(instanceId: string): Promise<{ nodeClaim: string; nodeName?: string; nodePool?: string } | undefined>;
  disruptNodeClaim(
    name: string,
    request: { reason: string; requestedBy: string; force?: boolean }
  ): Promise<DisruptOutcome>;
  recordEvent(
    object: { kind: 'Node' | 'NodeClaim'; name: string },
    type: 'Normal' | 'Warning',
    reason: string,
    message: string
  ): Promise<void>;
  /** Marks the spot offering of an interrupted instance unavailable (Karpenter's ICE cache), when known. */
  markSpotUnavailable?(instanceId: string): Promise<void>;
  metrics?: AutoscalerMetrics;
}

export interface HandledMessage {
  id: string;
  kind: InterruptionKind | 'malformed';
  action: string;
}

export interface ConsumeResult {
  handled: HandledMessage[];
  malformed: number;
}

const REASONS: Record<InterruptionKind, string> = {
  spot_interrupted: 'SpotInterrupted',
  rebalance_recommendation: 'RebalanceRecommendation',
  scheduled_change: 'ScheduledChange',
  instance_stopped: 'InstanceStopping',
  instance_terminated: 'InstanceTerminating',
  no_action: 'NoAction',
};

export function createInterruptionActivities(deps: InterruptionDeps) {
  const metrics = deps.metrics ?? noopMetrics;
  async function handle(message: QueueMessage): Promise<HandledMessage> {
    let parsed;
    try {
      parsed = deps.queue.parse(message.body);
    } catch (err) {
      if ((err as { type?: unknown }).type !== 'MalformedInterruptionMessage') throw err;
      metrics.interruptionReceived('malformed');
      // Karpenter deletes what it cannot parse: leaving it would redeliver it forever.
      Context.current().log.warn('dropped a malformed interruption message', {
        messageId: message.id,
        error: (err as Error).message,
      });
      return { id: message.id, kind: 'malformed', action: `dropped: ${(err as Error).message}` };
    }
    metrics.interruptionReceived(parsed.kind);
    const actions: string[] = [];
    for (const instanceId of parsed.instanceIds) {
      const owner = await deps.findNodeClaim(instanceId);
      if (!owner) {
        actions.push(`${instanceId}: not ours`);
        continue;
      }
      const reason = REASONS[parsed.kind];
      const message_ = `${parsed.detailType} for ${instanceId} at ${parsed.time}`;
      if (owner.nodeName) await deps.recordEvent({ kind: 'Node', name: owner.nodeName }, 'Warning', reason, message_);
      await deps.recordEvent({ kind: 'NodeClaim', name: owner.nodeClaim }, 'Warning', reason, message_);
      if (!DRAINS[parsed.kind]) {
        actions.push(`${owner.nodeClaim}: event only`);
        continue;
      }
      if (parsed.kind === 'spot_interrupted') await deps.markSpotUnavailable?.(instanceId);
      // Forced: the instance goes away whatever a do-not-disrupt pod says; draining now is the pods' best chance.
      const outcome = await deps.disruptNodeClaim(owner.nodeClaim, {
        reason: `Interrupted: ${message_}`,
        requestedBy: 'interruption',
        force: true,
      });
      if (outcome.accepted) metrics.nodeClaimDisrupted(owner.nodePool ?? '', parsed.kind);
      actions.push(`${owner.nodeClaim}: ${outcome.accepted ? 'draining' : `not drained (${outcome.why})`}`);
    }
    return { id: message.id, kind: parsed.kind, action: actions.join('; ') || 'no instance named' };
  }

  return {
    /**
     * Consumes the interruption queue for `runForMs`, heartbeating between polls, so a dead worker's consumer is
     * replaced within the heartbeat timeout. Each message is deleted once handled (or found malformed).
     */
    async consumeInterruptions(input: { runForMs: number; waitSeconds?: number }): Promise<ConsumeResult> {
      const until = Date.now() + input.runForMs;
      const result: ConsumeResult = { handled: [], malformed: 0 };
      const context = Context.current();
      while (Date.now() < until && !context.cancellationSignal.aborted) {
        const messages = await deps.queue.receive(input.waitSeconds ?? 5);
        for (const message of messages) {
          const handled = await handle(message);
          await deps.queue.delete(message.receiptHandle);
          result.handled.push(handled);
          if (handled.kind === 'malformed') result.malformed += 1;
          else
            context.log.info('handled an interruption message', {
              messageId: message.id,
              kind: handled.kind,
              action: handled.action,
            });
        }
        context.heartbeat(result.handled.length);
      }
      return result;
    },
  };
}

export type InterruptionActivities = ReturnType<typeof createInterruptionActivities>;
