/**
 * The local SQS's message move tasks (DLQ redrive), driven by the unmodified @aws-sdk/client-sqs.
 */
import {
  CancelMessageMoveTaskCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  ResourceNotFoundException,
  SendMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalSqs, type QueueDefinition } from '#local/sqs/index.ts';

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const arn = (name: string) => `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;
const QUEUES: QueueDefinition[] = [
  {
    name: 'jobs',
    visibilityTimeoutSeconds: 0,
    redrivePolicy: { deadLetterTargetArn: arn('jobs-dlq'), maxReceiveCount: 1 },
  },
  { name: 'jobs-dlq' },
  { name: 'elsewhere' },
];

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start() {
  const sqs = new LocalSqs({ queues: QUEUES, region: REGION, accountId: ACCOUNT, log: () => {} });
  const client = new SQSClient({
    endpoint: await sqs.listen(0),
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  cleanups.push(async () => {
    client.destroy();
    await sqs.close();
  });
  const url = async (name: string) =>
    (await client.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl!;
  /** Sends `count` messages to jobs and receives each twice without deleting: the second receive dead-letters it. */
  const deadLetter = async (count: number) => {
    const jobs = await url('jobs');
    for (let i = 0; i < count; i++)
      await client.send(new SendMessageCommand({ QueueUrl: jobs, MessageBody: `job ${i}` }));
    for (let round = 0; round < 2; round++)
      await client.send(new ReceiveMessageCommand({ QueueUrl: jobs, MaxNumberOfMessages: 10 }));
    expect(sqs.engine.counts('jobs-dlq').visible).toBe(count);
  };
  const waitForStatus = async (source: string, status: string) => {
    for (let i = 0; i < 100; i++) {
      const { Results = [] } = await client.send(new ListMessageMoveTasksCommand({ SourceArn: source }));
      if (Results[0]?.Status === status) return Results[0];
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`move task never reached ${status}`);
  };
  return { sqs, client, url, deadLetter, waitForStatus };
}

describe('local SQS message move tasks', () => {
  it('moves dead-lettered messages back to the queue they came from', async () => {
    const { sqs, client, url, deadLetter, waitForStatus } = await start();
    await deadLetter(3);
    const { TaskHandle } = await client.send(new StartMessageMoveTaskCommand({ SourceArn: arn('jobs-dlq') }));
    expect(TaskHandle).toBeTruthy();
    const done = await waitForStatus(arn('jobs-dlq'), 'COMPLETED');
    expect(done).toMatchObject({ ApproximateNumberOfMessagesMoved: 3, ApproximateNumberOfMessagesToMove: 3 });
    expect(done.TaskHandle).toBeUndefined();
    expect(sqs.engine.counts('jobs-dlq').visible).toBe(0);
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({ QueueUrl: await url('jobs'), MaxNumberOfMessages: 10 }),
    );
    expect(Messages.map((m) => m.Body).sort()).toEqual(['job 0', 'job 1', 'job 2']);
  });

  it('moves to DestinationArn at the requested rate, and can be cancelled while running', async () => {
    const { sqs, client, deadLetter, waitForStatus } = await start();
    await deadLetter(6);
    const { TaskHandle } = await client.send(
      new StartMessageMoveTaskCommand({
        SourceArn: arn('jobs-dlq'),
        DestinationArn: arn('elsewhere'),
        MaxNumberOfMessagesPerSecond: 1,
      }),
    );
    const running = await waitForStatus(arn('jobs-dlq'), 'RUNNING');
    expect(running).toMatchObject({ DestinationArn: arn('elsewhere'), MaxNumberOfMessagesPerSecond: 1 });
    await expect(
      client.send(new StartMessageMoveTaskCommand({ SourceArn: arn('jobs-dlq') })),
    ).rejects.toThrow(/already a task running/);
    const cancelled = await client.send(new CancelMessageMoveTaskCommand({ TaskHandle }));
    expect(cancelled.ApproximateNumberOfMessagesMoved).toBeLessThan(6);
    await waitForStatus(arn('jobs-dlq'), 'CANCELLED');
    const moved = sqs.engine.counts('elsewhere').visible;
    expect(moved + sqs.engine.counts('jobs-dlq').visible).toBe(6);
    expect(moved).toBeLessThan(6);
  });

  it('refuses a source that is no dead-letter queue and unknown queues or handles', async () => {
    const { client } = await start();
    await expect(
      client.send(new StartMessageMoveTaskCommand({ SourceArn: arn('elsewhere') })),
    ).rejects.toThrow(/dead-letter queue/);
    await expect(
      client.send(new StartMessageMoveTaskCommand({ SourceArn: arn('missing') })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(
      client.send(new CancelMessageMoveTaskCommand({ TaskHandle: 'nope' })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(
      client.send(
        new StartMessageMoveTaskCommand({ SourceArn: arn('jobs-dlq'), MaxNumberOfMessagesPerSecond: 501 }),
      ),
    ).rejects.toThrow(/MaxNumberOfMessagesPerSecond/);
  });

  it('ListDeadLetterSourceQueues names the queues whose redrive policy targets a queue', async () => {
    const { client, url } = await start();
    const sources = await client.send(
      new ListDeadLetterSourceQueuesCommand({ QueueUrl: await url('jobs-dlq') }),
    );
    expect(sources.queueUrls).toEqual([await url('jobs')]);
    const none = await client.send(
      new ListDeadLetterSourceQueuesCommand({ QueueUrl: await url('elsewhere') }),
    );
    expect(none.queueUrls ?? []).toEqual([]);
  });
});
