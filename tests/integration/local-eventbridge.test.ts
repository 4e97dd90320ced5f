/** The local EventBridge driven through the real, unmodified SDK (only `endpoint` set). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeArchiveCommand,
  DescribeReplayCommand,
  DescribeRuleCommand,
  EventBridgeClient,
  InvalidEventPatternException,
  ListArchivesCommand,
  ListEventBusesCommand,
  ListRulesCommand,
  PutEventsCommand,
  type PutEventsRequestEntry,
  ResourceNotFoundException,
  StartReplayCommand,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type DeadLetterSink,
  type EventRecord,
  LocalEventBridge,
  type LocalEventBridgeOptions,
  type LocalRuleDefinition,
  type TargetInvoker,
} from '#local/eventbridge/index.ts';
import { freePort } from '#local/support/ports.ts';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const BUS = 'diplowire-events';
const BUS_ARN = `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${BUS}`;
const ruleArn = (name: string) => `arn:aws:events:${REGION}:${ACCOUNT}:rule/${BUS}/${name}`;

interface Harness {
  bridge: LocalEventBridge;
  client: EventBridgeClient;
  endpoint: string;
  invocations: Array<{ targetId: string; payload: string }>;
  deadLetters: Array<{ arn: string; payload: string; attributes: Record<string, string> }>;
  logs: string[];
}

const open: Harness[] = [];
const tempDirs: string[] = [];

afterEach(async () => {
  for (const h of open.splice(0)) {
    h.client.destroy();
    await h.bridge.close();
  }
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const publishedRule = (overrides: Partial<LocalRuleDefinition> = {}): LocalRuleDefinition => ({
  name: 'published-to-queue',
  arn: ruleArn('published-to-queue'),
  eventBusName: BUS,
  eventPattern: { source: ['diplowire.items'], 'detail-type': ['NewsItemPublished'] },
  state: 'ENABLED',
  targets: [{ id: 'queue', arn: 'arn:aws:sqs:us-east-1:123456789012:subscriber' }],
  ...overrides,
});

async function start(
  options: Partial<LocalEventBridgeOptions> & { invoke?: TargetInvoker; deadLetter?: DeadLetterSink } = {},
): Promise<Harness> {
  const invocations: Harness['invocations'] = [];
  const deadLetters: Harness['deadLetters'] = [];
  const logs: string[] = [];
  const bridge = new LocalEventBridge({
    buses: [{ name: BUS, arn: BUS_ARN }],
    rules: [publishedRule()],
    archives: [],
    region: REGION,
    accountId: ACCOUNT,
    retryBaseDelayMs: 5,
    log: (line) => logs.push(line),
    ...options,
    invokeTarget: async (target, payload) => {
      invocations.push({ targetId: target.id, payload });
      await options.invoke?.(target, payload);
    },
    sendToDeadLetter: async (arn, payload, attributes) => {
      deadLetters.push({ arn, payload, attributes });
      await options.deadLetter?.(arn, payload, attributes);
    },
  });
  const endpoint = await bridge.listen(await freePort());
  const client = new EventBridgeClient({
    endpoint,
    region: REGION,
    credentials: { accessKeyId: 'anything', secretAccessKey: 'anything' },
    maxAttempts: 1,
  });
  const harness = { bridge, client, endpoint, invocations, deadLetters, logs };
  open.push(harness);
  return harness;
}

const entry = (overrides: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry => ({
  EventBusName: BUS,
  Source: 'diplowire.items',
  DetailType: 'NewsItemPublished',
  Detail: JSON.stringify({ itemId: 'itm_1', version: 1 }),
  ...overrides,
});

/** A NewsItemPublished event as the bus logs it. */
function publishedEvent(id: string) {
  return {
    version: '0',
    id,
    'detail-type': 'NewsItemPublished',
    source: 'diplowire.items',
    account: ACCOUNT,
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: REGION,
    resources: [],
    detail: {},
  };
}

/** An event log as a run that stopped before any delivery finished leaves it (`seq` is omitted in older logs). */
function writeEventLog(
  dataDir: string,
  event: { id: string },
  line: { seq?: number; ingestionTime?: number },
) {
  const entry = { type: 'event', ...line, bus: BUS, event, matchedRules: ['published-to-queue'] };
  writeFileSync(join(dataDir, 'events.jsonl'), `${JSON.stringify(entry)}\n`);
}

async function failure(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  return promise.then(
    () => expect.fail('expected the call to fail'),
    (error: unknown) => error as { name: string; message: string },
  );
}

async function eventLog(endpoint: string, bus?: string): Promise<{ buses: Record<string, EventRecord[]> }> {
  const response = await fetch(`${endpoint}/_local/events${bus ? `?bus=${encodeURIComponent(bus)}` : ''}`);
  expect(response.status).toBe(200);
  return (await response.json()) as { buses: Record<string, EventRecord[]> };
}

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

describe('archives and replay', () => {
  it('archives matching events and replays a time window to the bus rules with replay-name', async () => {
    const archiveArn = `arn:aws:events:${REGION}:${ACCOUNT}:archive/items-archive`;
    const h = await start({
      archives: [
        {
          name: 'items-archive',
          arn: archiveArn,
          sourceBusArn: BUS_ARN,
          eventPattern: { source: ['diplowire.items'] },
          retentionDays: 7,
        },
      ],
    });
    const before = new Date(Date.now() - 1000);
    await h.client.send(new PutEventsCommand({ Entries: [entry(), entry({ Source: 'other.system' })] }));
    await h.bridge.whenIdle();
    expect(h.invocations).toHaveLength(1);

    const archive = await h.client.send(new DescribeArchiveCommand({ ArchiveName: 'items-archive' }));
    expect(archive).toMatchObject({
      ArchiveArn: archiveArn,
      EventSourceArn: BUS_ARN,
      EventCount: 1,
      RetentionDays: 7,
      State: 'ENABLED',
    });
    const listed = await h.client.send(new ListArchivesCommand({ EventSourceArn: BUS_ARN }));
    expect(listed.Archives?.map((a) => a.ArchiveName)).toEqual(['items-archive']);

    const started = await h.client.send(
      new StartReplayCommand({
        ReplayName: 'replay-1',
        EventSourceArn: archiveArn,
        EventStartTime: before,
        EventEndTime: new Date(Date.now() + 1000),
        Destination: { Arn: BUS_ARN },
      }),
    );
    expect(started.ReplayArn).toBe(`arn:aws:events:${REGION}:${ACCOUNT}:replay/replay-1`);
    await h.bridge.whenIdle();
    expect(h.invocations).toHaveLength(2);
    const original = JSON.parse(h.invocations[0]?.payload ?? '{}');
    const replayed = JSON.parse(h.invocations[1]?.payload ?? '{}');
    expect(replayed).toEqual({ ...original, 'replay-name': 'replay-1' });
    const described = await h.client.send(new DescribeReplayCommand({ ReplayName: 'replay-1' }));
    expect(described.State).toBe('COMPLETED');
    // Replayed events are not archived a second time.
    expect(
      (await h.client.send(new DescribeArchiveCommand({ ArchiveName: 'items-archive' }))).EventCount,
    ).toBe(1);

    const emptyWindow = await failure(
      h.client.send(
        new StartReplayCommand({
          ReplayName: 'replay-2',
          EventSourceArn: archiveArn,
          EventStartTime: new Date(),
          EventEndTime: before,
          Destination: { Arn: BUS_ARN },
        }),
      ),
    );
    expect(emptyWindow.name).toBe('ValidationException');
  });
});

describe('event log', () => {
  it('shows every event with matched rules and deliveries, oldest first, filterable by bus', async () => {
    const h = await start();
    await h.client.send(
      new PutEventsCommand({ Entries: [entry(), entry({ DetailType: 'NewsItemCorrected' })] }),
    );
    await h.client.send(
      new PutEventsCommand({ Entries: [entry({ EventBusName: undefined, Source: 'on.default' })] }),
    );
    await h.bridge.whenIdle();
    const all = await eventLog(h.endpoint);
    expect(Object.keys(all.buses).sort()).toEqual(['default', BUS]);
    expect(
      all.buses[BUS]?.map((r) => [
        r.event['detail-type'],
        r.matchedRules,
        r.deliveries.map((d) => d.outcome),
      ]),
    ).toEqual([
      ['NewsItemPublished', ['published-to-queue'], ['delivered']],
      ['NewsItemCorrected', [], []],
    ]);
    const onlyDefault = await eventLog(h.endpoint, 'default');
    expect(Object.keys(onlyDefault.buses)).toEqual(['default']);
    expect(onlyDefault.buses.default?.[0]?.event.source).toBe('on.default');
  });

  it('persists the event log and archives in dataDir across a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'local-eventbridge-'));
    tempDirs.push(dataDir);
    const archives = [
      { name: 'all', arn: `arn:aws:events:${REGION}:${ACCOUNT}:archive/all`, sourceBusArn: BUS_ARN },
    ];
    const first = await start({ dataDir, archives });
    const { Entries } = await first.client.send(new PutEventsCommand({ Entries: [entry()] }));
    await first.bridge.whenIdle();
    first.client.destroy();
    await first.bridge.close();
    open.splice(open.indexOf(first), 1);

    const second = await start({ dataDir, archives });
    const record = (await eventLog(second.endpoint, BUS)).buses[BUS]?.[0];
    expect(record?.event.id).toBe(Entries?.[0]?.EventId);
    expect(record?.deliveries).toEqual([
      { rule: 'published-to-queue', target: 'queue', attempts: 1, outcome: 'delivered' },
    ]);
    expect((await second.client.send(new DescribeArchiveCommand({ ArchiveName: 'all' }))).EventCount).toBe(1);
  });

  it('resumes, after a restart, a delivery that a stop cancelled while it waited for a retry', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'local-eventbridge-'));
    tempDirs.push(dataDir);
    const first = await start({
      dataDir,
      retryBaseDelayMs: 60_000,
      invoke: async () => {
        throw new Error('target down');
      },
    });
    const { Entries } = await first.client.send(new PutEventsCommand({ Entries: [entry()] }));
    await expect.poll(() => first.invocations.length).toBe(1);
    first.client.destroy();
    await first.bridge.close();
    open.splice(open.indexOf(first), 1);

    const second = await start({ dataDir });
    await second.bridge.whenIdle();
    expect(second.invocations.map((i) => JSON.parse(i.payload).id)).toEqual([Entries?.[0]?.EventId]);
    const record = (await eventLog(second.endpoint, BUS)).buses[BUS]?.[0];
    expect(record?.deliveries).toEqual([
      { rule: 'published-to-queue', target: 'queue', attempts: 2, outcome: 'delivered' },
    ]);
    expect(second.logs.some((line) => line.includes('resuming delivery'))).toBe(true);

    // Its outcome is logged now: a third start resumes nothing.
    second.client.destroy();
    await second.bridge.close();
    open.splice(open.indexOf(second), 1);
    const third = await start({ dataDir });
    await third.bridge.whenIdle();
    expect(third.invocations).toEqual([]);
  });

  it('resumes a delivery that a crash cut off (an event logged without an outcome)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'local-eventbridge-'));
    tempDirs.push(dataDir);
    const event = publishedEvent('c0ffee00-0000-4000-8000-000000000001');
    writeEventLog(dataDir, event, { seq: 0, ingestionTime: Date.now() });
    const h = await start({ dataDir });
    await h.bridge.whenIdle();
    expect(h.invocations.map((i) => JSON.parse(i.payload).id)).toEqual([event.id]);
  });

  it('dead-letters, without an attempt, a resumed delivery whose event outlived the maximum event age', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'local-eventbridge-'));
    tempDirs.push(dataDir);
    const dlq = 'arn:aws:sqs:us-east-1:123456789012:dlq';
    const rules = [
      publishedRule({
        targets: [
          {
            id: 'queue',
            arn: 'arn:aws:sqs:us-east-1:123456789012:subscriber',
            retryPolicy: { maximumEventAgeInSeconds: 60 },
            deadLetterArn: dlq,
          },
        ],
      }),
    ];
    const event = publishedEvent('c0ffee00-0000-4000-8000-000000000002');
    writeEventLog(dataDir, event, { seq: 0, ingestionTime: Date.now() - 120_000 });
    const h = await start({ dataDir, rules });
    await h.bridge.whenIdle();
    expect(h.invocations).toEqual([]);
    expect(h.deadLetters).toHaveLength(1);
    expect(h.deadLetters[0]).toMatchObject({
      arn: dlq,
      attributes: expect.objectContaining({ ERROR_CODE: 'EventExpired' }),
    });
  });

  it('does not take a replayed event (same id) for an unfinished delivery of the original after a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'local-eventbridge-'));
    tempDirs.push(dataDir);
    const archiveArn = `arn:aws:events:${REGION}:${ACCOUNT}:archive/all`;
    const archives = [{ name: 'all', arn: archiveArn, sourceBusArn: BUS_ARN }];
    const first = await start({ dataDir, archives });
    const before = new Date(Date.now() - 1000);
    await first.client.send(new PutEventsCommand({ Entries: [entry()] }));
    await first.bridge.whenIdle();
    await first.client.send(
      new StartReplayCommand({
        ReplayName: 'again',
        EventSourceArn: archiveArn,
        EventStartTime: before,
        EventEndTime: new Date(Date.now() + 1000),
        Destination: { Arn: BUS_ARN },
      }),
    );
    await first.bridge.whenIdle();
    expect(first.invocations).toHaveLength(2);
    first.client.destroy();
    await first.bridge.close();
    open.splice(open.indexOf(first), 1);

    const second = await start({ dataDir, archives });
    await second.bridge.whenIdle();
    expect(second.invocations).toEqual([]);
    const records = (await eventLog(second.endpoint, BUS)).buses[BUS] ?? [];
    expect(records.map((r) => r.deliveries.map((d) => d.outcome))).toEqual([['delivered'], ['delivered']]);
  });

  it('never resumes deliveries from a log written before records had a seq (a replay could not be told apart)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'local-eventbridge-'));
    tempDirs.push(dataDir);
    const event = publishedEvent('c0ffee00-0000-4000-8000-000000000003');
    writeEventLog(dataDir, event, {});
    const h = await start({ dataDir });
    await h.bridge.whenIdle();
    expect(h.invocations).toEqual([]);
    expect((await eventLog(h.endpoint, BUS)).buses[BUS]?.map((r) => r.event.id)).toEqual([event.id]);
  });
});
