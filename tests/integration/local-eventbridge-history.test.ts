/** The local EventBridge's memory, through the unmodified SDK: archives and replays, the event log, and deliveries resumed after a restart. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeArchiveCommand,
  DescribeReplayCommand,
  ListArchivesCommand,
  PutEventsCommand,
  StartReplayCommand,
} from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';

import {
  ACCOUNT,
  BUS,
  BUS_ARN,
  entry,
  eventLog,
  failure,
  open,
  publishedEvent,
  publishedRule,
  REGION,
  start,
  tempDirs,
  writeEventLog,
} from '../support/local-eventbridge';

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
