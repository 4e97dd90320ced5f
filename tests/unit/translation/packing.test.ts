import { describe, expect, it } from 'vitest';
import { characterCount, MAX_TEXT_BYTES, utf8ByteLength } from '#shared/domain/translation/chunking.ts';
import { planTextRequests, splitParagraphs, translateContent } from '#shared/domain/translation/packing.ts';
import type { TextTranslator, TranslateRequest } from '#shared/domain/translation/ports.ts';
import { arabicArticle, SENTENCES } from './arabic-article';

const PARAGRAPHS = /\n[ \t]*(?:\n[ \t]*)+/;

/**
 * A deterministic engine that, like a real one, translates paragraph by paragraph and keeps blank
 * lines: every paragraph gets a "[en] " prefix. `mangle` lets a test make it merge paragraphs.
 */
function fakeEngine(mangle?: (text: string) => string | undefined) {
  const calls: TranslateRequest[] = [];
  const translator: TextTranslator = {
    async translate(request) {
      calls.push(request);
      if (request.contentType === 'text/html') return { text: request.text.replace(/<p>/g, '<p>[en] ') };
      const mangled = mangle?.(request.text);
      if (mangled !== undefined) return { text: mangled };
      // Engines trim the edges and may normalise the blank lines between paragraphs.
      return {
        text: request.text
          .trim()
          .split(PARAGRAPHS)
          .map((p) => `[en] ${p}`)
          .join('\n\n'),
      };
    },
  };
  return { calls, translator };
}

const options = { sourceLanguage: 'ar', targetLanguage: 'en' };
const codePoints = (texts: string[]) => texts.reduce((sum, t) => sum + characterCount(t), 0);

describe('planTextRequests', () => {
  it('packs a headline and a short body into one request, separated by a blank line', () => {
    const plan = planTextRequests(['عنوان الخبر', 'فقرة أولى.\n\nفقرة ثانية.']);
    expect(plan.requests).toEqual([{ text: 'عنوان الخبر\n\nفقرة أولى.\n\nفقرة ثانية.', units: [0, 1, 2] }]);
    expect(plan.units.map((u) => u.segment)).toEqual([0, 1, 1]);
  });

  it('packs a headline and a 30 KB Arabic body into about ceil(bytes / 10,000) requests, the headline first', () => {
    const headline = 'الكويت وبلجيكا تبحثان تعزيز العلاقات الثنائية';
    const body = arabicArticle(30_000);
    const totalBytes = utf8ByteLength(headline) + utf8ByteLength(body);
    const plan = planTextRequests([headline, body]);

    const minimum = Math.ceil(totalBytes / MAX_TEXT_BYTES);
    expect(plan.requests.length).toBeGreaterThanOrEqual(minimum);
    // Greedy packing at paragraph boundaries wastes less than one paragraph per request.
    expect(plan.requests.length).toBeLessThanOrEqual(minimum + 1);
    expect(plan.requests[0]!.text.startsWith(`${headline}\n\n`)).toBe(true);
    for (const request of plan.requests)
      expect(utf8ByteLength(request.text)).toBeLessThanOrEqual(MAX_TEXT_BYTES);
    // Every paragraph is sent once, whole and in order.
    expect(plan.requests.flatMap((r) => r.text.split('\n\n'))).toEqual([headline, ...body.split('\n\n')]);
  });

  it('measures UTF-8 bytes, not UTF-16 units: Arabic fills a request at half the character count', () => {
    const paragraph = 'كلمة '.repeat(19).trim(); // 94 characters, 170 bytes
    const body = Array.from({ length: 12 }, () => paragraph).join('\n\n');
    const plan = planTextRequests([body], 400);
    // 170 + 2 + 170 = 342 bytes fit; a third paragraph (514) does not, though 286 characters would.
    expect(plan.requests.map((r) => r.units.length)).toEqual([2, 2, 2, 2, 2, 2]);
    for (const request of plan.requests) {
      expect(utf8ByteLength(request.text)).toBeLessThanOrEqual(400);
      expect(request.text.length).toBeLessThan(200);
    }
  });

  it('cuts a paragraph longer than a request at sentence ends (Arabic punctuation), never inside a word', () => {
    const paragraph = Array.from({ length: 60 }, (_, i) => SENTENCES[i % SENTENCES.length]).join(' ');
    const plan = planTextRequests(['عنوان', paragraph], 1_000);
    expect(plan.requests.length).toBeGreaterThan(3);
    for (const request of plan.requests) expect(utf8ByteLength(request.text)).toBeLessThanOrEqual(1_000);
    const bodyUnits = plan.units.filter((u) => u.segment === 1).map((u) => u.text);
    for (const unit of bodyUnits.slice(0, -1)) expect(['.', '؟', '؛', '…', '!', '۔']).toContain(unit.at(-1));
    expect(bodyUnits.join(' ').split(' ')).toEqual(paragraph.split(' '));
  });

  it('sends nothing for blank segments', () => {
    expect(planTextRequests(['', '  \n\n ']).requests).toEqual([]);
  });
});

describe('splitParagraphs', () => {
  it('splits on blank lines and refuses another count', () => {
    expect(splitParagraphs(' a\n\nb\n \n\nc ', 3)).toEqual(['a', 'b', 'c']);
    expect(splitParagraphs('a b c', 3)).toBeUndefined();
    expect(splitParagraphs('a\n\nb\n\nc\n\nd', 3)).toBeUndefined();
    // One unit takes the whole answer, whatever the engine did with it.
    expect(splitParagraphs('a\n\nb', 1)).toEqual(['a\n\nb']);
  });
});

describe('translateContent', () => {
  it('translates a headline and a short body in one call and maps the paragraphs back', async () => {
    const { calls, translator } = fakeEngine();
    const result = await translateContent(
      {
        headlines: [{ role: 'main', value: 'عنوان الخبر' }],
        bodies: [
          { role: 'main', contenttype: 'text/plain', value: '\nفقرة أولى.\r\n\r\nفقرة ثانية.\n \n\nثالثة. ' },
        ],
      },
      translator,
      options,
    );
    expect(calls).toHaveLength(1);
    expect(calls[0]).toEqual({ text: 'عنوان الخبر\n\nفقرة أولى.\n\nفقرة ثانية.\n\nثالثة.', ...options });
    expect(result.headlines).toEqual([{ role: 'main', value: '[en] عنوان الخبر' }]);
    // Each paragraph translated; the source's own separators and edge whitespace restored exactly.
    expect(result.bodies).toEqual([
      {
        role: 'main',
        contenttype: 'text/plain',
        value: '\n[en] فقرة أولى.\r\n\r\n[en] فقرة ثانية.\n \n\n[en] ثالثة. ',
      },
    ]);
    expect(result).toMatchObject({
      requests: 1,
      fallbacks: 0,
      charactersBilled: characterCount(calls[0]!.text),
    });
  });

  it('sends every source character once for a 30 KB body, the headline in the first request', async () => {
    const { calls, translator } = fakeEngine();
    const headline = 'عنوان طويل';
    const body = arabicArticle(30_000);
    const result = await translateContent(
      { headlines: [{ value: headline }], bodies: [{ value: body }] },
      translator,
      options,
    );
    expect(calls.length).toBe(planTextRequests([headline, body]).requests.length);
    expect(calls[0]!.text.startsWith(headline)).toBe(true);
    expect(result.headlines[0]!.value).toBe(`[en] ${headline}`);
    expect(result.bodies[0]!.value).toBe(
      body
        .split('\n\n')
        .map((p) => `[en] ${p}`)
        .join('\n\n'),
    );
    expect(result.charactersBilled).toBe(codePoints(calls.map((c) => c.text)));
    // Only the added blank lines between units are extra: the source's characters are each sent once.
    const sentVisible = calls.map((c) => c.text.replace(/\s+/g, '')).join('');
    expect(sentVisible).toBe(`${headline}${body}`.replace(/\s+/g, ''));
    expect(result.requests).toBe(calls.length);
  });

  it('falls back to one call per segment when the engine merges paragraphs, and counts every call', async () => {
    // This engine merges paragraphs of any request that holds more than two of them.
    const { calls, translator } = fakeEngine((text) =>
      text.split('\n\n').length > 2 ? `[en] ${text.replaceAll('\n\n', ' ')}` : undefined,
    );
    const result = await translateContent(
      { headlines: [{ value: 'عنوان' }], bodies: [{ value: 'فقرة أولى.\n\nفقرة ثانية.' }] },
      translator,
      options,
    );
    expect(calls.map((c) => c.text)).toEqual([
      'عنوان\n\nفقرة أولى.\n\nفقرة ثانية.',
      'عنوان',
      'فقرة أولى.\n\nفقرة ثانية.',
    ]);
    expect(result.headlines[0]!.value).toBe('[en] عنوان');
    expect(result.bodies[0]!.value).toBe('[en] فقرة أولى.\n\n[en] فقرة ثانية.');
    // The mismatched request was billed too: counted honestly.
    expect(result).toMatchObject({
      requests: 3,
      fallbacks: 1,
      charactersBilled: codePoints(calls.map((c) => c.text)),
    });
  });

  it('falls back to one call per paragraph when a single segment comes back merged', async () => {
    const { calls, translator } = fakeEngine((text) =>
      text.includes('\n\n') ? `[en] ${text.replaceAll('\n\n', ' ')}` : undefined,
    );
    const result = await translateContent(
      { headlines: [], bodies: [{ value: 'أ.\n\nب.\n\nج.' }] },
      translator,
      options,
    );
    expect(calls.map((c) => c.text)).toEqual(['أ.\n\nب.\n\nج.', 'أ.', 'ب.', 'ج.']);
    expect(result.bodies[0]!.value).toBe('[en] أ.\n\n[en] ب.\n\n[en] ج.');
    expect(result).toMatchObject({ requests: 4, fallbacks: 1 });
  });

  it('translates HTML bodies through the document operation, apart from the packed plain text', async () => {
    const { calls, translator } = fakeEngine();
    const result = await translateContent(
      {
        headlines: [{ value: 'عنوان' }],
        bodies: [
          { role: 'html', contenttype: 'text/html; charset=utf-8', value: '<p>فقرة</p>' },
          { role: 'main', value: 'نص' },
          { role: 'empty', value: '  ' },
        ],
      },
      translator,
      options,
    );
    expect(calls.map((c) => [c.text, c.contentType])).toEqual([
      ['عنوان\n\nنص', undefined],
      ['<p>فقرة</p>', 'text/html'],
    ]);
    expect(result.bodies).toEqual([
      { role: 'html', contenttype: 'text/html; charset=utf-8', value: '<p>[en] فقرة</p>' },
      { role: 'main', value: '[en] نص' },
      { role: 'empty', value: '  ' },
    ]);
    expect(result.requests).toBe(2);
  });
});
