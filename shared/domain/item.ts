/**
 * The news item as Diplowire keeps it. A partner's story (identified by its `uri`) becomes
 * an item with an opaque `id`; every accepted change is an immutable, numbered version.
 */

import { type Publication, wasPublicBefore } from './embargo';

export type Pubstatus = 'usable' | 'withheld' | 'canceled';

/** A ninjs 2.2 document that passed the schema and the Diplowire profile, normalised (NFC). */
export interface NinjsDocument {
  uri: string;
  language: string;
  pubstatus?: Pubstatus;
  headlines?: { role?: string; contenttype?: string; value: string }[];
  title?: string;
  bodies?: { role?: string; contenttype?: string; charcount?: number; wordcount?: number; value: string }[];
  subjects?: { uri?: string; name?: string; code?: string; [k: string]: unknown }[];
  places?: { uri?: string; name?: string; code?: string; [k: string]: unknown }[];
  [field: string]: unknown;
}

export interface Warning {
  /** RFC 6901 pointer to the field that was changed. */
  pointer: string;
  code: 'bidi-control-removed' | 'embargo-passed';
  message: string;
}

/** The outcome of validating and normalising a submitted body. */
export interface PreparedItem {
  document: NinjsDocument;
  /** SHA-256 (hex) of the canonical JSON of `document`: equal content ⇔ equal hash. */
  contentHash: string;
  warnings: Warning[];
}

/**
 * One version of an item, as stored and as published. Its content is immutable; its Publication
 * facts (embargo.ts) say whether it was held and, for a held version, whether it was released.
 */
export interface ItemVersion extends Publication {
  itemId: string;
  version: number;
  partnerId: string;
  uri: string;
  language: string;
  pubstatus: Pubstatus;
  /** ISO 8601 UTC time at which Diplowire accepted this version. */
  receivedAt: string;
  contentHash: string;
  document: NinjsDocument;
}

/** The current state of an item: the latest version's metadata. */
export interface ItemHead extends Publication {
  itemId: string;
  partnerId: string;
  uri: string;
  version: number;
  pubstatus: Pubstatus;
  language: string;
  contentHash: string;
  createdAt: string;
  updatedAt: string;
}

/**
 * Most versions one item may have. A wire story is corrected a handful of times; a developing
 * story updated every 15 minutes for ten days stays under it. The cap bounds what one item can
 * cost: its version listing (5 pages at the largest `limit`), its stored rows (at most ~400 MB at
 * DynamoDB's item limit) and the events it can emit. Corrections stop one short of it, so the
 * last version is always left for a retraction: an item can always be withdrawn.
 */
export const MAX_ITEM_VERSIONS = 1000;

export interface VersionSummary extends Publication {
  version: number;
  pubstatus: Pubstatus;
  receivedAt: string;
}

/** The kind of public change a version represents; drives the published event type. */
export type ChangeKind = 'published' | 'corrected' | 'retracted';

/** Published when no earlier version was public, else corrected (or retracted): see embargo.ts. */
export function changeKindOf(version: Pick<ItemVersion, 'version' | 'pubstatus'> & Publication): ChangeKind {
  if (version.pubstatus === 'canceled') return 'retracted';
  return wasPublicBefore(version) ? 'corrected' : 'published';
}

/** ETags are the version number, quoted (RFC 9110 strong validator). */
export function etagOf(version: number): string {
  return `"${version}"`;
}
