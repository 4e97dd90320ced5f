import { describe, expect, it } from 'vitest';
import { utf8ByteLength } from '#shared/domain/translation/chunking.ts';
import { UNSUPPORTED_PAIR } from '../support/local-translate-server';
import {
  context,
  document,
  eventOf,
  outbox,
  SENTENCE,
  server,
  translations,
  translatorHandler,
  writeItem,
} from '../support/translator-setup';

describe('translator', () => {
  it('does not translate a retracted item', async () => {
    const [v1] = await writeItem([document(1, 'usable'), document(2, 'canceled')]);
    await translatorHandler()(eventOf(v1!), context);
    expect(server.calls).toEqual([]);
    expect(await translations.get(v1!.itemId, 'en')).toBeUndefined();
    expect(await translations.getVersion(v1!.itemId, 1, 'en')).toMatchObject({
      status: 'skipped',
      reason: 'item retracted',
    });
    expect((await outbox()).map((p) => [p.detail.status, p.detail.reason, p.detail.headline])).toEqual([
      ['skipped', 'item retracted', ''],
    ]);
  });

  it('does nothing for an item already in the target language', async () => {
    const [v1] = await writeItem([{ ...document(1, 'usable'), language: 'en-GB' }]);
    await translatorHandler()(eventOf(v1!), context);
    expect(server.calls).toEqual([]);
    expect(await translations.getVersion(v1!.itemId, 1, 'en')).toBeUndefined();
    expect(await outbox()).toEqual([]);
  });

  it('records "no translation provider" when the provider is none, with no fake translation', async () => {
    const [v1] = await writeItem([document(1, 'usable')]);
    await translatorHandler('none')(eventOf(v1!), context);
    expect(server.calls).toEqual([]);
    expect(await translations.getVersion(v1!.itemId, 1, 'en')).toMatchObject({
      provider: 'none',
      status: 'skipped',
      reason: 'no translation provider',
      headlines: [],
      bodies: [],
    });
    expect((await outbox())[0]!.detail).toMatchObject({
      provider: 'none',
      status: 'skipped',
      charactersBilled: 0,
    });
  });

  it('records an unsupported language pair as skipped instead of retrying forever', async () => {
    const [v1] = await writeItem([document(1, 'usable')]);
    server.failAlways(UNSUPPORTED_PAIR);
    await translatorHandler()(eventOf(v1!), context);
    expect(server.calls).toHaveLength(1);
    expect((await outbox())[0]!.detail).toMatchObject({
      status: 'skipped',
      reason: 'unsupported language pair ar->en',
    });
  });

  it.each([['x-klingon'], ['i-klingon'], ['x-diplo-ar']])(
    'records a %s item as skipped with a reason, without sending the code to Translate or retrying',
    async (tag) => {
      const [v1] = await writeItem([{ ...document(1, 'usable'), language: tag }]);
      await translatorHandler()(eventOf(v1!), context);
      expect(server.calls).toEqual([]);
      expect(await translations.getVersion(v1!.itemId, 1, 'en')).toMatchObject({
        status: 'skipped',
        reason: `no provider language code for ${tag}`,
      });
      expect((await outbox())[0]!.detail).toMatchObject({ status: 'skipped', sourceLanguage: tag });
    },
  );

  it('records a request Translate refuses as invalid (ValidationException) as skipped, not retried into the DLQ', async () => {
    const [v1] = await writeItem([document(1, 'usable')]);
    server.failAlways({ type: 'ValidationException', status: 400 });
    await translatorHandler()(eventOf(v1!), context);
    expect(server.calls).toHaveLength(1);
    expect((await outbox())[0]!.detail).toMatchObject({
      status: 'skipped',
      reason: 'refused by the provider (ValidationException)',
    });
  });

  it('records a translation too large for one DynamoDB item as skipped, and stops paying for it early', async () => {
    // ~120 KB of Arabic in paragraphs; the engine answers four times as long as it was asked.
    const paragraphs = Array.from({ length: 600 }, (_, i) => `${SENTENCE}فقرة ${i}.`);
    const body = paragraphs.join('\n\n');
    const [v1] = await writeItem([
      document(1, 'usable', [{ role: 'main', contenttype: 'text/plain', value: body }]),
    ]);
    server.growAnswers(4);
    await translatorHandler()(eventOf(v1!), context);
    const outcome = await translations.getVersion(v1!.itemId, 1, 'en');
    expect(outcome).toMatchObject({ status: 'skipped', headlines: [], bodies: [] });
    expect(outcome!.reason).toMatch(/^translation too large to store \(over \d+ bytes\)$/);
    // What was paid for is on record, and the remaining requests were never sent.
    expect(outcome!.charactersBilled).toBe(server.charactersTranslated);
    const planned = Math.ceil(utf8ByteLength(body) / 10_000);
    expect(server.calls.length).toBeLessThan(planned);
    expect((await outbox()).map((p) => p.detail.status)).toEqual(['skipped']);
  });

  it('records an HTML block too large to cut as skipped before anything is sent', async () => {
    const block = `<p>${SENTENCE.repeat(700)}</p>`;
    expect(utf8ByteLength(block)).toBeGreaterThan(100_000);
    const [v1] = await writeItem([
      document(1, 'usable', [
        { role: 'main', contenttype: 'text/plain', value: SENTENCE },
        { role: 'html', contenttype: 'text/html', value: block },
      ]),
    ]);
    await translatorHandler()(eventOf(v1!), context);
    expect(server.calls).toEqual([]);
    expect(await translations.getVersion(v1!.itemId, 1, 'en')).toMatchObject({
      status: 'skipped',
      reason: 'a text cannot be cut to the request limit without breaking its markup or a character',
      charactersBilled: 0,
    });
  });
});
