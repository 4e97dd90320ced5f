/**
 * Runtime constants of the event contracts, kept free of zod: Lambda bundles import these, and zod
 * (the contracts' source of truth, used at build and test time) would cost ~450 KB per bundle.
 */

/** The EventBridge `source` of every Diplowire item event. */
export const EVENT_SOURCE = 'diplowire.items' as const;
export type EventSource = typeof EVENT_SOURCE;

/** The detail-type of a translation outcome (contract: `news-item-translated.v1.ts`). */
export const NEWS_ITEM_TRANSLATED = 'NewsItemTranslated' as const;
