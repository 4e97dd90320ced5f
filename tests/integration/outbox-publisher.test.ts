/**
 * The outbox publisher on real DynamoDB stream records: one event per version written, batching,
 * retries of failed entries and throttled calls, partial batch failures. Its translation events:
 * outbox-publisher-translations.test.ts; the stream records themselves: local-stream-reader-records.test.ts.
 */

import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { beforeEach, describe, expect, it } from 'vitest';
import { newId } from '#shared/domain/ids.ts';
import {
  key,
  raw,
  reader,
  tableName,
  useItemStream,
  versionRecords,
  writeItem,
} from '../support/item-stream';
import {
  deliveries,
  eventBridge,
  expectAllDelivered,
  type FailEntry,
  fakePutEvents,
  invoke,
  putCalls,
  useOutboxPublisher,
} from '../support/outbox-publisher';

/** Decides, per entry and call, whether EventBridge fails it (undefined = accepted). */
let failEntry: FailEntry;

useOutboxPublisher((detail, call) => failEntry(detail, call));
useItemStream('outbox');

beforeEach(() => {
  failEntry = () => undefined;
});

describe('outbox publisher on real DynamoDB stream records', () => {
  it('publishes exactly one event per version written, ignoring the other rows of the partition', async () => {
    const written = [...(await writeItem(1)), ...(await writeItem(3)), ...(await writeItem(4, true))];
    // A translation row shares the item's partition and the stream: written (INSERT), then replaced (MODIFY).
    for (const status of ['in-progress', 'translated']) {
      await raw().send(
        new PutItemCommand({
          TableName: tableName,
          Item: {
            PK: { S: `ITEM#${written[0]!.itemId}` },
            SK: { S: 'TR#en#V#000000001' },
            status: { S: status },
          },
        }),
      );
    }
    const records = await reader.readAvailable();
    expect(records.map((r) => r.eventName).filter((name) => name === 'MODIFY')).toHaveLength(1);
    expect(records).toHaveLength(written.length + 2);
    expect(versionRecords(records)).toHaveLength(written.length);

    const response = await invoke(records);

    expect(response).toEqual({ batchItemFailures: [] });
    expectAllDelivered(written);
    expect(deliveries).toHaveLength(written.length); // and nothing else: no duplicates here
    expect(putCalls).toBe(1); // 8 events fit one PutEvents call
    const typeOf = new Map(deliveries.map((d) => [key(d.detail), d.detailType]));
    expect(written.map((v) => typeOf.get(key(v)))).toEqual([
      'NewsItemPublished',
      'NewsItemPublished',
      'NewsItemCorrected',
      'NewsItemCorrected',
      'NewsItemPublished',
      'NewsItemCorrected',
      'NewsItemCorrected',
      'NewsItemRetracted',
    ]);
    const last = deliveries.find((d) => key(d.detail) === key(written[7]!))!.detail;
    expect(last).toMatchObject({
      pubstatus: 'canceled',
      headline: 'الكويت وبلجيكا — النسخة 4',
      places: ['KW'],
      partnerId: written[7]!.partnerId,
      contentHash: written[7]!.contentHash,
      bodies: [{ role: 'main', contenttype: 'text/plain', value: 'نص الخبر، النسخة 4' }],
    });
  });

  it('sends 10 entries per PutEvents call', async () => {
    const written = (await Promise.all(Array.from({ length: 12 }, () => writeItem(1)))).flat();
    const response = await invoke(await reader.readAvailable());
    expect(response.batchItemFailures).toEqual([]);
    expect(eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.length)).toEqual([
      10, 2,
    ]);
    expectAllDelivered(written);
  });

  it('retries entries that failed, and a throttled call, until every event is accepted once', async () => {
    const written = [...(await writeItem(2)), ...(await writeItem(2))];
    const flaky = key(written[1]!);
    failEntry = (detail, call) => (call === 1 && key(detail) === flaky ? 'InternalFailure' : undefined);
    eventBridge
      .on(PutEventsCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .callsFake(fakePutEvents);

    const response = await invoke(await reader.readAvailable());

    expect(response.batchItemFailures).toEqual([]);
    const entriesPerCall = eventBridge
      .commandCalls(PutEventsCommand)
      .map((c) => c.args[0].input.Entries?.length);
    expect(entriesPerCall).toEqual([4, 4, 1]); // throttled, then one entry failed, then only that entry again
    expectAllDelivered(written);
    expect(deliveries).toHaveLength(written.length);
  });

  it('reports the earliest persistently failing record; the retry from there misses nothing', async () => {
    const written = [
      ...(await writeItem(1)),
      ...(await writeItem(2)),
      ...(await writeItem(1)),
      ...(await writeItem(1)),
    ];
    const records = await reader.readAvailable();
    const broken = new Set([key(written[2]!), key(written[4]!)]); // item 2 v2, item 4 v1
    failEntry = (detail) => (broken.has(key(detail)) ? 'InternalFailure' : undefined);

    const first = await invoke(records);

    const versions = versionRecords(records);
    const earliestFailed = versions.find((r) => r.dynamodb?.NewImage?.SK?.S === 'V#000000002')!;
    expect(first).toEqual({
      batchItemFailures: [{ itemIdentifier: earliestFailed.dynamodb!.SequenceNumber }],
    });
    expect(deliveries.map((d) => key(d.detail)).sort()).toEqual(
      written
        .filter((v) => !broken.has(key(v)))
        .map(key)
        .sort(),
    );

    // Lambda retries the batch from the reported record; EventBridge has recovered.
    failEntry = () => undefined;
    const retry = await invoke(records.slice(records.indexOf(earliestFailed)));

    expect(retry).toEqual({ batchItemFailures: [] });
    expectAllDelivered(written);
    // item 3 v1 was delivered twice (it follows the failed record): same eventId both times.
    const item3 = deliveries.filter((d) => key(d.detail) === key(written[3]!));
    expect(item3).toHaveLength(2);
    expect(new Set(item3.map((d) => d.detail.eventId)).size).toBe(1);
  });

  it('reports an undecodable version row instead of dropping it, and still publishes the others', async () => {
    const before = await writeItem(1);
    const poisonItem = newId('itm');
    await raw().send(
      new PutItemCommand({
        TableName: tableName,
        Item: {
          PK: { S: `ITEM#${poisonItem}` },
          SK: { S: 'V#000000001' },
          entity: { S: 'ItemVersion' },
          itemId: { S: poisonItem },
          version: { N: '1' },
          document: { S: '{not json' },
        },
      }),
    );
    const after = await writeItem(1);
    const records = await reader.readAvailable();

    const response = await invoke(records);

    const poison = records.find((r) => r.dynamodb?.Keys?.PK?.S === `ITEM#${poisonItem}`)!;
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: poison.dynamodb!.SequenceNumber }] });
    expectAllDelivered([...before, ...after]);
    expect(deliveries.some((d) => d.detail.itemId === poisonItem)).toBe(false);
  });
});
