/**
 * Plans the provider requests for one version's texts and puts the translations back together.
 *
 * Plain-text segments (headlines, title, plain bodies) are cut into units (a paragraph, or a piece
 * of a paragraph too long for one request, cut by `chunkText`), and consecutive units are PACKED
 * into as few TranslateText requests as fit in `maxTextBytes`, joined by a blank line, which
 * translation engines keep as a paragraph break. The translated text is split on blank lines and
 * the paragraphs are mapped back to their units by count; every unit gets its source's edge
 * whitespace back, so each segment keeps its separators exactly. A short item (headline + short
 * body) is therefore one request.
 *
 * A response with a different number of paragraphs (the engine merged or split some) cannot be
 * mapped back safely: that request's segments are translated again one by one, then unit by unit,
 * and the fallback is reported. HTML texts go through the document operation, chunk by chunk.
 * Pure apart from the injected translator: no I/O of its own.
 */
import {
  characterCount,
  chunkHtml,
  chunkText,
  isBlank,
  MAX_DOCUMENT_BYTES,
  MAX_TEXT_BYTES,
  PARAGRAPH_BOUNDARY,
  utf8ByteLength,
  withSourceWhitespace,
} from './chunking';
import type { TranslatedText } from './model';
import type { TextTranslator } from './ports';

/** Between packed units: a blank line, the paragraph separator engines preserve. */
export const UNIT_SEPARATOR = '\n\n';
const SEPARATOR_BYTES = utf8ByteLength(UNIT_SEPARATOR);
const HTML = 'text/html';

export function isHtml(contentType: string | undefined): boolean {
  return contentType?.split(';')[0]?.trim().toLowerCase() === HTML;
}

/** A piece of a segment, in source order; the pieces of a segment concatenate to the segment. */
interface SegmentPiece {
  source: string;
  /** Index into `TextPlan.units`; absent for a whitespace-only piece, which is kept as it is. */
  unit?: number;
}

export interface TextUnit {
  /** Index of the segment the unit belongs to. */
  segment: number;
  /** What is sent: the piece without its edge whitespace (never blank, never holds a blank line). */
  text: string;
}

export interface TextRequest {
  /** The units' texts joined by UNIT_SEPARATOR; at most maxBytes UTF-8 bytes. */
  text: string;
  /** Indices into `TextPlan.units`, in order. */
  units: number[];
}

export interface TextPlan {
  segments: SegmentPiece[][];
  units: TextUnit[];
  requests: TextRequest[];
}

/** Paragraph pieces of a segment (separators kept at their end), long ones cut further. */
function piecesOf(segment: string, maxBytes: number): string[] {
  const pieces: string[] = [];
  let start = 0;
  for (const match of segment.matchAll(PARAGRAPH_BOUNDARY)) {
    const end = match.index + match[0].length;
    if (end > start && end < segment.length) {
      pieces.push(segment.slice(start, end));
      start = end;
    }
  }
  pieces.push(segment.slice(start));
  // A paragraph that does not fit one request is cut at line, sentence, then word boundaries.
  return pieces.flatMap((piece) =>
    utf8ByteLength(piece.trim()) > maxBytes ? chunkText(piece, maxBytes) : [piece],
  );
}

/**
 * Cuts `segments` into units and packs consecutive units, greedily and in order, into requests of
 * at most `maxBytes` UTF-8 bytes (separators included). No unit is ever cut across requests.
 */
export function planTextRequests(segments: readonly string[], maxBytes: number = MAX_TEXT_BYTES): TextPlan {
  const units: TextUnit[] = [];
  const planned = segments.map((segment, index) =>
    piecesOf(segment, maxBytes).map((source): SegmentPiece => {
      if (isBlank(source)) return { source };
      units.push({ segment: index, text: source.trim() });
      return { source, unit: units.length - 1 };
    }),
  );
  const requests: TextRequest[] = [];
  let current: TextRequest | undefined;
  let bytes = 0;
  units.forEach((unit, index) => {
    const size = utf8ByteLength(unit.text);
    if (current !== undefined && bytes + SEPARATOR_BYTES + size <= maxBytes) {
      current.text += UNIT_SEPARATOR + unit.text;
      current.units.push(index);
      bytes += SEPARATOR_BYTES + size;
      return;
    }
    current = { text: unit.text, units: [index] };
    bytes = size;
    requests.push(current);
  });
  return { segments: planned, units, requests };
}

/**
 * The paragraphs of a translated packed request, or undefined when there are not `expected` of
 * them (they cannot be mapped back to their units). One expected paragraph takes the whole text.
 */
export function splitParagraphs(translated: string, expected: number): string[] | undefined {
  const trimmed = translated.trim();
  if (expected === 1) return [trimmed];
  const paragraphs = trimmed === '' ? [] : trimmed.split(PARAGRAPH_BOUNDARY).map((p) => p.trim());
  return paragraphs.length === expected ? paragraphs : undefined;
}

/** Every segment rebuilt from its translated units, with the source's whitespace around each. */
export function assembleSegments(
  plan: TextPlan,
  translatedUnits: ReadonlyArray<string | undefined>,
): string[] {
  return plan.segments.map((pieces) =>
    pieces
      .map(({ source, unit }) => {
        if (unit === undefined) return source;
        const translated = translatedUnits[unit];
        if (translated === undefined) throw new Error(`Unit ${unit} was not translated`);
        return withSourceWhitespace(source, translated);
      })
      .join(''),
  );
}

export interface ContentToTranslate {
  headlines: TranslatedText[];
  bodies: TranslatedText[];
}

export interface TranslateContentOptions {
  sourceLanguage: string;
  targetLanguage: string;
  maxTextBytes?: number;
  maxDocumentBytes?: number;
  /** Stop (TranslationTooLargeError) as soon as the answers exceed this many UTF-8 bytes. */
  maxOutputBytes?: number;
}

/**
 * The translation grew past the bytes it may be stored in. Thrown as soon as the answers so far
 * exceed the budget, so the requests after that are never sent (nor paid for).
 */
export class TranslationTooLargeError extends Error {
  constructor(
    readonly maxBytes: number,
    /** Code points of the calls answered so far (billed by the provider). */
    readonly charactersBilled: number,
    readonly requests: number,
  ) {
    super(`The translation exceeds ${maxBytes} bytes`);
    this.name = 'TranslationTooLargeError';
  }
}

export interface TranslatedContent extends ContentToTranslate {
  /** Code points sent in calls the provider answered (what it bills), each call counted. */
  charactersBilled: number;
  /** Provider calls answered (TranslateText and TranslateDocument). */
  requests: number;
  /** Packed requests whose answer had another paragraph count and were translated again piecewise. */
  fallbacks: number;
}

/**
 * Translates headlines and bodies with as few provider calls as the limits allow: all plain-text
 * segments packed together (see planTextRequests), each HTML text through the document operation
 * in markup-safe chunks. Blank texts are kept and not sent. Calls run one after another (the
 * provider's throughput quota is shared, and the order keeps logs readable).
 */
export async function translateContent(
  content: ContentToTranslate,
  translator: TextTranslator,
  options: TranslateContentOptions,
): Promise<TranslatedContent> {
  const { sourceLanguage, targetLanguage } = options;
  const texts = [...content.headlines, ...content.bodies];
  const plainIndices = texts.flatMap((t, i) => (isHtml(t.contenttype) ? [] : [i]));
  const plan = planTextRequests(
    plainIndices.map((i) => texts[i]!.value),
    options.maxTextBytes ?? MAX_TEXT_BYTES,
  );
  // Every request is planned before the first is sent: an HTML block that cannot be cut fails
  // here (ChunkingError), before anything is paid for.
  const htmlChunks = new Map<number, string[]>();
  for (const [index, text] of texts.entries()) {
    if (isHtml(text.contenttype))
      htmlChunks.set(index, chunkHtml(text.value, options.maxDocumentBytes ?? MAX_DOCUMENT_BYTES));
  }
  const maxOutputBytes = options.maxOutputBytes ?? Number.POSITIVE_INFINITY;
  let charactersBilled = 0;
  let requests = 0;
  let fallbacks = 0;
  let outputBytes = 0;
  const call = async (text: string, contentType?: string): Promise<string> => {
    const result = await translator.translate({
      text,
      sourceLanguage,
      targetLanguage,
      ...(contentType === undefined ? {} : { contentType }),
    });
    charactersBilled += characterCount(text);
    requests++;
    outputBytes += utf8ByteLength(result.text);
    if (outputBytes > maxOutputBytes)
      throw new TranslationTooLargeError(maxOutputBytes, charactersBilled, requests);
    return result.text;
  };

  const translatedUnits: Array<string | undefined> = [];
  /** One call for `unitIndices`; on a paragraph-count mismatch, per segment, then per unit. */
  const translateUnits = async (unitIndices: number[]): Promise<void> => {
    const text = unitIndices.map((u) => plan.units[u]!.text).join(UNIT_SEPARATOR);
    const paragraphs = splitParagraphs(await call(text), unitIndices.length);
    if (paragraphs !== undefined) {
      unitIndices.forEach((u, i) => {
        translatedUnits[u] = paragraphs[i];
      });
      return;
    }
    fallbacks++;
    const bySegment = new Map<number, number[]>();
    for (const u of unitIndices) {
      const segment = plan.units[u]!.segment;
      bySegment.set(segment, [...(bySegment.get(segment) ?? []), u]);
    }
    const groups = bySegment.size > 1 ? [...bySegment.values()] : unitIndices.map((u) => [u]);
    for (const group of groups) await translateUnits(group);
  };
  for (const request of plan.requests) await translateUnits(request.units);
  const plainTranslations = assembleSegments(plan, translatedUnits);

  const translated = texts.map((t) => ({ ...t }));
  plainIndices.forEach((textIndex, segment) => {
    translated[textIndex]!.value = plainTranslations[segment]!;
  });
  for (const [index, chunks] of htmlChunks) {
    const pieces: string[] = [];
    for (const chunk of chunks) {
      pieces.push(isBlank(chunk) ? chunk : withSourceWhitespace(chunk, await call(chunk, HTML)));
    }
    translated[index]!.value = pieces.join('');
  }
  return {
    headlines: translated.slice(0, content.headlines.length),
    bodies: translated.slice(content.headlines.length),
    charactersBilled,
    requests,
    fallbacks,
  };
}
