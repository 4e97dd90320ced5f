import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalSqs, type QueueDefinition, type SqsRecord, startSqsEventSource } from '#local/sqs/index.ts';

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const QUEUES: QueueDefinition[] = [
  {
    name: 'jobs',
    visibilityTimeoutSeconds: 1,
    redrivePolicy: { deadLetterTargetArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:jobs-dlq`, maxReceiveCount: 2 },
  },
  { name: 'jobs-dlq' },
  { name: 'other' },
];

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startSqs(options: { dataDir?: string; lines?: string[] } = {}) {
  const sqs = new LocalSqs({
    queues: QUEUES,
    region: REGION,
    accountId: ACCOUNT,
    dataDir: options.dataDir,
    log: (line) => options.lines?.push(line),
  });
  const endpoint = await sqs.listen(0);
  const client = new SQSClient({
    endpoint,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  cleanups.push(async () => {
    client.destroy();
    await sqs.close();
  });
  const url = async (name: string) =>
    (await client.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl!;
  return { sqs, endpoint, client, url };
}

describe('LocalSqs with the AWS SDK', () => {
  it('sends, receives (with attributes and MD5s the SDK validates) and deletes', async () => {
    const { client, url, endpoint } = await startSqs();
    const QueueUrl = await url('jobs');
    expect(QueueUrl).toBe(`${endpoint}/${ACCOUNT}/jobs`);
    const sent = await client.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: '{"hello":"wörld"}',
        MessageAttributes: { timestamp: { DataType: 'Number', StringValue: '1493147359900' } },
      }),
    );
    expect(sent.MD5OfMessageAttributes).toBe('235c5c510d26fb653d073faed50ae77c');
    const received = await client.send(
      new ReceiveMessageCommand({
        QueueUrl,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
      }),
    );
    expect(received.Messages).toHaveLength(1);
    const message = received.Messages![0]!;
    expect(message).toMatchObject({
      MessageId: sent.MessageId,
      Body: '{"hello":"wörld"}',
      MessageAttributes: { timestamp: { DataType: 'Number', StringValue: '1493147359900' } },
      MD5OfMessageAttributes: '235c5c510d26fb653d073faed50ae77c',
      Attributes: { ApproximateReceiveCount: '1' },
    });
    expect(Number(message.Attributes!.SentTimestamp)).toBeGreaterThan(Date.now() - 10_000);
    await client.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message.ReceiptHandle }));
    const attributes = await client.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }),
    );
    expect(attributes.Attributes).toMatchObject({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
      QueueArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:jobs`,
      VisibilityTimeout: '1',
    });
  });

  it('maps errors to the SDK error classes', async () => {
    const { client, endpoint } = await startSqs();
    const error = await client
      .send(new GetQueueUrlCommand({ QueueName: 'missing' }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueDoesNotExist);
    expect((error as QueueDoesNotExist).message).toBe('The specified queue does not exist.');
    const badHandle = await client
      .send(new DeleteMessageCommand({ QueueUrl: `${endpoint}/${ACCOUNT}/jobs`, ReceiptHandle: 'nope' }))
      .catch((e: unknown) => e);
    expect((badHandle as Error).name).toBe('ReceiptHandleIsInvalid');
  });

  it('re-delivers after the visibility timeout and redrives to the DLQ after maxReceiveCount', async () => {
    const { client, url } = await startSqs();
    const QueueUrl = await url('jobs');
    await client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'poison' }));
    const receiveOnce = () =>
      client.send(
        new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 3, MessageSystemAttributeNames: ['All'] }),
      );
    const first = await receiveOnce();
    expect(first.Messages![0]!.Attributes!.ApproximateReceiveCount).toBe('1');
    const second = await receiveOnce();
    expect(second.Messages![0]!.Attributes!.ApproximateReceiveCount).toBe('2');
    // The third receive finds the message exhausted and moves it to the DLQ instead.
    const third = await client.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 2 }));
    expect(third.Messages).toBeUndefined();
    const dead = await client.send(
      new ReceiveMessageCommand({ QueueUrl: await url('jobs-dlq'), MessageSystemAttributeNames: ['All'] }),
    );
    expect(dead.Messages![0]).toMatchObject({
      Body: 'poison',
      Attributes: { DeadLetterQueueSourceArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:jobs` },
    });
  });

  it('honours DelaySeconds and ChangeMessageVisibility', async () => {
    const { client, url } = await startSqs();
    const QueueUrl = await url('other');
    await client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'later', DelaySeconds: 1 }));
    expect((await client.send(new ReceiveMessageCommand({ QueueUrl }))).Messages).toBeUndefined();
    const delayed = await client.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessagesDelayed'] }),
    );
    expect(delayed.Attributes).toEqual({ ApproximateNumberOfMessagesDelayed: '1' });
    const started = Date.now();
    const received = await client.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 5 }));
    expect(received.Messages![0]!.Body).toBe('later');
    expect(Date.now() - started).toBeLessThan(3000);
    await client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl,
        ReceiptHandle: received.Messages![0]!.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    expect((await client.send(new ReceiveMessageCommand({ QueueUrl }))).Messages![0]!.Body).toBe('later');
  });

  it('handles batches, long polling, ListQueues and PurgeQueue', async () => {
    const { client, url, endpoint } = await startSqs();
    const QueueUrl = await url('other');
    const poll = client.send(
      new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 10, MaxNumberOfMessages: 10 }),
    );
    const batch = await client.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: [
          { Id: 'a', MessageBody: 'one' },
          { Id: 'b', MessageBody: 'two', DelaySeconds: 0 },
        ],
      }),
    );
    expect(batch.Successful!.map((e) => e.Id)).toEqual(['a', 'b']);
    expect(batch.Failed ?? []).toEqual([]);
    const polled = await poll;
    expect(polled.Messages!.length).toBeGreaterThanOrEqual(1);
    const rest = await client.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
    const all = [...polled.Messages!, ...(rest.Messages ?? [])];
    expect(all.map((m) => m.Body).sort()).toEqual(['one', 'two']);
    const deleted = await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl,
        Entries: [
          ...all.map((m, i) => ({ Id: `m${i}`, ReceiptHandle: m.ReceiptHandle })),
          { Id: 'bad', ReceiptHandle: 'x' },
        ],
      }),
    );
    expect(deleted.Successful).toHaveLength(2);
    expect(deleted.Failed).toEqual([
      expect.objectContaining({ Id: 'bad', Code: 'ReceiptHandleIsInvalid', SenderFault: true }),
    ]);

    const listed = await client.send(new ListQueuesCommand({ QueueNamePrefix: 'jobs' }));
    expect(listed.QueueUrls).toEqual([`${endpoint}/${ACCOUNT}/jobs`, `${endpoint}/${ACCOUNT}/jobs-dlq`]);
    await client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'gone' }));
    await client.send(new PurgeQueueCommand({ QueueUrl }));
    expect((await client.send(new ReceiveMessageCommand({ QueueUrl }))).Messages).toBeUndefined();
  });

  it('keeps messages across a restart when given a data directory', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'local-sqs-'));
    const first = await startSqs({ dataDir });
    await first.client.send(
      new SendMessageCommand({ QueueUrl: await first.url('jobs'), MessageBody: 'survivor' }),
    );
    await cleanups.pop()!();
    const second = await startSqs({ dataDir });
    const received = await second.client.send(
      new ReceiveMessageCommand({ QueueUrl: await second.url('jobs') }),
    );
    expect(received.Messages![0]!.Body).toBe('survivor');
  });

  it('exposes read-only inspection under /_local/queues and logs each operation', async () => {
    const lines: string[] = [];
    const { sqs, endpoint } = await startSqs({ lines });
    const id = await sqs.send(`arn:aws:sqs:${REGION}:${ACCOUNT}:other`, 'from inside');
    const overview = (await (await fetch(`${endpoint}/_local/queues`)).json()) as {
      queues: Array<Record<string, unknown>>;
    };
    expect(overview.queues.find((q) => q.name === 'other')).toEqual({
      name: 'other',
      arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:other`,
      url: `${endpoint}/${ACCOUNT}/other`,
      visible: 1,
      inFlight: 0,
      delayed: 0,
      oldestSentTimestamp: expect.any(Number),
    });
    const detail = (await (await fetch(`${endpoint}/_local/queues/other`)).json()) as { messages: unknown[] };
    expect(detail.messages).toEqual([
      expect.objectContaining({ messageId: id, body: 'from inside', state: 'visible', receiveCount: 0 }),
    ]);
    expect((await fetch(`${endpoint}/_local/queues/nope`)).status).toBe(404);
    expect(lines.some((l) => l.startsWith(`send other ${id}`))).toBe(true);
  });
});

describe('startSqsEventSource', () => {
  it('invokes with the Lambda SQS event, deletes successes and retries reported failures', async () => {
    const { sqs } = await startSqs();
    const queue = sqs.queue('other');
    await sqs.send(queue.arn, 'ok-1', { kind: { DataType: 'String', StringValue: 'a' } });
    await sqs.send(queue.arn, 'fail-me');
    const seen: SqsRecord[][] = [];
    const source = startSqsEventSource({
      queue,
      batchSize: 10,
      maximumBatchingWindowSeconds: 0,
      reportBatchItemFailures: true,
      invoke: async (event) => {
        seen.push(event.Records);
        const failed = event.Records.filter((r) => r.body === 'fail-me' && seen.length === 1);
        return {
          ok: true,
          value: { batchItemFailures: failed.map((r) => ({ itemIdentifier: r.messageId })) },
        };
      },
    });
    cleanups.push(() => source.stop());
    await expect.poll(() => sqs.engine.messages('other').length, { timeout: 5000 }).toBe(1);
    const record = seen[0]!.find((r) => r.body === 'ok-1')!;
    expect(record).toMatchObject({
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:other`,
      awsRegion: REGION,
      messageAttributes: {
        kind: { stringValue: 'a', dataType: 'String', stringListValues: [], binaryListValues: [] },
      },
      attributes: { ApproximateReceiveCount: '1' },
    });
    expect(record.md5OfBody).toBe(createHash('md5').update('ok-1').digest('hex'));
    expect(sqs.engine.messages('other')[0]).toMatchObject({ body: 'fail-me', state: 'inFlight' });
  });

  it('receives nothing while the function has no capacity: waiting messages stay visible to other consumers', async () => {
    const { sqs } = await startSqs();
    const queue = sqs.queue('other');
    for (const body of ['a', 'b', 'c']) await sqs.send(queue.arn, body);
    // The function's only slot is taken (e.g. by its other event sources).
    let release: (() => void) | undefined = () => {};
    const waiting: Array<() => void> = [];
    const reserve = async () => {
      if (release === undefined) await new Promise<void>((resolve) => waiting.push(resolve));
      release = undefined;
      return () => {
        release = () => {};
        waiting.shift()?.();
      };
    };
    const held = await reserve();
    const seen: string[] = [];
    const source = startSqsEventSource({
      queue,
      batchSize: 1,
      maxConcurrency: 3,
      reserve,
      invoke: async (event) => {
        seen.push(...event.Records.map((r) => r.body));
        return { ok: true, value: null };
      },
    });
    cleanups.push(() => source.stop());
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sqs.engine.counts('other')).toEqual({ visible: 3, inFlight: 0, delayed: 0 });
    expect(seen).toEqual([]);
    held();
    await expect.poll(() => sqs.engine.messages('other').length, { timeout: 5000 }).toBe(0);
    expect(seen.sort()).toEqual(['a', 'b', 'c']);
  });

  it('leaves the whole batch for retry when the invocation fails', async () => {
    const { sqs } = await startSqs();
    const queue = sqs.queue('other');
    await sqs.send(queue.arn, 'x');
    let calls = 0;
    const source = startSqsEventSource({
      queue,
      invoke: async () => {
        calls += 1;
        return { ok: false, errorType: 'Error', errorMessage: 'boom' };
      },
    });
    cleanups.push(() => source.stop());
    await expect.poll(() => calls, { timeout: 5000 }).toBe(1);
    expect(sqs.engine.messages('other')).toEqual([
      expect.objectContaining({ body: 'x', state: 'inFlight', receiveCount: 1 }),
    ]);
  });
});
