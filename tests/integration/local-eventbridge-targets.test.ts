import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';

import {
  ACCOUNT,
  BUS,
  entry,
  eventLog,
  publishedRule,
  REGION,
  ruleArn,
  start,
} from '../support/local-eventbridge';

describe('routing to targets', () => {
  it('delivers the AWS envelope to every target of matching enabled rules only', async () => {
    const h = await start({
      rules: [
        publishedRule(),
        publishedRule({ name: 'disabled', arn: ruleArn('disabled'), state: 'DISABLED' }),
        publishedRule({
          name: 'corrections',
          arn: ruleArn('corrections'),
          eventPattern: { 'detail-type': ['NewsItemCorrected'] },
          targets: [{ id: 'other', arn: 'arn:aws:lambda:us-east-1:123456789012:function:other' }],
        }),
      ],
    });
    const { Entries } = await h.client.send(
      new PutEventsCommand({ Entries: [entry({ Resources: ['urn:item:1'] })] }),
    );
    await h.bridge.whenIdle();
    expect(h.invocations.map((i) => i.targetId)).toEqual(['queue']);
    const delivered = JSON.parse(h.invocations[0]?.payload ?? '{}');
    expect(delivered).toEqual({
      version: '0',
      id: Entries?.[0]?.EventId,
      'detail-type': 'NewsItemPublished',
      source: 'diplowire.items',
      account: ACCOUNT,
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      region: REGION,
      resources: ['urn:item:1'],
      detail: { itemId: 'itm_1', version: 1 },
    });
    expect(h.logs.some((l) => l.includes('rule published-to-queue matched'))).toBe(true);
  });

  it('applies InputTransformer with JSON and in-string placeholders, and InputPath', async () => {
    const h = await start({
      rules: [
        publishedRule({
          targets: [
            {
              id: 'transformed',
              arn: 'arn:aws:lambda:us-east-1:123456789012:function:notify',
              inputTransformer: {
                inputPathsMap: {
                  item: '$.detail.itemId',
                  version: '$.detail.version',
                  headline: '$.detail.headline',
                },
                inputTemplate:
                  '{"item": <item>, "version": <version>, "text": "Item <item> v<version>: <headline>", "rule": <aws.events.rule-arn>, "event": <aws.events.event>}',
              },
            },
            {
              id: 'detail-only',
              arn: 'arn:aws:lambda:us-east-1:123456789012:function:detail',
              inputPath: '$.detail',
            },
            {
              id: 'constant',
              arn: 'arn:aws:lambda:us-east-1:123456789012:function:constant',
              input: '{"fixed":true}',
            },
          ],
        }),
      ],
    });
    const detail = { itemId: 'itm_9', version: 3, headline: 'Talks "resume" in Doha' };
    await h.client.send(new PutEventsCommand({ Entries: [entry({ Detail: JSON.stringify(detail) })] }));
    await h.bridge.whenIdle();
    const byTarget = Object.fromEntries(h.invocations.map((i) => [i.targetId, JSON.parse(i.payload)]));
    expect(byTarget.transformed).toMatchObject({
      item: 'itm_9',
      version: 3,
      text: 'Item itm_9 v3: Talks "resume" in Doha',
      rule: ruleArn('published-to-queue'),
      event: { source: 'diplowire.items', detail },
    });
    expect(byTarget['detail-only']).toEqual(detail);
    expect(byTarget.constant).toEqual({ fixed: true });
  });

  it('retries with backoff per the retry policy, then dead-letters with AWS attributes', async () => {
    const dlq = 'arn:aws:sqs:us-east-1:123456789012:subscriber-dlq';
    const h = await start({
      rules: [
        publishedRule({
          targets: [
            {
              id: 'queue',
              arn: 'arn:aws:sqs:us-east-1:123456789012:subscriber',
              retryPolicy: { maximumRetryAttempts: 2 },
              deadLetterArn: dlq,
            },
          ],
        }),
      ],
      invoke: async () => {
        throw Object.assign(new Error('queue is unavailable'), { name: 'QueueDoesNotExist' });
      },
    });
    const { Entries } = await h.client.send(new PutEventsCommand({ Entries: [entry()] }));
    await h.bridge.whenIdle();
    expect(h.invocations).toHaveLength(3); // first attempt + 2 retries
    expect(h.deadLetters).toHaveLength(1);
    const [dead] = h.deadLetters;
    expect(dead?.arn).toBe(dlq);
    expect(JSON.parse(dead?.payload ?? '{}').id).toBe(Entries?.[0]?.EventId);
    expect(dead?.attributes).toEqual({
      RULE_ARN: ruleArn('published-to-queue'),
      TARGET_ARN: 'arn:aws:sqs:us-east-1:123456789012:subscriber',
      ERROR_CODE: 'QueueDoesNotExist',
      ERROR_MESSAGE: 'queue is unavailable',
      EXHAUSTED_RETRY_CONDITION: 'MaximumRetryAttempts',
      RETRY_ATTEMPTS: '2',
    });
    const record = (await eventLog(h.endpoint)).buses[BUS]?.[0];
    expect(record?.deliveries).toEqual([
      {
        rule: 'published-to-queue',
        target: 'queue',
        attempts: 3,
        outcome: 'dead-lettered',
        error: 'queue is unavailable',
      },
    ]);
    expect(
      h.logs.filter((l) => l.includes('delivery failed')).map((l) => /retries=(\d+)/.exec(l)?.[1]),
    ).toEqual(['0', '1', '2']);
  });

  it('gives up on event age and logs a dropped delivery loudly when there is no DLQ', async () => {
    const h = await start({
      rules: [
        publishedRule({
          targets: [
            {
              id: 'queue',
              arn: 'arn:aws:sqs:us-east-1:123456789012:q',
              // One second of age, and a first retry two seconds away: past the age, so it is dropped
              // after the first attempt (an age of 0 raced the first attempt itself).
              retryPolicy: { maximumEventAgeInSeconds: 1 },
            },
          ],
        }),
      ],
      retryBaseDelayMs: 2000,
      retryMaxDelayMs: 2000,
      invoke: async () => {
        throw new Error('boom');
      },
    });
    await h.client.send(new PutEventsCommand({ Entries: [entry()] }));
    await h.bridge.whenIdle();
    expect(h.invocations).toHaveLength(1);
    expect(h.deadLetters).toHaveLength(0);
    expect(h.logs.some((l) => l.includes('DROPPED') && l.includes('MaximumEventAgeInSeconds'))).toBe(true);
  });

  it('succeeds on a retry after a transient failure', async () => {
    let calls = 0;
    const h = await start({
      invoke: async () => {
        calls++;
        if (calls === 1) throw new Error('throttled');
      },
    });
    await h.client.send(new PutEventsCommand({ Entries: [entry()] }));
    await h.bridge.whenIdle();
    expect(calls).toBe(2);
    const record = (await eventLog(h.endpoint, BUS)).buses[BUS]?.[0];
    expect(record?.deliveries[0]).toEqual({
      rule: 'published-to-queue',
      target: 'queue',
      attempts: 2,
      outcome: 'delivered',
    });
  });
});
