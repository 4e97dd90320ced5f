import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { isOutboxRecord, publishStreamRecords } from '#functions/outbox-publisher/publish-stream-records.ts';
import type { PublishEntry, PublishResult } from '#shared/adapters/eventbridge/event-publisher.ts';
import { Logger } from '#shared/adapters/logger.ts';
import { Metrics } from '#shared/adapters/metrics.ts';
import { eventIdOf } from '#shared/domain/events.ts';
import { translationEventIdOf } from '#shared/domain/translation/model.ts';

const ITEM_ID = 'itm_01JDQ8ZK4W6M2B7Y3C9F0T5R1N';

function versionImage(version: number) {
  return marshall({
    PK: `ITEM#${ITEM_ID}`,
    SK: `V#${String(version).padStart(9, '0')}`,
    entity: 'ItemVersion',
    itemId: ITEM_ID,
    version,
    partnerId: 'ptn_01JDQ8X2AB3CD4EF5GH6JK7MN8',
    uri: 'urn:test:1',
    language: 'ar',
    pubstatus: 'usable',
    receivedAt: '2024-11-28T09:41:07.512Z',
    contentHash: 'b'.repeat(64),
    document: JSON.stringify({ uri: 'urn:test:1', language: 'ar', title: 'عنوان' }),
  }) as NonNullable<DynamoDBRecord['dynamodb']>['NewImage'];
}

function record(
  eventName: DynamoDBRecord['eventName'],
  version: number,
  sequenceNumber?: string,
): DynamoDBRecord {
  const image = versionImage(version);
  return {
    eventName,
    dynamodb: {
      ...(sequenceNumber === undefined ? {} : { SequenceNumber: sequenceNumber }),
      ...(eventName === 'REMOVE' ? { OldImage: image } : { NewImage: image }),
    },
  };
}

function deps(result: (entries: PublishEntry[]) => PublishResult = () => ({ failedIds: [], failures: [] })) {
  const publish = vi.fn(async (entries: PublishEntry[]) => result(entries));
  const logger = new Logger({ logLevel: 'SILENT' });
  return {
    publish,
    deps: { publisher: { publish }, logger, metrics: new Metrics({ namespace: 'Test' }) },
  };
}

/** A translation row of version 1 in English, as the translator writes it. */
function translationImage(status: string, announcedAt?: string) {
  return marshall(
    {
      PK: `TRANSLATION#${ITEM_ID}`,
      SK: 'TR#en#V#000000001',
      entity: 'ItemTranslation',
      itemId: ITEM_ID,
      version: 1,
      language: 'en',
      status,
      ...(status === 'in-progress'
        ? { leaseToken: 't', leaseUntil: 1 }
        : {
            partnerId: 'ptn_01JDQ8X2AB3CD4EF5GH6JK7MN8',
            uri: 'urn:test:1',
            sourceLanguage: 'ar',
            provider: 'aws',
            headlines: [{ value: 'Title' }],
            bodies: [{ role: 'main', value: 'Text' }],
            charactersBilled: 9,
            translatedAt: '2024-11-28T09:42:00.000Z',
            announcedAt,
          }),
    },
    { removeUndefinedValues: true },
  ) as NonNullable<DynamoDBRecord['dynamodb']>['NewImage'];
}

function translationRecord(
  eventName: DynamoDBRecord['eventName'],
  oldImage: ReturnType<typeof translationImage> | undefined,
  newImage: ReturnType<typeof translationImage>,
  sequenceNumber = '30',
): DynamoDBRecord {
  return {
    eventName,
    dynamodb: { SequenceNumber: sequenceNumber, NewImage: newImage, ...(oldImage && { OldImage: oldImage }) },
  };
}

describe('publishStreamRecords', () => {
  it('only treats INSERTs of version rows as outbox records', () => {
    expect(isOutboxRecord(record('INSERT', 1, '1'))).toBe(true);
    expect(isOutboxRecord(record('MODIFY', 1, '1'))).toBe(false);
    expect(isOutboxRecord(record('REMOVE', 1, '1'))).toBe(false);
    const head = record('INSERT', 1, '1');
    head.dynamodb!.NewImage!.SK = { S: 'HEAD' };
    expect(isOutboxRecord(head)).toBe(false);
    // A version-shaped row outside an item partition (what a compromised translator could write in
    // its own TRANSLATION# partitions) is never published.
    const forged = record('INSERT', 1, '1');
    forged.dynamodb!.NewImage!.PK = { S: `TRANSLATION#${ITEM_ID}` };
    expect(isOutboxRecord(forged)).toBe(false);
  });

  it('makes no PutEvents call when the batch has no outbox record', async () => {
    const { publish, deps: d } = deps();
    expect(await publishStreamRecords([record('MODIFY', 2, '5'), record('REMOVE', 3, '6')], d)).toEqual({
      batchItemFailures: [],
    });
    expect(publish).not.toHaveBeenCalled();
  });

  it('publishes all outbox records of a batch in one publish call', async () => {
    const { publish, deps: d } = deps();
    await publishStreamRecords(
      [record('INSERT', 1, '10'), record('MODIFY', 1, '11'), record('INSERT', 2, '12')],
      d,
    );
    expect(publish).toHaveBeenCalledTimes(1);
    const entries = publish.mock.calls[0]![0];
    expect(entries.map((e) => [e.detailType, (e.detail as { eventId: string }).eventId])).toEqual([
      ['NewsItemPublished', eventIdOf(ITEM_ID, 1)],
      ['NewsItemCorrected', eventIdOf(ITEM_ID, 2)],
    ]);
  });

  it('reports the earliest of a publish failure and a poison record', async () => {
    const poison = record('INSERT', 3, '23');
    poison.dynamodb!.NewImage!.document = { S: '[]' };
    const { deps: d } = deps((entries) => ({
      failedIds: [entries[1]!.id],
      failures: [{ id: entries[1]!.id, errorCode: 'InternalFailure' }],
    }));
    const records = [record('INSERT', 1, '21'), record('INSERT', 2, '22'), poison, record('INSERT', 4, '24')];
    expect(await publishStreamRecords(records, d)).toEqual({ batchItemFailures: [{ itemIdentifier: '22' }] });
    expect(await publishStreamRecords(records.slice(2), deps().deps)).toEqual({
      batchItemFailures: [{ itemIdentifier: '23' }],
    });
  });

  it('fails the whole batch when a failed record has no sequence number to report', async () => {
    const broken = record('INSERT', 1);
    broken.dynamodb!.NewImage!.itemId = { S: '' };
    await expect(publishStreamRecords([broken], deps().deps)).rejects.toThrow(/SequenceNumber/);
  });

  it('publishes NewsItemTranslated from the one write that announces a translation, and nothing else of its row', async () => {
    const claim = translationImage('in-progress');
    const held = translationImage('translated');
    const announced = translationImage('translated', '2024-11-28T09:42:00.000Z');
    const claimed = translationRecord('INSERT', undefined, claim, '31');
    const recordedHeld = translationRecord('MODIFY', claim, held, '32');
    const releasedAnnouncement = translationRecord('MODIFY', held, announced, '33');
    const recordedAnnounced = translationRecord('MODIFY', claim, announced, '34');
    const rewritten = translationRecord('MODIFY', announced, announced, '35');
    expect(
      [claimed, recordedHeld, releasedAnnouncement, recordedAnnounced, rewritten].map(isOutboxRecord),
    ).toEqual([false, false, true, true, false]);

    const { publish, deps: d } = deps();
    await publishStreamRecords([claimed, recordedHeld, releasedAnnouncement, rewritten], d);
    const entries = publish.mock.calls[0]![0];
    expect(entries).toEqual([
      {
        id: '2',
        source: 'diplowire.items',
        detailType: 'NewsItemTranslated',
        detail: {
          schemaVersion: '1',
          eventId: translationEventIdOf({ itemId: ITEM_ID, version: 1, language: 'en' }),
          itemId: ITEM_ID,
          version: 1,
          partnerId: 'ptn_01JDQ8X2AB3CD4EF5GH6JK7MN8',
          uri: 'urn:test:1',
          sourceLanguage: 'ar',
          language: 'en',
          provider: 'aws',
          status: 'translated',
          charactersBilled: 9,
          translatedAt: '2024-11-28T09:42:00.000Z',
          headline: 'Title',
        },
      },
    ]);
  });

  it('reports an announced translation row it cannot read instead of dropping it', async () => {
    const broken = translationImage('translated', '2024-11-28T09:42:00.000Z');
    delete broken!.headlines;
    const failed = translationRecord('MODIFY', translationImage('in-progress'), broken, '41');
    expect(await publishStreamRecords([failed], deps().deps)).toEqual({
      batchItemFailures: [{ itemIdentifier: '41' }],
    });
  });
});
