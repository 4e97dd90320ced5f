import { createHash } from 'node:crypto';
import type { TranslationProvider, TranslationStatus } from '../../contracts/events/news-item-translated.v1';

export type { TranslationProvider, TranslationStatus };

/** A translated (or, when skipped, absent) text with the ninjs role/contenttype of its source. */
export interface TranslatedText {
  role?: string;
  contenttype?: string;
  value: string;
}

/**
 * The outcome of translating one version of an item into one target language: a representation
 * linked to the original (itemId, version), stored next to it in the items table.
 */
export interface Translation {
  itemId: string;
  version: number;
  partnerId: string;
  uri: string;
  /** The target language. */
  language: string;
  /** The language of the original version. */
  sourceLanguage: string;
  provider: TranslationProvider;
  status: TranslationStatus;
  /** Why nothing was translated; only when skipped. */
  reason?: string;
  headlines: TranslatedText[];
  bodies: TranslatedText[];
  /** Characters (code points) sent to the provider; when skipped, what was sent before (usually 0). */
  charactersBilled: number;
  translatedAt: string;
}

/** Identifies one unit of translation work: exactly one outcome is recorded per key. */
export interface TranslationKey {
  itemId: string;
  version: number;
  language: string;
}

/** Why a version was recorded as skipped. Stable strings: they are stored and published. */
export const SKIP_REASONS = {
  noProvider: 'no translation provider',
  retracted: 'item retracted',
  superseded: (latest: number) => `superseded by version ${latest}`,
  unsupportedLanguagePair: (source: string, target: string) =>
    `unsupported language pair ${source}->${target}`,
  /** A tag with no code Translate takes (`x-…`, `i-…`): refused by its validation, never worth a call. */
  noProviderCode: (tag: string) => `no provider language code for ${tag}`,
  /** The provider refused the request as invalid (e.g. ValidationException): the same request always will. */
  refused: (errorName: string) => `refused by the provider (${errorName})`,
  tooLarge: (maxBytes: number) => `translation too large to store (over ${maxBytes} bytes)`,
  /** An HTML block, or one grapheme, larger than a request: cutting it would break markup or a character. */
  unsplittable: 'a text cannot be cut to the request limit without breaking its markup or a character',
} as const;

/**
 * The most UTF-8 bytes of translated text (values, roles and content types) one outcome may hold.
 * An outcome is one DynamoDB item (400 KB, names and values counted); its other attributes take
 * about 1 KB, so this leaves room for them and for attribute names, with a margin.
 */
export const MAX_TRANSLATION_TEXT_BYTES = 380_000;

/**
 * The id of the NewsItemTranslated event of (itemId, version, language): SHA-256 of
 * `${itemId}:${version}:${language}` as a UUIDv8, the same scheme as the item events' eventId, so
 * redeliveries carry the same id.
 */
export function translationEventIdOf(key: TranslationKey): string {
  const bytes = createHash('sha256')
    .update(`${key.itemId}:${key.version}:${key.language}`, 'utf8')
    .digest()
    .subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80; // version 8
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // variant 10xx
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
