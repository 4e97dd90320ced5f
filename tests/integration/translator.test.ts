import { describe, expect, it } from 'vitest';
import { InvalidEventError } from '#shared/adapters/subscriber/index.ts';
import { versionPath } from '#shared/contracts/api/paths.ts';
import type { NewsItemDetailV1 } from '#shared/contracts/events/index.ts';
import { toNewsItemEvent } from '#shared/domain/events.ts';
import { characterCount, utf8ByteLength } from '#shared/domain/translation/chunking.ts';
import { translationEventIdOf } from '#shared/domain/translation/model.ts';
import {
  context,
  document,
  eventOf,
  items,
  outbox,
  SENTENCE,
  server,
  sourceCharacters,
  translations,
  translatorHandler,
  versionOf,
  visibleCharacters,
  writeItem,
} from '../support/translator-setup';

describe('translator', () => {
  it('translates a published Arabic item, stores it linked to the version and publishes NewsItemTranslated', async () => {
    const [v1] = await writeItem([document(1, 'usable')]);
    const event = eventOf(v1!);
    await translatorHandler()(event, context);

    const detail = event.detail as NewsItemDetailV1;
    const bodies = detail.bodies!.map((b) => b.value);
    // Inline events carry the first headline; it is packed with the body's paragraphs into ONE
    // request, blank line between units, each source character sent once.
    expect(server.calls).toHaveLength(1);
    expect(server.calls[0]).toMatchObject({
      operation: 'TranslateText',
      sourceLanguage: 'ar',
      targetLanguage: 'en',
    });
    expect(server.calls[0]!.text).toBe(`${detail.headline}\n\n${SENTENCE.trimEnd()}\n\nالنسخة 1.`);
    expect(visibleCharacters(server.calls.map((c) => c.text))).toBe(
      visibleCharacters([detail.headline, ...bodies]),
    );
    // Billed = what was sent (the separators included), and nothing else.
    const expectedCharacters = sourceCharacters(server.calls.map((c) => c.text));
    expect(server.charactersTranslated).toBe(expectedCharacters);

    const stored = await translations.get(v1!.itemId, 'en');
    expect(stored).toMatchObject({
      itemId: v1!.itemId,
      version: 1,
      language: 'en',
      sourceLanguage: 'ar',
      provider: 'aws',
      status: 'translated',
      charactersBilled: expectedCharacters,
      headlines: [{ value: `[en] ${detail.headline}` }],
    });
    // The answer is split back on its blank lines: the first paragraph (the one the test server
    // prefixed) is the headline; the body keeps its own separators, trailing space included.
    expect(stored!.bodies).toEqual([
      { role: 'main', contenttype: 'text/plain', value: `${SENTENCE}\n\nالنسخة 1.` },
    ]);
    expect(await translations.getVersion(v1!.itemId, 1, 'en')).toEqual(stored);

    expect(await outbox()).toHaveLength(1);
    expect((await outbox())[0]).toMatchObject({
      source: 'diplowire.items',
      detailType: 'NewsItemTranslated',
    });
    expect((await outbox())[0]!.detail).toEqual({
      schemaVersion: '1',
      eventId: translationEventIdOf({ itemId: v1!.itemId, version: 1, language: 'en' }),
      itemId: v1!.itemId,
      version: 1,
      partnerId: v1!.partnerId,
      uri: v1!.uri,
      sourceLanguage: 'ar',
      language: 'en',
      provider: 'aws',
      status: 'translated',
      charactersBilled: expectedCharacters,
      translatedAt: stored!.translatedAt,
      headline: `[en] ${detail.headline}`,
    });
  });

  it('translates a correction again and serves the latest translated version', async () => {
    const [v1, v2] = await writeItem([document(1, 'usable'), document(2, 'usable')]);
    const handler = translatorHandler();
    await handler(eventOf(v2!), context);
    // v1's event arrives late: v2 exists, so v1 is skipped with a reason, not translated.
    await handler(eventOf(v1!), context);
    expect(server.calls).toHaveLength(1);
    expect(server.calls[0]!.text).toContain('النسخة 2');

    expect((await translations.get(v1!.itemId, 'en'))?.version).toBe(2);
    expect(await translations.getVersion(v1!.itemId, 1, 'en')).toMatchObject({
      status: 'skipped',
      reason: 'superseded by version 2',
      charactersBilled: 0,
      headlines: [],
      bodies: [],
    });
    expect((await outbox()).map((p) => [p.detail.version, p.detail.status])).toEqual([
      [2, 'translated'],
      [1, 'skipped'],
    ]);
  });

  it('makes exactly one TranslateText call per version of a short item', async () => {
    const [v1] = await writeItem([document(1, 'usable')]);
    const handler = translatorHandler();
    await handler(eventOf(v1!), context);
    expect(server.calls).toHaveLength(1);
    expect(server.calls[0]!.text).toContain('النسخة 1');
    // The correction arrives after v1 was translated (otherwise v1 would be skipped as superseded).
    const v2 = versionOf(v1!.itemId, v1!.partnerId, 2, document(2, 'usable'));
    expect(await items.appendVersion(v2, (await items.getHead(v1!.itemId))!)).toBe(true);
    await handler(eventOf(v2), context);
    expect(server.calls).toHaveLength(2);
    expect(server.calls[1]!.text).toContain('النسخة 2');
    const billed = [
      (await translations.getVersion(v1!.itemId, 1, 'en'))!.charactersBilled,
      (await translations.getVersion(v1!.itemId, 2, 'en'))!.charactersBilled,
    ];
    expect(billed).toEqual(server.calls.map((c) => characterCount(c.text)));
    expect((await outbox()).map((p) => [p.detail.version, p.detail.charactersBilled])).toEqual([
      [1, billed[0]],
      [2, billed[1]],
    ]);
  });

  it('reads the stored version for a bodyRef event and chunks a 30 KB body and an HTML body', async () => {
    const paragraphs = Array.from({ length: 84 }, (_, i) => `${SENTENCE.repeat(2)}فقرة ${i}.`);
    const longText = paragraphs.join('\n\n');
    const html = paragraphs.map((p, i) => `<p data-i="${i}">${p}</p>`).join('\n');
    expect(utf8ByteLength(longText)).toBeGreaterThan(30_000);
    const [v1] = await writeItem([
      document(1, 'usable', [
        { role: 'main', contenttype: 'text/plain', value: longText },
        { role: 'html', contenttype: 'text/html', value: html },
      ]),
    ]);
    const inline = toNewsItemEvent(v1!).detail;
    const { bodies: _, ...withoutBodies } = inline;
    const detail: NewsItemDetailV1 = {
      ...withoutBodies,
      bodyRef: { href: versionPath(v1!.itemId, 1), bytes: utf8ByteLength(JSON.stringify(v1!.document)) },
    };
    await translatorHandler()(eventOf(v1!, detail), context);

    const textCalls = server.calls.filter((c) => c.operation === 'TranslateText');
    const documentCalls = server.calls.filter((c) => c.operation === 'TranslateDocument');
    // Both headlines from the stored document, packed with the long body's paragraphs: as many
    // requests of at most 10,000 bytes as the bytes need (greedy packing wastes less than one each).
    const [main, sub] = v1!.document.headlines!.map((h) => h.value);
    const plainBytes = utf8ByteLength(`${main}\n\n${sub}\n\n${longText}`);
    expect(textCalls.length).toBeGreaterThanOrEqual(Math.ceil(plainBytes / 10_000));
    expect(textCalls.length).toBeLessThanOrEqual(Math.ceil(plainBytes / 10_000) + 1);
    expect(textCalls[0]!.text.startsWith(`${main}\n\n${sub}\n\n${paragraphs[0]}`)).toBe(true);
    for (const call of textCalls) expect(utf8ByteLength(call.text)).toBeLessThanOrEqual(10_000);
    expect(documentCalls).toHaveLength(1);
    expect(documentCalls[0]!.contentType).toBe('text/html');

    const stored = await translations.get(v1!.itemId, 'en');
    expect(stored!.headlines.map((h) => h.role)).toEqual(['main', 'sub']);
    const [plain, markup] = stored!.bodies;
    // Reassembled in order with the paragraph separators intact.
    expect(plain!.value.split('\n\n')).toEqual(paragraphs.map((p) => expect.stringContaining(p)));
    expect(markup!.value.split('\n')).toEqual(paragraphs.map((p, i) => `<p data-i="${i}">[en] ${p}</p>`));
    expect(stored!.headlines.map((h) => h.value)).toEqual([`[en] ${main}`, sub]);
    const source = [main!, sub!, longText, html];
    // Every source character sent once (only blank lines between packed units are added) and billed as sent.
    expect(visibleCharacters(server.calls.map((c) => c.text))).toBe(visibleCharacters(source));
    expect(stored!.charactersBilled).toBe(server.charactersTranslated);
    expect(stored!.charactersBilled).toBe(sourceCharacters(server.calls.map((c) => c.text)));
  });

  it('rejects an event that breaks the contract (poison: thrown for the DLQ, nothing translated)', async () => {
    const [v1] = await writeItem([document(1, 'usable')]);
    const event = eventOf(v1!);
    const broken = { ...event, detail: { ...(event.detail as object), version: 0 } };
    await expect(translatorHandler()(broken, context)).rejects.toBeInstanceOf(InvalidEventError);
    const wrongType = { ...event, 'detail-type': 'NewsItemRetracted' };
    await expect(translatorHandler()(wrongType, context)).rejects.toBeInstanceOf(InvalidEventError);
    expect(server.calls).toEqual([]);
  });
});
