/**
 * Properties of the translation chunker (issue 10): for any text, chunks never exceed the byte limit,
 * never split a grapheme cluster, join back to the input, and the work grows linearly with the input
 * (adversarial inputs that used to take quadratic time finish within a generous bound).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  chunkHtml,
  chunkText,
  graphemesOf,
  htmlTokens,
  utf8ByteLength,
  withSourceWhitespace,
} from '#shared/domain/translation/chunking.ts';
import { propertyRuns } from './support';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Offsets (in UTF-16 code units) where grapheme clusters of `text` start, by the reference segmenter. */
function clusterStarts(text: string): Set<number> {
  return new Set(Array.from(segmenter.segment(text), (s) => s.index));
}

/** Text made of what breaks chunkers: Arabic with diacritics, emoji ZWJ sequences, flags, CRLF, punctuation runs. */
const piece = fc.constantFrom(
  'ع',
  'بِّ',
  'ة',
  ' ',
  '  ',
  '\n',
  '\r\n',
  '\n\n',
  '\t',
  '\u00a0',
  '.',
  '؟',
  '…',
  '"',
  '👨‍👩‍👧‍👦',
  '🇰🇼',
  '🇧🇪',
  'e\u0301',
  'a',
  'word',
  '3.5',
  '\u{1D160}',
);
const text = fc.array(piece, { maxLength: 600 }).map((pieces) => pieces.join(''));
const limit = fc.integer({ min: 40, max: 400 });

describe('chunkText (property)', () => {
  it('never exceeds the byte limit, never splits a grapheme cluster, and joins back to the input', () => {
    fc.assert(
      fc.property(text, limit, (input, maxBytes) => {
        const chunks = chunkText(input, maxBytes);
        expect(chunks.join('')).toBe(input);
        const starts = clusterStarts(input);
        let offset = 0;
        for (const chunk of chunks) {
          expect(utf8ByteLength(chunk)).toBeLessThanOrEqual(maxBytes);
          expect(starts.has(offset) || offset === 0).toBe(true);
          offset += chunk.length;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('segments long texts window by window exactly as one pass over the whole text does', () => {
    const long = fc.array(piece, { minLength: 700, maxLength: 1200 }).map((pieces) => pieces.join(''));
    fc.assert(
      fc.property(long, (input) => {
        expect([...graphemesOf(input)]).toEqual(Array.from(segmenter.segment(input), (s) => s.segment));
      }),
      { numRuns: 25 },
    );
  });

  it('keeps the source edge whitespace around a translation for any text', () => {
    fc.assert(
      fc.property(text, fc.string(), (source, translated) => {
        const result = withSourceWhitespace(source, translated);
        if (source.trim() === '') expect(result).toBe(source);
        else {
          expect(result.startsWith(source.slice(0, source.length - source.trimStart().length))).toBe(true);
          expect(result.endsWith(source.slice(source.trimEnd().length))).toBe(true);
        }
      }),
    );
  });
});

describe('chunkText on adversarial input of 200,000 characters (linear time)', () => {
  // Before the fix each of these took minutes (quadratic regexes and segmenter); the bound is generous
  // for a loaded machine: linear work here takes about a second.
  const N = 200_000;
  it.each([
    ['a run of full stops without whitespace', '.'.repeat(N)],
    ['a run of full stops, then a space', `${'.'.repeat(N)} end`],
    ['a whitespace-free run', 'ب'.repeat(N)],
    ['inner whitespace', `a${' '.repeat(N)}b`],
    ['Arabic question marks', '؟'.repeat(N)],
  ])('%s', (_, input) => {
    const started = performance.now();
    const chunks = chunkText(input, 10_000);
    expect(chunks.join('')).toBe(input);
    expect(withSourceWhitespace(input, 'x').length).toBeGreaterThan(0);
    expect(performance.now() - started).toBeLessThan(20_000);
  });
});

/** The regex the HTML tokenizer replaced: the reference for what a token is. */
const HTML_TOKEN_REGEX = /<!--[\s\S]*?-->|<![^>]*>|<\/?([A-Za-z][\w:-]*)(?:[^>"']|"[^"]*"|'[^']*')*>/g;

describe('htmlTokens (property)', () => {
  const markup = fc.constantFrom(
    '<',
    '>',
    '</',
    '<!',
    '<!--',
    '-->',
    '--',
    '"',
    "'",
    'p',
    'a',
    'div',
    ' ',
    '=',
    '\n',
    '/',
    'x',
    'ع',
  );
  const html = fc.array(markup, { maxLength: 80 }).map((pieces) => pieces.join(''));

  it('finds exactly the tokens the reference regex matches, for any text', () => {
    fc.assert(
      fc.property(html, (input) => {
        const expected = [...input.matchAll(HTML_TOKEN_REGEX)].map((m) => ({
          index: m.index,
          tag: m[0],
          ...(m[1] !== undefined && { name: m[1] }),
        }));
        expect([...htmlTokens(input)]).toEqual(expected);
      }),
      propertyRuns(1000),
    );
  });
});

describe('chunkHtml on adversarial input of 200,000 characters (linear time)', () => {
  // The token regex rescanned the rest of the input from every unterminated `<`: 80 KB of `<a`
  // took 11 s, these would take minutes. Linear work takes milliseconds; the bound is generous.
  const N = 100_000;
  it.each([
    ['unterminated tags', '<a'.repeat(N)],
    ['unterminated comments', '<!--'.repeat(N / 2)],
    ['unterminated declarations', '<!'.repeat(N)],
    ['unterminated quotes in tags', '<a "'.repeat(N / 2)],
    ['many small blocks', '<p>x</p>\n'.repeat(N / 4)],
  ])('%s', (_, input) => {
    const started = performance.now();
    let chunks: string[] = [];
    try {
      chunks = chunkHtml(input, 100_000);
    } catch {
      // A block too large to cut is an answer too (the translator records it as skipped).
    }
    if (chunks.length > 0) expect(chunks.join('')).toBe(input);
    expect(performance.now() - started).toBeLessThan(20_000);
  });
});
