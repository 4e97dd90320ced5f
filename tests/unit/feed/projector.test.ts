import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { projectStreamRecords } from '#functions/feed-projector/project-stream-records.ts';
import { toVersionRecord } from '#shared/adapters/dynamodb/item-records.ts';
import { translationKey } from '#shared/adapters/dynamodb/table-design.ts';
import { Logger } from '#shared/adapters/logger.ts';
import { Metrics } from '#shared/adapters/metrics.ts';
import { embargoedEventIdOf, eventIdOf } from '#shared/domain/events.ts';
import type { NewFeedRecord } from '#shared/domain/feed/model.ts';
import type { ItemVersion } from '#shared/domain/item.ts';
import { translationEventIdOf } from '#shared/domain/translation/model.ts';

/**
 * The feed projector over the stream records the items table produces (images built by the store's
 * own record mapping): held versions stay held entries, a release and the translations made during
 * the embargo enter the feed as public changes, once each.
 */

const ITEM_ID = 'itm_01JDQ8ZK4W6M2B7Y3C9F0T5R1N';
const EMBARGO = '2030-01-01T09:00:00.000Z';
const RELEASED = '2030-01-01T09:00:00.412Z';

function version(overrides: Partial<ItemVersion> = {}): ItemVersion {
  return {
    itemId: ITEM_ID,
    version: 1,
    partnerId: 'ptn_01JDQ8X2AB3CD4EF5GH6JK7MN8',
    uri: 'urn:test:embargoed',
    language: 'ar',
    pubstatus: 'usable',
    receivedAt: '2029-12-31T20:00:00.000Z',
    contentHash: 'c'.repeat(64),
    document: { uri: 'urn:test:embargoed', language: 'ar', headlines: [{ value: 'بيان' }] },
    publicBefore: false,
    hold: { kind: 'embargo', until: EMBARGO },
    ...overrides,
  };
}

type Image = NonNullable<DynamoDBRecord['dynamodb']>['NewImage'];

/** A version row as the store leaves it: the release and the supersede are later updates of the row. */
function versionImage(v: ItemVersion): Image {
  const row = {
    ...toVersionRecord(v, { itemCreatedAt: v.receivedAt, writeId: 'w1' }),
    releasedAt: v.releasedAt,
    supersededAt: v.supersededAt,
  };
  return marshall(row, { removeUndefinedValues: true }) as Image;
}

let sequence = 0;
function streamRecord(
  eventName: 'INSERT' | 'MODIFY',
  keys: { PK: string; SK: string },
  NewImage: Image,
  OldImage?: Image,
): DynamoDBRecord {
  return {
    eventName,
    dynamodb: {
      SequenceNumber: String(++sequence),
      Keys: marshall(keys) as Image,
      NewImage,
      ...(OldImage && { OldImage }),
    },
  };
}

function translationImage(itemVersion: number, language: string, translatedAt: string): Image {
  const key = { itemId: ITEM_ID, version: itemVersion, language };
  return marshall({ ...translationKey(key), ...key, status: 'translated', translatedAt }) as Image;
}

function projector(stored: ItemVersion, translations: { language: string; translatedAt: string }[] = []) {
  const appended: NewFeedRecord[] = [];
  const seen = new Set<string>();
  const logger = new Logger({ logLevel: 'SILENT' });
  const deps = {
    feed: {
      // Like the store: a change is recorded once per eventId.
      appendAll: async (records: readonly NewFeedRecord[]) =>
        records.map((record) => {
          if (seen.has(record.eventId)) return undefined;
          seen.add(record.eventId);
          appended.push(record);
          return appended.length;
        }),
    },
    getVersion: async () => stored,
    translationsOf: async () => translations,
    logger,
    metrics: new Metrics({ namespace: 'Test' }),
  };
  return { appended, run: (records: DynamoDBRecord[]) => projectStreamRecords(records, deps) };
}

describe('the feed projector and embargoes', () => {
  const held = version();
  const released = { ...held, releasedAt: RELEASED };
  const keys = { PK: `ITEM#${ITEM_ID}`, SK: 'V#000000001' };

  it('records a held version as a held entry, and nothing for a translation made while it is held', async () => {
    const { appended, run } = projector(held);
    const translationKeys = translationKey({ itemId: ITEM_ID, version: 1, language: 'en' });
    await run([
      streamRecord('INSERT', keys, versionImage(held)),
      streamRecord('INSERT', translationKeys, translationImage(1, 'en', '2029-12-31T20:00:05.000Z')),
    ]);
    expect(appended).toEqual([
      expect.objectContaining({
        type: 'NewsItemEmbargoed',
        held: true,
        eventId: embargoedEventIdOf(ITEM_ID, 1),
      }),
    ]);
  });

  it('records the release as the public event at the release time, with the translations made during the embargo', async () => {
    const { appended, run } = projector(released, [
      { language: 'en', translatedAt: '2029-12-31T20:00:05.000Z' },
    ]);
    const result = await run([streamRecord('MODIFY', keys, versionImage(released), versionImage(held))]);
    expect(result.batchItemFailures).toEqual([]);
    expect(appended).toEqual([
      expect.objectContaining({
        type: 'NewsItemPublished',
        held: false,
        eventId: eventIdOf(ITEM_ID, 1),
        time: RELEASED,
      }),
      expect.objectContaining({
        type: 'NewsItemTranslated',
        held: false,
        translationLanguage: 'en',
        eventId: translationEventIdOf({ itemId: ITEM_ID, version: 1, language: 'en' }),
        // Public from the release on, not from when it was translated.
        time: RELEASED,
      }),
    ]);
  });

  it('records a translation finished after the release as public, and a repeated release once', async () => {
    const { appended, run } = projector(released);
    const translationKeys = translationKey({ itemId: ITEM_ID, version: 1, language: 'fr' });
    const release = streamRecord('MODIFY', keys, versionImage(released), versionImage(held));
    await run([
      release,
      streamRecord('INSERT', translationKeys, translationImage(1, 'fr', '2030-01-01T09:00:03.000Z')),
      release,
    ]);
    expect(appended.map((r) => [r.type, r.held, r.time])).toEqual([
      ['NewsItemPublished', false, RELEASED],
      ['NewsItemTranslated', false, '2030-01-01T09:00:03.000Z'],
    ]);
  });

  it('ignores other modifications of a version row (a supersede, a held row already released)', async () => {
    const superseded = { ...held, supersededAt: '2029-12-31T21:00:00.000Z' };
    const { appended, run } = projector(superseded, [{ language: 'en', translatedAt: RELEASED }]);
    await run([
      streamRecord('MODIFY', keys, versionImage(superseded), versionImage(held)),
      streamRecord('MODIFY', keys, versionImage(released), versionImage(released)),
    ]);
    expect(appended).toEqual([]);
  });

  it('never records a translation of a superseded held version', async () => {
    const superseded = { ...held, supersededAt: '2029-12-31T21:00:00.000Z' };
    const { appended, run } = projector(superseded);
    const translationKeys = translationKey({ itemId: ITEM_ID, version: 1, language: 'en' });
    await run([streamRecord('INSERT', translationKeys, translationImage(1, 'en', RELEASED))]);
    expect(appended).toEqual([]);
  });
});
