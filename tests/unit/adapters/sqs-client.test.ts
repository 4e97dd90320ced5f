import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import type { Sqs } from '#shared/adapters/clients/sqs.ts';
import { sqs } from '#shared/adapters/clients/sqs.ts';
import { loadSqs } from '#shared/adapters/clients/sqs-lazy.ts';
import { SqsDeliveryQueue } from '#shared/adapters/webhooks/delivery-queue.ts';

describe('the SQS client of an execution environment', () => {
  it('is one client, built at module load, with the command the product sends', () => {
    expect(sqs.client).toBeInstanceOf(SQSClient);
    expect(sqs.SendMessageCommand).toBe(SendMessageCommand);
  });

  it('is the same client when loaded on first use, however often it is loaded', async () => {
    const [first, second] = await Promise.all([loadSqs(), loadSqs()]);
    expect(first).toBe(sqs);
    expect(second).toBe(sqs);
    expect(await loadSqs()).toBe(sqs);
  });

  it('is asked for by the delivery queue only when it sends, and carries what it sends', async () => {
    const sent: unknown[] = [];
    let loads = 0;
    const client = {
      send: async (command: unknown) => {
        sent.push(command);
        return {};
      },
    } as unknown as SQSClient;
    const queue = new SqsDeliveryQueue(async (): Promise<Sqs> => {
      loads++;
      return { client, SendMessageCommand };
    }, 'https://sqs.example/queue');
    expect(loads).toBe(0);
    await queue.enqueue({ deliveryId: 'd', sequence: 1, attempt: 2 }, 30);
    await queue.enqueue({ deliveryId: 'd', sequence: 1, attempt: 3 }, 9_999);
    expect(loads).toBe(2);
    expect(sent).toHaveLength(2);
    expect(sent[0]).toBeInstanceOf(SendMessageCommand);
    expect((sent[0] as SendMessageCommand).input).toMatchObject({
      QueueUrl: 'https://sqs.example/queue',
      DelaySeconds: 30,
      MessageBody: JSON.stringify({ deliveryId: 'd', sequence: 1, attempt: 2 }),
    });
    expect((sent[1] as SendMessageCommand).input).toMatchObject({ DelaySeconds: 900 });
  });

  it('surfaces a failed load as a failed send (SQS retries the message), never as a silent drop', async () => {
    const queue = new SqsDeliveryQueue(async () => {
      throw new Error('chunk missing');
    }, 'https://sqs.example/queue');
    await expect(queue.enqueue({ deliveryId: 'd', sequence: 1, attempt: 2 }, 0)).rejects.toThrow(
      'chunk missing',
    );
  });
});
