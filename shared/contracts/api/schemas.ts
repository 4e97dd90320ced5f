import { z } from 'zod';

/**
 * Response bodies of the Diplowire API. These zod schemas are the single source: handlers are
 * typed from them, and docs/openapi.json is generated from them (scripts/generate-openapi.ts).
 */

/** The API's own registry, so schemas registered elsewhere (events, ...) never leak into the OpenAPI document. */
export const apiSchemaRegistry = z.registry<{ id: string; description?: string }>();

export const Pubstatus = z
  .enum(['usable', 'withheld', 'canceled'])
  .register(apiSchemaRegistry, { id: 'Pubstatus' });

export const ItemWarning = z
  .object({
    pointer: z.string().describe('RFC 6901 JSON pointer to the field that was changed.'),
    code: z
      .enum(['bidi-control-removed', 'embargo-passed'])
      .describe(
        '`bidi-control-removed`: a change made while normalising; `embargo-passed`: `embargoed` is not in the future, so it does not hold the version.',
      ),
    message: z.string(),
  })
  .register(apiSchemaRegistry, {
    id: 'ItemWarning',
    description: 'Something the partner should know about the accepted version.',
  });

export const Release = z
  .object({
    state: z
      .enum(['public', 'held', 'released', 'superseded', 'withdrawn'])
      .describe(
        '`public`: public since accepted; `held`: not public yet (embargo or withheld); `released`: held, then released; `superseded`: held, then replaced before its release (never public); `withdrawn`: a retraction of an item that was never public (nothing announced).',
      ),
    hold: z.enum(['embargo', 'withheld']).optional().describe('Why the version was held.'),
    releaseAt: z.iso.datetime().optional().describe('The embargo time (UTC) of an embargoed version.'),
    releasedAt: z.iso.datetime().optional().describe('When the version became public (UTC).'),
  })
  .register(apiSchemaRegistry, {
    id: 'Release',
    description: 'Whether a version is public, and when (docs/api.md#embargoes). Only the owner sees it.',
  });

export const ItemLinks = z
  .object({
    self: z.string().describe('The item: GET it for the latest version.'),
    versions: z.string().describe('The list of the versions of the item, paginated.'),
  })
  .register(apiSchemaRegistry, { id: 'ItemLinks' });

export const ItemReceipt = z
  .object({
    id: z.string().describe('Opaque item id, `itm_` + 26 Crockford base32 characters.'),
    uri: z.string().describe('The partner-assigned ninjs uri; unique per partner.'),
    version: z.int().min(1).describe('The item version this response refers to; also the ETag.'),
    pubstatus: Pubstatus,
    receivedAt: z.iso.datetime().describe('When Diplowire accepted this version (UTC).'),
    release: Release,
    warnings: z.array(ItemWarning),
    links: ItemLinks,
  })
  .register(apiSchemaRegistry, {
    id: 'ItemReceipt',
    description: 'Acknowledges a submission, correction or retraction.',
  });

export const VersionListEntry = z
  .object({
    version: z.int().min(1),
    pubstatus: Pubstatus,
    receivedAt: z.iso.datetime(),
    release: Release,
    links: z.object({ self: z.string() }),
  })
  .register(apiSchemaRegistry, { id: 'VersionListEntry' });

export const VersionList = z
  .object({
    itemId: z.string(),
    versions: z.array(VersionListEntry).describe('Oldest first.'),
    cursor: z
      .string()
      .optional()
      .describe('Opaque; pass it as `cursor` for the next page. Absent after the latest version.'),
  })
  .register(apiSchemaRegistry, { id: 'VersionList' });

export const ItemListEntry = z
  .object({
    id: z.string().describe('The item id.'),
    version: z.int().min(1).describe('Its latest version.'),
    uri: z.string(),
    language: z.string(),
    pubstatus: Pubstatus,
    headline: z.string(),
    places: z.array(z.string()).optional().describe('Place codes (else uris, else names), as in events.'),
    subjects: z.array(z.string()).optional().describe('Subject codes (else uris, else names), as in events.'),
    type: z
      .enum(['NewsItemPublished', 'NewsItemCorrected', 'NewsItemRetracted'])
      .describe('The public event of the latest version (for a held one: the event its release will have).'),
    createdAt: z.iso.datetime().describe('When version 1 was accepted (UTC).'),
    updatedAt: z.iso.datetime().describe('The last change: the latest version accepted, or released (UTC).'),
    release: Release,
    links: ItemLinks,
  })
  .register(apiSchemaRegistry, { id: 'ItemListEntry' });

export const ItemList = z
  .object({
    items: z.array(ItemListEntry).describe('Latest change first.'),
    cursor: z
      .string()
      .optional()
      .describe('Opaque; pass it as `cursor` for the next page. Absent when there is nothing more.'),
  })
  .register(apiSchemaRegistry, {
    id: 'ItemList',
    description: "The caller's own items, latest change first, held ones included.",
  });

export const FieldError = z
  .object({
    pointer: z.string().describe('RFC 6901 JSON pointer into the request body.'),
    message: z.string(),
  })
  .register(apiSchemaRegistry, { id: 'FieldError' });

/** RFC 9457 problem details; extension members (e.g. `itemId` on a conflict) may be present. */
export const Problem = z
  .looseObject({
    type: z.string().describe('The problem type (shared/contracts/api/problem-types.ts).'),
    title: z.string(),
    status: z.int().min(400).max(599),
    detail: z.string(),
    instance: z.string().optional().describe('The request path.'),
    errors: z.array(FieldError).max(100).optional().describe('The first 100 field errors.'),
    omittedErrors: z
      .int()
      .min(1)
      .optional()
      .describe('How many more field errors there were beyond the 100 in `errors`.'),
  })
  .register(apiSchemaRegistry, {
    id: 'Problem',
    description: 'RFC 9457 problem details (application/problem+json).',
  });

/** A BCP 47 language tag as a path parameter (the handler checks the full RFC 5646 syntax). */
export const LANGUAGE_TAG_PATTERN = '^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$';

export const TranslatedText = z
  .object({
    role: z.string().optional(),
    contenttype: z.string().optional(),
    value: z.string(),
  })
  .register(apiSchemaRegistry, {
    id: 'TranslatedText',
    description: 'A translated headline or body, with the ninjs `role` and `contenttype` of its source.',
  });

export const ItemTranslation = z
  .object({
    itemId: z.string(),
    version: z.int().min(1).describe('The item version that was translated.'),
    language: z.string().describe('The target language (the provider code, e.g. `en`, `fr-CA`).'),
    sourceLanguage: z.string().describe('The language of the original version.'),
    provider: z.enum(['aws', 'none']).describe('`aws` (Amazon Translate) or `none` (translation is off).'),
    status: z.enum(['translated', 'skipped']),
    reason: z.string().optional().describe('Why nothing was translated; only when skipped.'),
    headlines: z.array(TranslatedText).describe('Empty when skipped.'),
    bodies: z.array(TranslatedText).describe('Empty when skipped.'),
    charactersBilled: z.int().min(0).describe('Characters sent to the provider; 0 when skipped.'),
    translatedAt: z.iso.datetime(),
    links: z.object({
      item: z.string().describe('The item.'),
      version: z.string().describe('The original version that was translated.'),
    }),
  })
  .register(apiSchemaRegistry, {
    id: 'ItemTranslation',
    description: 'A translation of one version of an item, stored next to it (docs/translation.md).',
  });

export type ItemReceipt = z.infer<typeof ItemReceipt>;
export type VersionList = z.infer<typeof VersionList>;
export type ItemList = z.infer<typeof ItemList>;
export type Problem = z.infer<typeof Problem>;
export type ItemTranslationView = z.infer<typeof ItemTranslation>;

/* Webhook subscriptions (docs/webhooks.md). */

export const WebhookEventType = z
  .enum(['NewsItemPublished', 'NewsItemCorrected', 'NewsItemRetracted', 'NewsItemTranslated'])
  .register(apiSchemaRegistry, { id: 'WebhookEventType' });

export const SubscriptionFilter = z
  .strictObject({
    languages: z.array(z.string()).min(1).max(20).optional().describe('BCP 47 ranges; `en` matches `en-GB`.'),
    places: z
      .array(z.string().max(200))
      .min(1)
      .max(50)
      .optional()
      .describe('Event `places` keys; exact match.'),
    partners: z
      .array(z.string())
      .min(1)
      .max(10)
      .optional()
      .describe(
        'Partners whose items are delivered. Without the `events:all` scope only your own id is allowed, and an omitted filter means your own items; with it, omitted means every partner.',
      ),
  })
  .register(apiSchemaRegistry, { id: 'SubscriptionFilter' });

export const CreateSubscriptionRequest = z
  .strictObject({
    url: z
      .string()
      .max(2048)
      .describe('https URL on port 443, whose host resolves only to public addresses.'),
    eventTypes: z.array(WebhookEventType).min(1),
    filter: SubscriptionFilter.optional(),
    description: z.string().max(500).optional(),
    maxDeliveriesPerSecond: z
      .int()
      .min(1)
      .max(100)
      .optional()
      .describe(
        'The most deliveries a second sent to the URL (bursts of twice that); default 50. A 429 or 503 with `Retry-After` pauses them all.',
      ),
  })
  .register(apiSchemaRegistry, { id: 'CreateSubscriptionRequest' });

export const Subscription = z
  .object({
    id: z.string().describe('`sub_` + 26 Crockford base32 characters.'),
    url: z.string(),
    eventTypes: z.array(WebhookEventType),
    filter: SubscriptionFilter,
    description: z.string().optional(),
    maxDeliveriesPerSecond: z
      .int()
      .min(1)
      .max(100)
      .describe('The pace of deliveries to the URL (default 50).'),
    status: z.enum(['active', 'disabled']),
    disabledReason: z.string().optional().describe('Why deliveries stopped (410 Gone, continuous failures).'),
    disabledAt: z.iso.datetime().optional(),
    failingSince: z.iso.datetime().optional().describe('Start of the current run of failed attempts.'),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    links: z.object({ self: z.string(), deliveries: z.string() }),
  })
  .register(apiSchemaRegistry, { id: 'Subscription' });

export const SubscriptionWithSecret = Subscription.extend({
  secret: z.string().describe('`whsec_` + base64; shown only once. Verify signatures with it.'),
}).register(apiSchemaRegistry, { id: 'SubscriptionWithSecret' });

export const SubscriptionList = z
  .object({
    subscriptions: z.array(Subscription),
    next: z.string().optional().describe('Pass as `cursor` for the next page; absent on the last page.'),
  })
  .register(apiSchemaRegistry, { id: 'SubscriptionList' });

export const RotatedSecret = z
  .object({
    id: z.string(),
    secret: z.string().describe('The new `whsec_` secret; shown only once.'),
    previousSecretRetiresAt: z.iso
      .datetime()
      .describe('Until then every webhook carries signatures with both the old and the new secret.'),
  })
  .register(apiSchemaRegistry, { id: 'RotatedSecret' });

export const DeliveryAttempt = z
  .object({
    sequence: z.int().min(1).describe('1 for the original delivery, +1 for each redelivery.'),
    attempt: z.int().min(1),
    at: z.iso.datetime(),
    outcome: z.enum(['succeeded', 'failed']),
    httpStatus: z.int().optional(),
    durationMs: z.int().min(0),
    responseExcerpt: z
      .string()
      .max(200)
      .optional()
      .describe('Control characters stripped; at most 200 characters.'),
    error: z.string().optional().describe('Why no HTTP answer was received (timeout, refused, blocked).'),
  })
  .register(apiSchemaRegistry, { id: 'DeliveryAttempt' });

export const Delivery = z
  .object({
    id: z.string().describe('The `webhook-id` header of every attempt: deduplicate on it.'),
    eventId: z.string(),
    eventType: WebhookEventType,
    status: z.enum(['pending', 'succeeded', 'failed', 'cancelled']),
    createdAt: z.iso.datetime(),
    nextAttemptAt: z.iso.datetime().optional(),
    finishedAt: z.iso.datetime().optional(),
    reason: z.string().optional(),
    attempts: z.array(DeliveryAttempt),
    links: z.object({ redeliver: z.string() }),
  })
  .register(apiSchemaRegistry, { id: 'Delivery' });

export const DeliveryList = z
  .object({ deliveries: z.array(Delivery), next: z.string().optional() })
  .register(apiSchemaRegistry, { id: 'DeliveryList' });

export const FeedEntry = z
  .object({
    seq: z.int().min(1).describe('Position in the feed: increases by one per recorded change, without gaps.'),
    eventId: z
      .string()
      .describe('The event id of the change, as on the bus and in webhooks: deduplicate on it.'),
    type: z.enum([
      'NewsItemPublished',
      'NewsItemCorrected',
      'NewsItemRetracted',
      'NewsItemTranslated',
      'NewsItemEmbargoed',
    ]),
    itemId: z.string(),
    version: z.int().min(1),
    source: z.string().describe('The partner that submitted the item.'),
    language: z.string(),
    pubstatus: z.string(),
    uri: z.string(),
    headline: z.string(),
    places: z.array(z.string()).optional(),
    subjects: z.array(z.string()).optional(),
    time: z.iso.datetime().describe('When Diplowire accepted the change (translations: when translated).'),
    recordedAt: z.iso.datetime().describe('When the feed recorded it; never decreases along the feed.'),
    held: z
      .literal(true)
      .optional()
      .describe('A held (embargoed or withheld) version; only with `held=true`.'),
    translationLanguage: z.string().optional().describe('NewsItemTranslated: the target language.'),
    document: z.record(z.string(), z.unknown()).describe('The ninjs 2.2 document of this version.'),
    translation: z
      .object({
        language: z.string(),
        headlines: z.array(z.object({ value: z.string() })),
        bodies: z.array(
          z.object({ role: z.string().optional(), contenttype: z.string().optional(), value: z.string() }),
        ),
        translatedAt: z.iso.datetime(),
      })
      .optional()
      .describe(
        'The translation into `lang` (or, for NewsItemTranslated, its own language), where one exists.',
      ),
  })
  .register(apiSchemaRegistry, { id: 'FeedEntry' });

export const FeedPage = z
  .object({
    entries: z.array(FeedEntry),
    cursor: z
      .string()
      .describe('Opaque; pass it as `cursor` to resume right after this page. Valid for 90 days.'),
  })
  .register(apiSchemaRegistry, { id: 'FeedPage' });

export type SubscriptionView = z.infer<typeof Subscription>;
export type SubscriptionWithSecretView = z.infer<typeof SubscriptionWithSecret>;
export type SubscriptionListView = z.infer<typeof SubscriptionList>;
export type RotatedSecretView = z.infer<typeof RotatedSecret>;
export type DeliveryView = z.infer<typeof Delivery>;
export type DeliveryListView = z.infer<typeof DeliveryList>;
