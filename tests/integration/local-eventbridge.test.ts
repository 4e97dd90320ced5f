import {
  DescribeRuleCommand,
  InvalidEventPatternException,
  ListEventBusesCommand,
  ListRulesCommand,
  PutEventsCommand,
  ResourceNotFoundException,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';

import {
  ACCOUNT,
  BUS,
  BUS_ARN,
  entry,
  failure,
  publishedRule,
  REGION,
  ruleArn,
  start,
} from '../support/local-eventbridge';

describe('PutEvents validation', () => {
  it('rejects more than 10 entries with ValidationException', async () => {
    const { client } = await start();
    const error = await failure(
      client.send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => entry()) })),
    );
    expect(error.name).toBe('ValidationException');
    expect(error.message).toContain('less than or equal to 10');
  });

  it('reports missing or malformed fields per entry and still accepts the valid ones', async () => {
    const { client } = await start();
    const result = await client.send(
      new PutEventsCommand({
        Entries: [
          entry(),
          entry({ Source: undefined }),
          entry({ DetailType: undefined }),
          entry({ Detail: undefined }),
          entry({ Detail: '["not", "an", "object"]' }),
          entry({ EventBusName: 'no-such-bus' }),
        ],
      }),
    );
    expect(result.FailedEntryCount).toBe(5);
    const entries = result.Entries ?? [];
    expect(entries[0]?.EventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(entries.slice(1).map((e) => [e.ErrorCode, e.ErrorMessage])).toEqual([
      ['InvalidArgument', 'Parameter Source is not valid. Reason: Source is a required argument.'],
      ['InvalidArgument', 'Parameter DetailType is not valid. Reason: DetailType is a required argument.'],
      ['InvalidArgument', 'Parameter Detail is not valid. Reason: Detail is a required argument.'],
      ['MalformedDetail', 'Detail is malformed.'],
      ['ResourceNotFoundException', 'Event bus no-such-bus does not exist.'],
    ]);
  });

  it('measures entries by AWS formula (UTF-8 bytes, 14 for Time) and accepts exactly 256 KiB', async () => {
    const { client } = await start({ rules: [] });
    const source = 'diplowire.items'; // 15 bytes
    const detailType = 'NewsItemPublished'; // 17 bytes
    const resource = 'arn:aws:dynamodb:us-east-1:123456789012:table/items'; // 51 bytes
    // Detail = {"t":"<Arabic, 2 bytes per char><ASCII padding>"}; 8 bytes of JSON punctuation around the text.
    const fixed = 14 + 15 + 17 + 51 + 8;
    const arabic = 'خبر'.repeat(20_000); // 60 000 chars, 120 000 bytes
    const padding = 'x'.repeat(262_144 - fixed - Buffer.byteLength(arabic));
    const exact = entry({
      Source: source,
      DetailType: detailType,
      Resources: [resource],
      Time: new Date('2024-05-01T12:00:00Z'),
      Detail: JSON.stringify({ t: arabic + padding }),
    });
    const accepted = await client.send(new PutEventsCommand({ Entries: [exact] }));
    expect(accepted.FailedEntryCount).toBe(0);

    const oneByteOver = { ...exact, Detail: JSON.stringify({ t: `${arabic}${padding}x` }) };
    const error = await failure(client.send(new PutEventsCommand({ Entries: [oneByteOver] })));
    expect(error.name).toBe('ValidationException');
    expect(error.message).toBe('Total size of the entries in the request is over the limit.');

    // Without Time the same entry is 14 bytes smaller, so it fits again.
    const { Time: _time, ...withoutTime } = oneByteOver;
    expect((await client.send(new PutEventsCommand({ Entries: [withoutTime] }))).FailedEntryCount).toBe(0);
  });
});

describe('read APIs', () => {
  it('lists and describes rules with prefix and pagination, and lists event buses', async () => {
    const names = ['a-one', 'a-two', 'a-three', 'b-one'];
    const h = await start({ rules: names.map((name) => publishedRule({ name, arn: ruleArn(name) })) });
    const first = await h.client.send(
      new ListRulesCommand({ EventBusName: BUS, NamePrefix: 'a-', Limit: 2 }),
    );
    expect(first.Rules?.map((r) => r.Name)).toEqual(['a-one', 'a-three']);
    expect(first.NextToken).toBeDefined();
    const second = await h.client.send(
      new ListRulesCommand({ EventBusName: BUS_ARN, NamePrefix: 'a-', Limit: 2, NextToken: first.NextToken }),
    );
    expect(second.Rules?.map((r) => r.Name)).toEqual(['a-two']);
    expect(second.NextToken).toBeUndefined();
    expect((await h.client.send(new ListRulesCommand({}))).Rules).toEqual([]); // default bus has none

    const rule = await h.client.send(new DescribeRuleCommand({ Name: 'b-one', EventBusName: BUS }));
    expect(rule).toMatchObject({ Name: 'b-one', Arn: ruleArn('b-one'), State: 'ENABLED', EventBusName: BUS });
    expect(JSON.parse(rule.EventPattern ?? '{}')).toEqual({
      source: ['diplowire.items'],
      'detail-type': ['NewsItemPublished'],
    });
    const missing = await failure(
      h.client.send(new DescribeRuleCommand({ Name: 'nope', EventBusName: BUS })),
    );
    expect(missing).toBeInstanceOf(ResourceNotFoundException);

    const buses = await h.client.send(new ListEventBusesCommand({}));
    expect(buses.EventBuses?.map((b) => [b.Name, b.Arn])).toEqual([
      ['default', `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/default`],
      [BUS, BUS_ARN],
    ]);
  });

  it('answers TestEventPattern with the SDK exception classes', async () => {
    const { client } = await start();
    const event = JSON.stringify({
      id: '1',
      account: ACCOUNT,
      source: 'diplowire.items',
      time: '2024-01-01T00:00:00Z',
      region: REGION,
      'detail-type': 'NewsItemRetracted',
      detail: { pubstatus: 'canceled' },
    });
    const yes = await client.send(
      new TestEventPatternCommand({ Event: event, EventPattern: '{"detail":{"pubstatus":["canceled"]}}' }),
    );
    expect(yes.Result).toBe(true);
    const bad = await failure(
      client.send(new TestEventPatternCommand({ Event: event, EventPattern: '{"detail":[]}' })),
    );
    expect(bad).toBeInstanceOf(InvalidEventPatternException);
    expect(bad.message).toBe('Event pattern is not valid. Reason: Empty arrays are not allowed');
  });
});
