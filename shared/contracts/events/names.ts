/**
 * Runtime constants of the event contracts, kept free of zod: Lambda bundles import these, and zod
 * (the contracts' source of truth, used at build and test time) would cost ~450 KB per bundle.
 */

/** The EventBridge `source` of every Diplowire item event. */
export const EVENT_SOURCE = 'diplowire.items' as const;
export type EventSource = typeof EVENT_SOURCE;

/** The detail-type of a translation outcome (contract: `news-item-translated.v1.ts`). */
export const NEWS_ITEM_TRANSLATED = 'NewsItemTranslated' as const;

/**
 * The source of events about versions that are not public (embargoed or withheld): a source of
 * their own, so that no rule on EVENT_SOURCE (public subscribers, the archive) ever matches them.
 */
export const EMBARGOED_EVENT_SOURCE = 'diplowire.items.embargoed' as const;
export type EmbargoedEventSource = typeof EMBARGOED_EVENT_SOURCE;

/** The detail-type of a held version (contract: `news-item-embargoed.v1.ts`). */
export const NEWS_ITEM_EMBARGOED = 'NewsItemEmbargoed' as const;
