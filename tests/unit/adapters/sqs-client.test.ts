import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { sqs } from '#shared/adapters/clients/sqs.ts';
import { SqsDeliveryQueue } from '#shared/adapters/webhooks/delivery-queue.ts';

describe('the SQS client of an execution environment', () => {
  it('is one client, built on the first call', () => {
    const client = sqs();
    expect(client).toBeInstanceOf(SQSClient);
    expect(sqs()).toBe(client);
  });

  it('is asked for by the delivery queue only when it sends', async () => {
    const sent: unknown[] = [];
    let built = 0;
    const client = {
      send: async (command: unknown) => {
        sent.push(command);
        return {};
      },
    } as unknown as SQSClient;
    const queue = new SqsDeliveryQueue(() => {
      built++;
      return client;
    }, 'https://sqs.example/queue');
    expect(built).toBe(0);
    await queue.enqueue({ deliveryId: 'd', sequence: 1, attempt: 2 }, 30);
    await queue.enqueue({ deliveryId: 'd', sequence: 1, attempt: 3 }, 9_999);
    expect(built).toBe(2);
    expect(sent).toHaveLength(2);
    expect(sent[0]).toBeInstanceOf(SendMessageCommand);
    expect((sent[1] as SendMessageCommand).input).toMatchObject({
      QueueUrl: 'https://sqs.example/queue',
      DelaySeconds: 900,
    });
  });
});
