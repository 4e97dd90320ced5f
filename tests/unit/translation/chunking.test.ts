import { describe, expect, it } from 'vitest';
import {
  ChunkingError,
  characterCount,
  chunkHtml,
  chunkText,
  MAX_TEXT_BYTES,
  utf8ByteLength,
  withSourceWhitespace,
} from '#shared/domain/translation/chunking.ts';
import { arabicArticle, SENTENCES } from './arabic-article';

const ENDS_AT_BOUNDARY = /(?:\n\s*|[.!?\u2026\u061f\u061b\u06d4]\s+|\s)$/u;

describe('chunkText', () => {
  it('returns a text under the limit whole', () => {
    expect(chunkText('نص قصير.')).toEqual(['نص قصير.']);
  });

  it('cuts a 30 KB Arabic body into chunks under 10,000 bytes, at boundaries, in order', () => {
    const text = arabicArticle(30_000);
    expect(utf8ByteLength(text)).toBeGreaterThan(30_000);
    // Arabic letters are 2 bytes: the character count alone would wrongly fit in one request.
    expect(text.length).toBeLessThan(2 * MAX_TEXT_BYTES);

    const chunks = chunkText(text);
    expect(chunks.length).toBeGreaterThanOrEqual(4);
    for (const chunk of chunks) expect(utf8ByteLength(chunk)).toBeLessThanOrEqual(MAX_TEXT_BYTES);
    for (const chunk of chunks.slice(0, -1)) expect(chunk).toMatch(ENDS_AT_BOUNDARY);
    // Paragraph-level cuts: every chunk but the last ends with the blank line that separated it.
    for (const chunk of chunks.slice(0, -1)) expect(chunk.endsWith('\n\n')).toBe(true);
    // Identity translation, reassembled: the original, separators and order intact.
    expect(chunks.map((c) => withSourceWhitespace(c, c)).join('')).toBe(text);
  });

  it('cuts a paragraph that is too long at sentence ends (Arabic punctuation included), never inside a word', () => {
    const paragraph = Array.from({ length: 200 }, (_, i) => SENTENCES[i % SENTENCES.length]).join(' ');
    const chunks = chunkText(paragraph, 1_000);
    expect(chunks.join('')).toBe(paragraph);
    const enders = new Set(chunks.slice(0, -1).map((c) => c.trimEnd().at(-1)));
    for (const ender of enders) expect(['.', '؟', '؛', '…', '!', '۔']).toContain(ender);
    for (const chunk of chunks) expect(utf8ByteLength(chunk)).toBeLessThanOrEqual(1_000);
  });

  it('keeps "3.5" and other dots inside words together', () => {
    const text = `${'نما الاقتصاد بنسبة 3.5 في المئة '.repeat(40)}.`;
    const chunks = chunkText(text, 200);
    expect(chunks.join('')).toBe(text);
    for (const chunk of chunks) expect(chunk).not.toMatch(/^\.5|3\.$/);
  });

  it('cuts one huge sentence without punctuation at whitespace', () => {
    const words = Array.from({ length: 3_000 }, (_, i) => `كلمة${i}`);
    const sentence = words.join(' ');
    const chunks = chunkText(sentence, MAX_TEXT_BYTES);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.join('')).toBe(sentence);
    const seen = chunks.flatMap((c) => c.trim().split(' '));
    expect(seen).toEqual(words);
  });

  it('cuts a whitespace-free run between graphemes, keeping diacritics with their letters', () => {
    const run = 'بِسْمِ'.repeat(2_000); // letters with harakat (combining marks), no whitespace at all
    const chunks = chunkText(run, 1_001);
    expect(chunks.join('')).toBe(run);
    for (const chunk of chunks) {
      expect(utf8ByteLength(chunk)).toBeLessThanOrEqual(1_001);
      expect(chunk.normalize('NFD').charAt(0)).not.toMatch(/\p{M}/u);
    }
  });

  it('cuts at newlines when a paragraph is made of lines', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `سطر رقم ${i} بدون علامة ترقيم`);
    const text = lines.join('\n');
    const chunks = chunkText(text, 300);
    expect(chunks.join('')).toBe(text);
    for (const chunk of chunks.slice(0, -1)) expect(chunk.endsWith('\n')).toBe(true);
  });
});

describe('chunkHtml', () => {
  const paragraphs = Array.from(
    { length: 60 },
    (_, i) => `<p class="x" data-n="${i}">فقرة <b>رقم</b> ${i}.</p>`,
  );
  const html = paragraphs.join('\n');

  it('splits only after top-level blocks, never inside a tag or an open element', () => {
    const chunks = chunkHtml(html, 500);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.join('')).toBe(html);
    for (const chunk of chunks) {
      expect(utf8ByteLength(chunk)).toBeLessThanOrEqual(500);
      expect(chunk.trimStart().startsWith('<p ')).toBe(true);
      expect(chunk.trimEnd().endsWith('</p>')).toBe(true);
    }
  });

  it('cuts after a top-level <br> but not inside nested blocks', () => {
    const nested = `<div><p>${'داخل '.repeat(30)}</p><p>${'أيضا '.repeat(30)}</p></div>`;
    const doc = `${'سطر<br>'.repeat(40)}${nested}`;
    const chunks = chunkHtml(doc, 700);
    expect(chunks.join('')).toBe(doc);
    expect(chunks.some((c) => c.endsWith('<br>'))).toBe(true);
    expect(chunks.filter((c) => c.includes('<div>'))).toEqual([expect.stringMatching(/<div>.*<\/div>$/s)]);
  });

  it('ignores ">" inside attribute values', () => {
    const doc = `${'<p title="a>b">نص</p>'.repeat(30)}`;
    const chunks = chunkHtml(doc, 100);
    for (const chunk of chunks) expect(chunk).toMatch(/^(<p title="a>b">نص<\/p>)+$/);
  });

  it('refuses a single top-level block larger than the limit instead of breaking it', () => {
    expect(() => chunkHtml(`<p>${'كلمة '.repeat(500)}</p>`, 1_000)).toThrow(ChunkingError);
  });
});

describe('withSourceWhitespace and characterCount', () => {
  it('restores the separators of the source around a trimmed translation', () => {
    expect(withSourceWhitespace('\n نص.\n\n', 'Text.')).toBe('\n Text.\n\n');
    expect(withSourceWhitespace('نص', '  Text \n')).toBe('Text');
  });

  it('counts code points, not UTF-16 units', () => {
    expect(characterCount('مرحبا 👋')).toBe(7);
    expect('مرحبا 👋'.length).toBe(8);
  });
});
