/**
 * The consumer feed: one entry per public change of an item (published, corrected, retracted,
 * translated), numbered by a gap-free sequence (see docs/data-model.md, "Feed"). Entries of held
 * versions (embargoed or withheld) are recorded too, marked `held`, and shown only to consumers
 * entitled to embargoed content who ask for them.
 */

/** The change types a feed carries (the events' detail-types). */
export const FEED_TYPES = [
  'NewsItemPublished',
  'NewsItemCorrected',
  'NewsItemRetracted',
  'NewsItemTranslated',
  'NewsItemEmbargoed',
] as const;
export type FeedType = (typeof FEED_TYPES)[number];

/** One recorded change, as stored (summary only: the document is read with the version). */
export interface FeedRecord {
  seq: number;
  eventId: string;
  type: FeedType;
  itemId: string;
  version: number;
  /** The partner that submitted the item. */
  source: string;
  language: string;
  pubstatus: string;
  uri: string;
  headline: string;
  places?: string[];
  subjects?: string[];
  /** When the change was accepted (the version's receivedAt, or the translation's translatedAt). */
  time: string;
  /** When the feed recorded it: never decreases along the sequence (what `since` searches). */
  recordedAt: string;
  /** The version is held (embargoed or withheld): not public. */
  held: boolean;
  /** NewsItemTranslated only: the target language. */
  translationLanguage?: string;
}

/** What a consumer may receive beyond its own items: a product, in wire terms. */
export interface Entitlement {
  partnerId: string;
  /** Source partner ids, or 'all'. */
  sources: string[] | 'all';
  /** Item languages (primary subtags, lower case, e.g. `ar`), or 'all'. */
  languages: string[] | 'all';
  /** Change types; absent = every public type. */
  types?: FeedType[];
  /** Place / subject codes; absent = any. An item matches when it carries one of them. */
  places?: string[];
  subjects?: string[];
  /** May also receive held (embargoed, withheld) entries, when it asks for them. */
  embargoed: boolean;
  updatedAt: string;
}

/** The caller of a feed read: who it is, and whether its key carries `feed:read`. */
export interface FeedCaller {
  partnerId: string;
  canReadFeed: boolean;
}

/** Narrowing filters a consumer asks for (always within what it may see). */
export interface FeedFilters {
  languages?: string[];
  sources?: string[];
  types?: FeedType[];
  places?: string[];
  subjects?: string[];
  /** Include held entries (only honoured for callers entitled to embargoed content). */
  held?: boolean;
}

/** The primary language subtag, lower case: `ar-SA` -> `ar`. Entitlements and filters compare on it. */
export function primaryLanguage(tag: string): string {
  return (tag.split('-')[0] ?? tag).toLowerCase();
}

function intersects(have: readonly string[] | undefined, wanted: readonly string[]): boolean {
  return (have ?? []).some((value) => wanted.includes(value));
}

/**
 * Whether `caller` may see `record`. A partner always sees its own items (held ones included);
 * anything else needs `feed:read` and an entitlement that covers the source, the language, the
 * type and (when the entitlement names them) a place or subject. Held entries of other partners
 * additionally need `embargoed` on the entitlement. Decided on every read, from the entitlement
 * as stored at that moment.
 */
export function maySee(
  record: FeedRecord,
  caller: FeedCaller,
  entitlement: Entitlement | undefined,
): boolean {
  if (record.source === caller.partnerId) return true;
  if (!caller.canReadFeed || entitlement === undefined) return false;
  if (record.held && !entitlement.embargoed) return false;
  if (entitlement.sources !== 'all' && !entitlement.sources.includes(record.source)) return false;
  if (entitlement.languages !== 'all' && !entitlement.languages.includes(primaryLanguage(record.language))) {
    return false;
  }
  if (entitlement.types !== undefined && !entitlement.types.includes(record.type)) return false;
  if (entitlement.places !== undefined && !intersects(record.places, entitlement.places)) return false;
  if (entitlement.subjects !== undefined && !intersects(record.subjects, entitlement.subjects)) return false;
  return true;
}

/** Whether `record` passes the consumer's own filters (held entries only when asked for). */
export function matchesFilters(record: FeedRecord, filters: FeedFilters): boolean {
  if (record.held && !filters.held) return false;
  if (filters.languages && !filters.languages.includes(primaryLanguage(record.language))) return false;
  if (filters.sources && !filters.sources.includes(record.source)) return false;
  if (filters.types && !filters.types.includes(record.type)) return false;
  if (filters.places && !intersects(record.places, filters.places)) return false;
  if (filters.subjects && !intersects(record.subjects, filters.subjects)) return false;
  return true;
}

/** A record before the feed numbers it. */
export type NewFeedRecord = Omit<FeedRecord, 'seq' | 'recordedAt'>;
