import { z } from 'zod';

/**
 * Version 1 of the detail shared by the news-item events (`NewsItemPublished`, `NewsItemCorrected`,
 * `NewsItemRetracted`). Published contracts are frozen: additive, optional fields may be added here;
 * anything else (removing or renaming a field, making one required, changing a type, dropping an enum
 * value) goes into a new `news-item.v2.ts` with `schemaVersion: '2'`.
 *
 * Objects are loose (unknown properties allowed) so that subscribers validating with the published
 * schema keep accepting events after an additive change.
 */

/** Crockford-base32-style ids: `itm_` / `ptn_` followed by 26 alphanumerics. */
const ITEM_ID = /^itm_[0-9A-Za-z]{26}$/;
const PARTNER_ID = /^ptn_[0-9A-Za-z]{26}$/;
/** The API path of the version whose bodies were left out (`/v1/items/<id>/versions/<n>`). */
export const BODY_REF_HREF = /^\/v1\/items\/itm_[0-9A-Za-z]{26}\/versions\/[1-9][0-9]*$/;

/** What a minimal event may leave out or cut short (see `abridged`). */
export const ABRIDGED_FIELDS = ['headline', 'places', 'subjects'] as const;

export const NewsItemBodyV1 = z.looseObject({
  role: z.string().optional(),
  contenttype: z.string().optional(),
  value: z.string(),
});

export const NewsItemBodyRefV1 = z.looseObject({
  href: z.string().regex(BODY_REF_HREF),
  bytes: z
    .number()
    .int()
    .min(0)
    .describe('UTF-8 byte length of the ninjs document served at href (JSON serialisation of the version)'),
});

/** The fields of every news-item detail; `news-item-embargoed.v1.ts` adds its own to them. */
export const NEWS_ITEM_FIELDS = {
  schemaVersion: z.literal('1'),
  eventId: z
    .uuid()
    .describe(
      'Deterministic per (itemId, version): SHA-256 of "<itemId>:<version>" as a UUIDv8 ("<itemId>:<version>:embargoed" for NewsItemEmbargoed). Deduplicate on it.',
    ),
  itemId: z.string().regex(ITEM_ID),
  version: z.number().int().min(1),
  partnerId: z.string().regex(PARTNER_ID),
  uri: z.string().min(1).describe("The partner's ninjs uri of the story"),
  language: z.string().min(1),
  headline: z.string().describe('First non-empty headlines[].value, else title, else the empty string'),
  places: z
    .array(z.string().min(1))
    .optional()
    .describe('One string per ninjs place: its code when present, else its uri, else its name'),
  subjects: z
    .array(z.string().min(1))
    .optional()
    .describe('One string per ninjs subject: its code when present, else its uri, else its name'),
  pubstatus: z.enum(['usable', 'withheld', 'canceled']),
  receivedAt: z.iso.datetime().describe('When Diplowire accepted this version (ISO 8601, UTC)'),
  contentHash: z.string().regex(/^[0-9a-f]{64}$/),
  bodies: z
    .array(NewsItemBodyV1)
    .optional()
    .describe('The ninjs bodies, unless the event would be too large'),
  bodyRef: NewsItemBodyRefV1.optional().describe(
    'Present instead of bodies when the entry would exceed the EventBridge entry limit (262144 bytes)',
  ),
  // Added in v1 (additive, optional): before it, such an event could not be published at all.
  abridged: z
    .array(z.enum(ABRIDGED_FIELDS))
    .min(1)
    .optional()
    .describe(
      'Present only when the event without bodies would still exceed the EventBridge entry limit: places ' +
        'and subjects were left out and the headline may be cut short. Read the whole version at bodyRef.href.',
    ),
};

/** Exactly one of bodies and bodyRef: as a refinement (zod) and as JSON Schema (`oneOf`). */
export function withBodiesOrRef<T extends z.ZodObject>(schema: T) {
  return (
    schema
      .superRefine((detail, ctx) => {
        const { bodies, bodyRef } = detail as { bodies?: unknown; bodyRef?: unknown };
        if ((bodies === undefined) === (bodyRef === undefined)) {
          ctx.addIssue({
            code: 'custom',
            message: 'exactly one of bodies or bodyRef must be present',
            path: [],
          });
        }
      })
      // The exclusive choice as JSON Schema, since a refinement has no JSON Schema form.
      .meta({ oneOf: [{ required: ['bodies'] }, { required: ['bodyRef'] }] })
  );
}

/** Why a version is held (NewsItemEmbargoed only). */
export const HOLD_KINDS = ['embargo', 'withheld'] as const;

/**
 * The detail of every news-item event, NewsItemEmbargoed included (one schema, one generated
 * validator): the embargo fields are optional and present only where they apply.
 */
export const NewsItemDetailV1 = withBodiesOrRef(
  z.looseObject({
    ...NEWS_ITEM_FIELDS,
    releasedAt: z.iso
      .datetime()
      .optional()
      .describe(
        'Public events: when this version became public (ISO 8601, UTC), its receivedAt or the release time of a version held by an embargo',
      ),
    embargoed: z.iso
      .datetime()
      .optional()
      .describe(
        'The embargo time (ISO 8601, UTC) of a version held by an embargo: on its NewsItemEmbargoed, and on the public event of its release',
      ),
    hold: z
      .enum(HOLD_KINDS)
      .optional()
      .describe(
        'NewsItemEmbargoed only: why the version is not public, "embargo" (until `embargoed`) or "withheld" (until a correction makes it usable); absent on the retraction of an item never public',
      ),
  }),
);

export type NewsItemDetailV1 = z.infer<typeof NewsItemDetailV1>;
export type NewsItemBodyV1 = z.infer<typeof NewsItemBodyV1>;
export type NewsItemBodyRefV1 = z.infer<typeof NewsItemBodyRefV1>;

/** The detail-types that carry `NewsItemDetailV1`. (`NewsItemTranslated` will get its own contract file.) */
export const NEWS_ITEM_DETAIL_TYPES = [
  'NewsItemPublished',
  'NewsItemCorrected',
  'NewsItemRetracted',
] as const;
export type NewsItemDetailType = (typeof NEWS_ITEM_DETAIL_TYPES)[number];
