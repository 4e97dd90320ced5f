import type { EventBridgeEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { toReleaseEvent } from '#shared/domain/events.ts';
import { newId } from '#shared/domain/ids.ts';
import type { ItemVersion } from '#shared/domain/item.ts';
import { translationEventIdOf } from '#shared/domain/translation/model.ts';
import {
  claimRow,
  context,
  document,
  eventOf,
  items,
  outbox,
  server,
  translations,
  translatorHandler,
  versionOf,
} from '../support/translator-setup';

describe('translator', () => {
  /** A version held by an embargo until `until`, written through the real item store. */
  async function writeHeldItem(until: string): Promise<ItemVersion> {
    const version: ItemVersion = {
      ...versionOf(newId('itm'), newId('ptn'), 1, document(1, 'usable')),
      hold: { kind: 'embargo', until },
    };
    expect(await items.createItem(version)).toEqual({ created: true });
    return version;
  }

  /** The public event the outbox publishes when `version` is released at `releasedAt`. */
  function releaseEventOf(version: ItemVersion, releasedAt: string): EventBridgeEvent<string, unknown> {
    const release = toReleaseEvent(version, releasedAt);
    return {
      ...eventOf(version),
      source: release.source,
      'detail-type': release.detailType,
      detail: release.detail,
    };
  }

  it('translates a held version without announcing it; its release announces it once, whatever the duplicates', async () => {
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const held = await writeHeldItem(until);
    const embargoed = eventOf(held);
    expect(embargoed['detail-type']).toBe('NewsItemEmbargoed');
    await translatorHandler()(embargoed, context);
    await translatorHandler()(embargoed, context); // redelivered while still held
    expect(server.calls).toHaveLength(1);
    expect(await translations.getVersion(held.itemId, 1, 'en')).toMatchObject({ status: 'translated' });
    expect(await claimRow(held.itemId)).not.toHaveProperty('announcedAt');
    // Ready for the release, but no public subscriber can learn of it yet.
    expect(await outbox()).toEqual([]);

    // The release's public event reaches the translator, here three times at once.
    const released = releaseEventOf(held, until);
    const results = await Promise.allSettled([1, 2, 3].map(() => translatorHandler()(released, context)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    const key = { itemId: held.itemId, version: 1, language: 'en' };
    expect((await outbox()).map((p) => p.detail)).toEqual([
      expect.objectContaining({ eventId: translationEventIdOf(key), version: 1, status: 'translated' }),
    ]);
    expect(await claimRow(held.itemId)).toHaveProperty('announcedAt');
    await translatorHandler()(released, context); // a later redelivery
    expect(await outbox()).toHaveLength(1);
    expect(server.calls).toHaveLength(1); // translated once, during the embargo
  });

  it('announces the translation of a version released before its held event reached the translator, and nothing more', async () => {
    const until = new Date(Date.now() - 1_000).toISOString();
    const held = await writeHeldItem(until);
    // The release event comes first (the held event was retried): translated and announced at once.
    await translatorHandler()(releaseEventOf(held, until), context);
    await translatorHandler()(eventOf(held), context); // the late NewsItemEmbargoed
    expect(server.calls).toHaveLength(1);
    expect((await outbox()).map((p) => p.detail.version)).toEqual([1]);
  });
});
