import { z } from 'zod';
import { NEWS_ITEM_FIELDS, withBodiesOrRef } from './news-item.v1';

/**
 * Version 1 of the `NewsItemEmbargoed` detail: a version that is NOT public. It is put on the bus
 * with its own source, `diplowire.items.embargoed` (names.ts), so rules on `diplowire.items` (every
 * public subscriber, the webhook fan-out, the archive) never match it: only rules that name that
 * source opt in (the translator does). One per version accepted while held, and one for the
 * retraction of an item that was never public (`pubstatus: canceled`: nothing will be released).
 *
 * Frozen like every published contract: only additive, optional changes within v1.
 */
export const HOLD_KINDS = ['embargo', 'withheld'] as const;

export const NewsItemEmbargoedDetailV1 = withBodiesOrRef(
  z.looseObject({
    ...NEWS_ITEM_FIELDS,
    eventId: z
      .uuid()
      .describe(
        'Deterministic per (itemId, version): SHA-256 of "<itemId>:<version>:embargoed" as a UUIDv8 (not the id of the public event the release will carry).',
      ),
    hold: z
      .enum(HOLD_KINDS)
      .optional()
      .describe(
        'Why the version is held: "embargo" (until `embargoed`) or "withheld" (until a correction makes it usable). Absent on a retraction (pubstatus canceled).',
      ),
    embargoed: z.iso
      .datetime()
      .optional()
      .describe('The embargo time (ISO 8601, UTC): the version is released at this moment, not before'),
    publicBefore: z
      .boolean()
      .describe(
        'Whether an earlier version of the item is public: its release will be NewsItemCorrected, else NewsItemPublished',
      ),
  }),
);

export type NewsItemEmbargoedDetailV1 = z.infer<typeof NewsItemEmbargoedDetailV1>;
export type HoldKind = (typeof HOLD_KINDS)[number];

export { NEWS_ITEM_EMBARGOED } from './names';
