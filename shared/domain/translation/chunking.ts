/**
 * Splits text into pieces that each fit a translation request, measured in UTF-8 bytes (the unit of
 * Amazon Translate's limits; `.length` counts UTF-16 code units and would undercount Arabic by half).
 *
 * Every function here returns pieces whose concatenation is exactly the input: separators stay
 * attached to the end of the piece they follow, so translating piece by piece and joining the
 * results keeps paragraphs, line breaks and their order intact. Pure: no I/O.
 */

/** Amazon Translate TranslateText: at most 10,000 bytes of UTF-8 text per request. */
export const MAX_TEXT_BYTES = 10_000;
/** Amazon Translate TranslateDocument: at most 102,400 bytes of content; kept a little below. */
export const MAX_DOCUMENT_BYTES = 100_000;

export class ChunkingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChunkingError';
  }
}

export function utf8ByteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Characters as providers bill them: Unicode code points (an emoji is one, not two UTF-16 units). */
export function characterCount(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** Pieces of `text` cut right after every match of `boundary` (which must be global). */
function splitAfter(text: string, boundary: RegExp): string[] {
  const pieces: string[] = [];
  let start = 0;
  for (const match of text.matchAll(boundary)) {
    const end = match.index + match[0].length;
    if (end > start && end < text.length) {
      pieces.push(text.slice(start, end));
      start = end;
    }
  }
  pieces.push(text.slice(start));
  return pieces;
}

/** A blank line (possibly with spaces), and any further blank lines: the paragraph separator. */
export const PARAGRAPH_BOUNDARY = /\r?\n[ \t\u00a0]*(?:\r?\n[ \t\u00a0]*)+/g;
const LINE_BOUNDARY = /\r?\n/g;
/**
 * Sentence ends, Arabic included: . ! ? … plus the Arabic question mark ؟ (U+061F), semicolon ؛
 * (U+061B) and full stop ۔ (U+06D4), optionally followed by closing quotes or brackets, then
 * whitespace. Requiring whitespace keeps "3.5" and "e.g." inside words together. The lookbehind
 * makes a match start only at the first mark of a run: without it, a run of n marks not followed by
 * whitespace was rescanned from each of its n positions (quadratic: 20,000 dots took 0.5 s).
 */
const SENTENCE_BOUNDARY =
  /(?<![.!?\u2026\u061f\u061b\u06d4])[.!?\u2026\u061f\u061b\u06d4]+["'\u00bb\u201d\u2019)\]]*\s+/gu;
const WORD_BOUNDARY = /\s+/gu;

const TEXT_LEVELS: readonly RegExp[] = [PARAGRAPH_BOUNDARY, LINE_BOUNDARY, SENTENCE_BOUNDARY, WORD_BOUNDARY];

/**
 * Built on the first over-long run, not at module load: constructing a Segmenter loads ICU's break
 * iterator data (~10 ms of every translator cold start), and almost no text ever needs it.
 */
let graphemes: Intl.Segmenter | undefined;

/** Code units the segmenter sees at once (see `graphemesOf`). */
const GRAPHEME_WINDOW = 1024;

/**
 * The grapheme clusters of `text`, in order. V8's segment iterator slows down with the length of the
 * string it walks (80,000 letters took 3.7 s: quadratic), so the text is segmented a window at a
 * time. Each window starts at a cluster boundary; its last cluster may continue past the window, so
 * it is left for the next window, which starts there. A cluster longer than a window doubles it.
 */
export function* graphemesOf(text: string): Generator<string> {
  graphemes ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  let start = 0;
  let window = GRAPHEME_WINDOW;
  while (start < text.length) {
    let end = Math.min(text.length, start + window);
    // Never end a window inside a surrogate pair: the half code point would bend the last boundaries.
    if (end < text.length && /[\uD800-\uDBFF]/.test(text[end - 1]!)) end -= 1;
    const segments = Array.from(graphemes.segment(text.slice(start, end)), (s) => s.segment);
    if (end === text.length) {
      yield* segments;
      return;
    }
    if (segments.length < 2) {
      window *= 2;
      continue;
    }
    segments.pop();
    for (const segment of segments) {
      yield segment;
      start += segment.length;
    }
    window = GRAPHEME_WINDOW;
  }
}

/**
 * Last resort for a run without any whitespace longer than the limit (e.g. a pasted URL or base64):
 * cut between grapheme clusters, so no code point, surrogate pair or Arabic diacritic is split
 * from its letter.
 */
function splitGraphemes(text: string, maxBytes: number): string[] {
  const pieces: string[] = [];
  let current = '';
  let bytes = 0;
  for (const segment of graphemesOf(text)) {
    const size = utf8ByteLength(segment);
    if (size > maxBytes) throw new ChunkingError(`A single grapheme of ${size} bytes exceeds ${maxBytes}`);
    if (bytes + size > maxBytes) {
      pieces.push(current);
      current = '';
      bytes = 0;
    }
    current += segment;
    bytes += size;
  }
  if (current !== '') pieces.push(current);
  return pieces;
}

/** Greedily packs consecutive pieces into chunks of at most maxBytes; oversize pieces are split further. */
function pack(pieces: string[], maxBytes: number, splitOversize: (piece: string) => string[]): string[] {
  const chunks: string[] = [];
  let current = '';
  let bytes = 0;
  const flush = () => {
    if (current !== '') chunks.push(current);
    current = '';
    bytes = 0;
  };
  for (const piece of pieces) {
    const size = utf8ByteLength(piece);
    if (size > maxBytes) {
      flush();
      chunks.push(...splitOversize(piece));
      continue;
    }
    if (bytes + size > maxBytes) flush();
    current += piece;
    bytes += size;
  }
  flush();
  return chunks;
}

function chunkAtLevel(text: string, maxBytes: number, level: number): string[] {
  const boundary = TEXT_LEVELS[level];
  if (boundary === undefined) return splitGraphemes(text, maxBytes);
  return pack(splitAfter(text, boundary), maxBytes, (piece) => chunkAtLevel(piece, maxBytes, level + 1));
}

/**
 * Splits plain text into chunks of at most `maxBytes` UTF-8 bytes: at paragraph boundaries first,
 * then line breaks, then sentence ends, then (for a single sentence still too long) whitespace;
 * never inside a word, except a whitespace-free run longer than the limit, which is cut between
 * grapheme clusters. `chunks.join('') === text`.
 */
export function chunkText(text: string, maxBytes: number = MAX_TEXT_BYTES): string[] {
  if (maxBytes < 4) throw new RangeError('maxBytes must hold at least one code point (4 bytes)');
  if (utf8ByteLength(text) <= maxBytes) return [text];
  return chunkAtLevel(text, maxBytes, 0);
}

/**
 * The markup tokens of `html`, in order: comments (`<!--…-->`), declarations (`<!…>`) and tags
 * (`<name …>`, `</name>`; quoted attribute values may contain `>`), exactly what the regex
 * /<!--[\s\S]*?-->|<![^>]*>|<\/?([A-Za-z][\w:-]*)(?:[^>"']|"[^"]*"|'[^']*')*>/g would match, but in
 * linear time. That regex, on text full of unterminated `<a` or `<!--`, rescanned the rest of the
 * input from every `<` (80 KB took 11 s); here each way a token can end is looked up in tables
 * computed once, right to left. Exported for the property test that compares it with that regex.
 */
export function* htmlTokens(html: string): Generator<{ index: number; tag: string; name?: string }> {
  const n = html.length;
  // tagEnd[j]: where a tag whose attributes are being read outside quotes at j ends (its '>'), or -1.
  const tagEnd = new Int32Array(n + 1).fill(-1);
  const nextQuote = { '"': -1, "'": -1 };
  for (let j = n - 1; j >= 0; j--) {
    const c = html[j]!;
    if (c === '"' || c === "'") {
      // A quoted value runs to the next same quote, then reading continues outside quotes.
      const close = nextQuote[c];
      tagEnd[j] = close < 0 ? -1 : tagEnd[close + 1]!;
      nextQuote[c] = j;
    } else tagEnd[j] = c === '>' ? j : tagEnd[j + 1]!;
  }
  const NAME = /[A-Za-z][\w:-]*/y;
  let commentEnd = -2; // the next '-->' at or after the last search (-1: none left); -2: not searched yet
  let nextGt = -2;
  for (let i = html.indexOf('<'); i >= 0 && i < n; i = html.indexOf('<', i)) {
    let end = -1; // index just past the token
    let name: string | undefined;
    if (html.startsWith('<!--', i)) {
      if (commentEnd !== -1 && commentEnd < i + 4) commentEnd = html.indexOf('-->', i + 4);
      if (commentEnd >= 0) end = commentEnd + 3;
    }
    if (end < 0 && html[i + 1] === '!') {
      if (nextGt !== -1 && nextGt < i + 2) nextGt = html.indexOf('>', i + 2);
      if (nextGt >= 0) end = nextGt + 1;
    }
    if (end < 0) {
      NAME.lastIndex = html[i + 1] === '/' ? i + 2 : i + 1;
      const match = NAME.exec(html);
      if (match) {
        const close = tagEnd[NAME.lastIndex]!;
        if (close >= 0) {
          end = close + 1;
          name = match[0];
        }
      }
    }
    if (end < 0) {
      i++;
      continue;
    }
    yield { index: i, tag: html.slice(i, end), ...(name !== undefined && { name }) };
    i = end;
  }
}
const VOID_ELEMENTS = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'source',
  'track',
  'wbr',
]);
const BLOCK_ELEMENTS = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'dd',
  'details',
  'div',
  'dl',
  'dt',
  'figcaption',
  'figure',
  'footer',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'li',
  'main',
  'nav',
  'ol',
  'p',
  'pre',
  'section',
  'table',
  'ul',
]);
/** Void elements that end a line, so cutting after them at the top level is a visual boundary. */
const BREAKING_VOID_ELEMENTS = new Set(['br', 'hr']);

/**
 * Cut positions between top-level blocks: right after a top-level block's closing tag or a
 * top-level `<br>`/`<hr>`, with the whitespace that follows. Never inside a tag, never inside an
 * element that is still open.
 */
function topLevelHtmlPieces(html: string): string[] {
  const cuts: number[] = [];
  let depth = 0;
  for (const { index, tag, name: rawName } of htmlTokens(html)) {
    if (rawName === undefined) continue; // comment or declaration
    const name = rawName.toLowerCase();
    const end = index + tag.length;
    const closing = tag.startsWith('</');
    const selfClosing = tag.endsWith('/>');
    if (closing) {
      depth = Math.max(0, depth - 1);
      if (depth === 0 && BLOCK_ELEMENTS.has(name)) cuts.push(end);
    } else if (VOID_ELEMENTS.has(name) || selfClosing) {
      if (depth === 0 && BREAKING_VOID_ELEMENTS.has(name)) cuts.push(end);
    } else {
      depth++;
    }
  }
  const pieces: string[] = [];
  let start = 0;
  for (const cut of cuts) {
    const whitespace = /^\s*/.exec(html.slice(cut))![0];
    const end = cut + whitespace.length;
    if (end > start && end < html.length) {
      pieces.push(html.slice(start, end));
      start = end;
    }
  }
  pieces.push(html.slice(start));
  return pieces;
}

/**
 * Splits an HTML fragment into chunks of at most `maxBytes` without breaking markup: only between
 * top-level block elements (after `</p>`, `</div>`, `</li>`, ..., `<br>`, `<hr>`). A single
 * top-level block larger than the limit cannot be cut safely and raises a ChunkingError.
 * `chunks.join('') === html`.
 */
export function chunkHtml(html: string, maxBytes: number = MAX_DOCUMENT_BYTES): string[] {
  if (utf8ByteLength(html) <= maxBytes) return [html];
  return pack(topLevelHtmlPieces(html), maxBytes, (piece) => {
    throw new ChunkingError(
      `An HTML block of ${utf8ByteLength(piece)} bytes exceeds the ${maxBytes}-byte request limit and has no top-level boundary to split at`,
    );
  });
}

/**
 * Gives a translated chunk the leading and trailing whitespace of its source chunk. Translation
 * engines trim or normalise edge whitespace; the separators between chunks live there, so
 * restoring them keeps the paragraph structure when the chunks are joined again.
 */
export function withSourceWhitespace(source: string, translated: string): string {
  // trimStart/trimEnd strip exactly what \s matches, in linear time: /\s*$/ retried from every
  // position of an inner whitespace run (quadratic: 20,000 spaces took 1.3 s).
  const leading = source.slice(0, source.length - source.trimStart().length);
  if (leading.length === source.length) return source;
  const trailing = source.slice(source.trimEnd().length);
  return leading + translated.trim() + trailing;
}

/** True when there is nothing to translate (the engines reject empty text). */
export function isBlank(text: string): boolean {
  return text.trim() === '';
}
