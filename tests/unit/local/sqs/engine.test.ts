import { describe, expect, it } from 'vitest';
import { md5OfBody, md5OfMessageAttributes, SqsEngine, SqsError } from '#local/sqs/index.ts';

const DLQ_ARN = 'arn:aws:sqs:us-east-1:000000000000:jobs-dlq';

function engine(now: { t: number }) {
  return new SqsEngine({
    queues: [
      {
        name: 'jobs',
        visibilityTimeoutSeconds: 30,
        redrivePolicy: { deadLetterTargetArn: DLQ_ARN, maxReceiveCount: 2 },
      },
      { name: 'jobs-dlq' },
      { name: 'slow', delaySeconds: 10, messageRetentionSeconds: 60 },
    ],
    region: 'us-east-1',
    accountId: '000000000000',
    log: () => {},
    now: () => now.t,
  });
}

describe('SQS MD5s', () => {
  it('matches the digests SQS returns (vectors pinned by the moto test suite)', () => {
    expect(md5OfBody('derp')).toBe('58fd9edd83341c29f1aebba81c31e257');
    const number = (value: string) => ({ DataType: 'Number', StringValue: value });
    expect(md5OfMessageAttributes({ timestamp: number('1493147359900') })).toBe(
      '235c5c510d26fb653d073faed50ae77c',
    );
    expect(md5OfMessageAttributes({ timestamp: number('1493147359901') })).toBe(
      '994258b45346a2cc3f9cbb611aa7af30',
    );
    expect(md5OfMessageAttributes({ 'SOME_Valid.attribute-Name': number('1493147359900') })).toBe(
      '36655e7e9d7c0e8479fa3f3f42247ae7',
    );
    expect(md5OfMessageAttributes({})).toBeUndefined();
  });

  it('digests attributes in name order and binary values with transport type 2', () => {
    const a = { DataType: 'String', StringValue: 'x' };
    const b = { DataType: 'Binary', BinaryValue: Buffer.from([1, 2, 3]).toString('base64') };
    expect(md5OfMessageAttributes({ b, a })).toBe(md5OfMessageAttributes({ a, b }));
    expect(md5OfMessageAttributes({ b })).not.toBe(
      md5OfMessageAttributes({ b: { DataType: 'String', StringValue: '\u0001\u0002\u0003' } }),
    );
  });
});

describe('SqsEngine', () => {
  it('hides a received message for the visibility timeout, then delivers it again', async () => {
    const now = { t: 1_000_000 };
    const sqs = engine(now);
    const { messageId } = sqs.send('jobs', { body: 'hello' });
    const [first] = await sqs.receive('jobs');
    expect(first!.message).toMatchObject({ messageId, body: 'hello', receiveCount: 1 });
    expect(await sqs.receive('jobs')).toEqual([]);
    expect(sqs.counts('jobs')).toEqual({ visible: 0, inFlight: 1, delayed: 0 });
    now.t += 30_000;
    const [second] = await sqs.receive('jobs');
    expect(second!.message.receiveCount).toBe(2);
    expect(second!.receiptHandle).not.toBe(first!.receiptHandle);
  });

  it('deletes only with the latest receipt handle; deleting twice succeeds', async () => {
    const now = { t: 0 };
    const sqs = engine(now);
    sqs.send('jobs', { body: 'x' });
    const [first] = await sqs.receive('jobs', { visibilityTimeoutSeconds: 1 });
    now.t += 1000;
    const [second] = await sqs.receive('jobs');
    sqs.deleteMessage('jobs', first!.receiptHandle);
    expect(sqs.messages('jobs')).toHaveLength(1);
    sqs.deleteMessage('jobs', second!.receiptHandle);
    expect(sqs.messages('jobs')).toHaveLength(0);
    expect(() => sqs.deleteMessage('jobs', second!.receiptHandle)).not.toThrow();
    expect(() => sqs.deleteMessage('jobs', 'garbage')).toThrow(
      expect.objectContaining({ code: 'ReceiptHandleIsInvalid' }),
    );
  });

  it('delays messages (queue default or per message)', async () => {
    const now = { t: 0 };
    const sqs = engine(now);
    sqs.send('slow', { body: 'queue delay' });
    sqs.send('jobs', { body: 'message delay', delaySeconds: 5 });
    expect(sqs.counts('slow')).toEqual({ visible: 0, inFlight: 0, delayed: 1 });
    expect(await sqs.receive('jobs')).toEqual([]);
    now.t += 5000;
    expect((await sqs.receive('jobs')).map((r) => r.message.body)).toEqual(['message delay']);
    expect(await sqs.receive('slow')).toEqual([]);
    now.t += 5000;
    expect((await sqs.receive('slow')).map((r) => r.message.body)).toEqual(['queue delay']);
  });

  it('changes visibility of an in-flight message only', async () => {
    const now = { t: 0 };
    const sqs = engine(now);
    sqs.send('jobs', { body: 'x' });
    const [received] = await sqs.receive('jobs');
    sqs.changeMessageVisibility('jobs', received!.receiptHandle, 0);
    expect(sqs.counts('jobs').visible).toBe(1);
    expect(() => sqs.changeMessageVisibility('jobs', received!.receiptHandle, 10)).toThrow(
      expect.objectContaining({ code: 'MessageNotInflight' }),
    );
  });

  it('moves a message to the dead-letter queue once it was received maxReceiveCount times', async () => {
    const now = { t: 0 };
    const sqs = engine(now);
    const { messageId } = sqs.send('jobs', {
      body: 'poison',
      messageAttributes: { k: { DataType: 'String', StringValue: 'v' } },
    });
    for (let i = 0; i < 2; i++) {
      expect(await sqs.receive('jobs')).toHaveLength(1);
      now.t += 30_000;
    }
    expect(await sqs.receive('jobs')).toEqual([]);
    const dead = sqs.messages('jobs-dlq');
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({
      messageId,
      body: 'poison',
      receiveCount: 0,
      state: 'visible',
      deadLetterQueueSourceArn: 'arn:aws:sqs:us-east-1:000000000000:jobs',
      messageAttributes: { k: { DataType: 'String', StringValue: 'v' } },
    });
    expect(sqs.messages('jobs')).toEqual([]);
  });

  it('returns messages in order, at most MaxNumberOfMessages, and validates ranges', async () => {
    const sqs = engine({ t: 0 });
    for (let i = 0; i < 12; i++) sqs.send('jobs', { body: `m${i}` });
    expect((await sqs.receive('jobs', { maxNumberOfMessages: 10 })).map((r) => r.message.body)).toEqual(
      Array.from({ length: 10 }, (_, i) => `m${i}`),
    );
    await expect(sqs.receive('jobs', { maxNumberOfMessages: 11 })).rejects.toThrow(SqsError);
    expect(() => sqs.send('jobs', { body: 'x', delaySeconds: 901 })).toThrow(/DelaySeconds/);
    expect(() => sqs.send('jobs', { body: '' })).toThrow(
      expect.objectContaining({ code: 'MissingParameter' }),
    );
    expect(() => sqs.send('jobs', { body: 'bell \u0007' })).toThrow(
      expect.objectContaining({ code: 'InvalidMessageContents' }),
    );
    expect(() => sqs.send('jobs', { body: 'x'.repeat(262_145) })).toThrow(/shorter than 262144/);
  });

  it('drops messages older than the retention period', () => {
    const now = { t: 0 };
    const sqs = engine(now);
    sqs.send('slow', { body: 'old' });
    now.t += 61_000;
    expect(sqs.messages('slow')).toEqual([]);
  });

  it('resolves queues by name, ARN and URL and rejects unknown ones', () => {
    const sqs = engine({ t: 0 });
    expect(sqs.resolveName('arn:aws:sqs:us-east-1:000000000000:jobs')).toBe('jobs');
    expect(sqs.resolveName('http://127.0.0.1:4566/000000000000/jobs')).toBe('jobs');
    expect(() => sqs.resolveName('nope')).toThrow(expect.objectContaining({ code: 'QueueDoesNotExist' }));
  });

  it('long-polls until a message arrives', async () => {
    const sqs = new SqsEngine({
      queues: [{ name: 'q' }],
      region: 'us-east-1',
      accountId: '000000000000',
      log: () => {},
    });
    const started = Date.now();
    const pending = sqs.receive('q', { waitTimeSeconds: 5 });
    setTimeout(() => sqs.send('q', { body: 'late' }), 100);
    const received = await pending;
    expect(received.map((r) => r.message.body)).toEqual(['late']);
    expect(Date.now() - started).toBeLessThan(2000);
    sqs.close();
  });
});
