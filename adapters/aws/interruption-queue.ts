import { DeleteMessageCommand, GetQueueUrlCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { InterruptionQueue } from '../../activities/interruption/activities.js';
import { parseInterruptionMessage } from './interruption-messages.js';

/** The interruption queue on SQS, named (as Karpenter's `--interruption-queue`) or given by URL. */
export function sqsInterruptionQueue(sqs: SQSClient, queue: string): InterruptionQueue {
  let url: Promise<string> | undefined;
  const queueUrl = (): Promise<string> => {
    url ??=
      queue.startsWith('https://') || queue.startsWith('http://')
        ? Promise.resolve(queue)
        : sqs.send(new GetQueueUrlCommand({ QueueName: queue })).then((r) => r.QueueUrl!);
    // A failed look-up is not cached: the next poll asks again.
    url.catch(() => (url = undefined));
    return url;
  };
  return {
    async receive(waitSeconds) {
      const response = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: await queueUrl(),
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: Math.min(20, Math.max(0, Math.round(waitSeconds))),
        })
      );
      return (response.Messages ?? []).map((m) => ({
        id: m.MessageId ?? '',
        receiptHandle: m.ReceiptHandle ?? '',
        body: m.Body ?? '',
      }));
    },
    async delete(receiptHandle) {
      await sqs.send(new DeleteMessageCommand({ QueueUrl: await queueUrl(), ReceiptHandle: receiptHandle }));
    },
    // EventBridge events: spot interruption, rebalance, state change, scheduled health events.
    parse: parseInterruptionMessage,
  };
}
