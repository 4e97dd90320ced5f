/**
 * The outbox publisher's translation events: NewsItemTranslated from the write that announces an
 * outcome (once, and only when announced: a held version's at its release), never an item event
 * from a translation partition.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import type { ItemVersion } from '#shared/domain/item.ts';
import { translationEventIdOf } from '#shared/domain/translation/model.ts';
import { raw, reader, tableName, translations, useItemStream, writeItem } from '../support/item-stream';
import { deliveries, invoke, putCalls, translated, useOutboxPublisher } from '../support/outbox-publisher';
import { recordTranslation } from '../support/translations';

useOutboxPublisher();
useItemStream('outbox');

describe('outbox publisher: translation outcomes', () => {
  /** Records the English translation of `version` as the translator does. */
  async function recordEnglish(version: ItemVersion, announce: boolean) {
    const key = { itemId: version.itemId, version: version.version, language: 'en' };
    await recordTranslation(
      translations,
      { ...key, partnerId: version.partnerId, uri: version.uri },
      { announce },
    );
    return key;
  }

  it('publishes NewsItemTranslated from the write that announces an outcome, once, and nothing for claims or held outcomes', async () => {
    const [open] = await writeItem(1);
    const [held] = await writeItem(1);
    await reader.readAvailable(); // the versions' own events are tested above
    const openKey = await recordEnglish(open!, true);
    const heldKey = await recordEnglish(held!, false);

    expect(await invoke(await reader.readAvailable())).toEqual({ batchItemFailures: [] });
    expect(translated).toEqual([
      {
        schemaVersion: '1',
        eventId: translationEventIdOf(openKey),
        itemId: open!.itemId,
        version: 1,
        partnerId: open!.partnerId,
        uri: open!.uri,
        sourceLanguage: 'ar',
        language: 'en',
        provider: 'aws',
        status: 'translated',
        charactersBilled: 42,
        translatedAt: '2026-11-29T12:00:00.000Z',
        headline: 'Kuwait and Belgium discuss ties',
      },
    ]);
    expect(deliveries).toEqual([]);

    // The held version is released: its translation is announced then, and only once.
    expect(await translations.announce(heldKey)).toBe(true);
    expect(await translations.announce(heldKey)).toBe(false);
    expect(await invoke(await reader.readAvailable())).toEqual({ batchItemFailures: [] });
    expect(translated.map((t) => t.eventId)).toEqual([
      translationEventIdOf(openKey),
      translationEventIdOf(heldKey),
    ]);
  });

  it('never publishes an item event from a translation partition', async () => {
    // A version-shaped row where the translator's role may write: the outbox ignores it.
    const [v] = await writeItem(1);
    await reader.readAvailable();
    await raw().send(
      new PutItemCommand({
        TableName: tableName,
        Item: {
          PK: { S: `TRANSLATION#${v!.itemId}` },
          SK: { S: 'V#000000002' },
          entity: { S: 'ItemVersion' },
          itemId: { S: v!.itemId },
          version: { N: '2' },
          announcedAt: { S: '2026-11-29T12:00:00.000Z' },
        },
      }),
    );
    expect(await invoke(await reader.readAvailable())).toEqual({ batchItemFailures: [] });
    expect(deliveries).toEqual([]);
    expect(translated).toEqual([]);
    expect(putCalls).toBe(0);
  });
});
