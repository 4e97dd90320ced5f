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
  /** Characters (code points) sent to the provider; 0 when skipped. */
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
} as const;

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
