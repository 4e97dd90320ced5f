import type { DeliveryMessage } from '../../domain/webhooks/model';
import type { DeliveryQueue } from '../../domain/webhooks/ports';
import { MAX_SQS_DELAY_SECONDS } from '../../domain/webhooks/retry';
import type { Sqs } from '../clients/sqs';

/**
 * The deliveries queue: one message per attempt to make, delayed by SQS itself (durable across restarts).
 * Takes the client, or its loader (clients/sqs-lazy.ts), which is called on each send: the first
 * send loads the SQS SDK and builds the client.
 */
export class SqsDeliveryQueue implements DeliveryQueue {
  private readonly sqs: () => Promise<Sqs>;

  constructor(
    sqs: Sqs | (() => Promise<Sqs>),
    private readonly queueUrl: string,
  ) {
    this.sqs = typeof sqs === 'function' ? sqs : async () => sqs;
  }

  async enqueue(message: DeliveryMessage, delaySeconds: number): Promise<void> {
    const { client, SendMessageCommand } = await this.sqs();
    await client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(message),
        DelaySeconds: Math.min(MAX_SQS_DELAY_SECONDS, Math.max(0, Math.ceil(delaySeconds))),
      }),
    );
  }
}

/** Reads a queue message body; undefined for anything that is not a DeliveryMessage. */
export function parseDeliveryMessage(body: string): DeliveryMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const m = value as Record<string, unknown>;
  const positive = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 1;
  if (typeof m.deliveryId !== 'string' || !positive(m.sequence) || !positive(m.attempt)) return undefined;
  if (m.notBefore !== undefined && !Number.isSafeInteger(m.notBefore)) return undefined;
  if (m.paced !== undefined && (m.paced !== true || m.notBefore === undefined)) return undefined;
  if (m.subscriptionId !== undefined && typeof m.subscriptionId !== 'string') return undefined;
  return {
    deliveryId: m.deliveryId,
    sequence: m.sequence,
    attempt: m.attempt,
    ...(m.notBefore !== undefined && { notBefore: m.notBefore as number }),
    ...(m.paced === true && { paced: true as const }),
    ...(typeof m.subscriptionId === 'string' && { subscriptionId: m.subscriptionId }),
  };
}
