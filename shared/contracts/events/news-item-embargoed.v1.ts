import { HOLD_KINDS, NewsItemDetailV1 } from './news-item.v1';

/**
 * Version 1 of the `NewsItemEmbargoed` detail: a version that is NOT public. It is put on the bus
 * with its own source, `diplowire.items.embargoed` (names.ts), so rules on `diplowire.items` (every
 * public subscriber, the webhook fan-out, the archive) never match it: only rules that name that
 * source opt in (the translator does). One per version accepted while held (`hold`, and `embargoed`
 * for an embargo), and one for the retraction of an item that was never public (`pubstatus:
 * canceled`, no `hold`: nothing will be released). Its eventId is SHA-256 of
 * "<itemId>:<version>:embargoed", distinct from the id of the public event its release will carry.
 *
 * The detail is the news-item detail (`news-item.v1.ts`), whose optional `hold` and `embargoed`
 * it fills: one schema, one validator in every subscriber bundle.
 */
export const NewsItemEmbargoedDetailV1 = NewsItemDetailV1;
export type NewsItemEmbargoedDetailV1 = NewsItemDetailV1;
export type HoldKind = (typeof HOLD_KINDS)[number];

export { NEWS_ITEM_EMBARGOED } from './names';
export { HOLD_KINDS };
