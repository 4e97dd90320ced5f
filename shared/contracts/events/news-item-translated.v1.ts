import { z } from 'zod';

/**
 * Version 1 of the `NewsItemTranslated` detail: the outcome of translating one version of an item
 * into one target language. Published once per (itemId, version, language), whether the version was
 * translated or skipped (subscribers wanting only translations filter on `status`). The translated
 * text itself is not in the event: it is stored with the item and read through the API.
 *
 * Frozen like every published contract: only additive, optional changes within v1.
 */

const ITEM_ID = /^itm_[0-9A-Za-z]{26}$/;
const PARTNER_ID = /^ptn_[0-9A-Za-z]{26}$/;

export const TRANSLATION_STATUSES = ['translated', 'skipped'] as const;
export const TRANSLATION_PROVIDERS = ['aws', 'none'] as const;

export const NewsItemTranslatedDetailV1 = z.looseObject({
  schemaVersion: z.literal('1'),
  eventId: z
    .uuid()
    .describe(
      'Deterministic per (itemId, version, language): SHA-256 of "<itemId>:<version>:<language>" as a UUIDv8. Deduplicate on it.',
    ),
  itemId: z.string().regex(ITEM_ID),
  version: z.number().int().min(1).describe('The version of the item that was translated'),
  partnerId: z.string().regex(PARTNER_ID),
  uri: z.string().min(1).describe("The partner's ninjs uri of the story"),
  sourceLanguage: z.string().min(1).describe('The language of the original version (ninjs language)'),
  language: z.string().min(1).describe('The target language of this translation'),
  provider: z.enum(TRANSLATION_PROVIDERS).describe('Who translated: "aws" (Amazon Translate) or "none"'),
  status: z
    .enum(TRANSLATION_STATUSES)
    .describe('"translated", or "skipped" (see reason) when no translation was made'),
  reason: z.string().optional().describe('Why the version was skipped; absent when translated'),
  charactersBilled: z
    .number()
    .int()
    .min(0)
    .describe(
      'Characters sent to the provider for this translation; when skipped, what was sent before the problem showed (usually 0)',
    ),
  translatedAt: z.iso.datetime().describe('When the outcome was recorded (ISO 8601, UTC)'),
  headline: z
    .string()
    .describe(
      'The first translated headline; "" when skipped (no fake translation) or when the item has none',
    ),
});

export type NewsItemTranslatedDetailV1 = z.infer<typeof NewsItemTranslatedDetailV1>;
export type TranslationStatus = (typeof TRANSLATION_STATUSES)[number];
export type TranslationProvider = (typeof TRANSLATION_PROVIDERS)[number];

export { NEWS_ITEM_TRANSLATED } from './names';
