import { type Publication, type ReleaseView, releaseViewOf } from './embargo';
import { conceptKeys, headlineOf } from './events';
import { primaryLanguage } from './feed/model';
import { changeKindOf, type ItemVersion, type Pubstatus } from './item';

/**
 * A partner's own items, by last change (GET /v1/items). The listing is a projection of the
 * items table stream (one row per item, replaced by each newer version or by the release of the
 * latest one), not a second write of ingest: see docs/data-model.md, "Item listing".
 */

/** The change types an item's last change can be (the public event its latest version has or will have). */
export const LISTING_TYPES = ['NewsItemPublished', 'NewsItemCorrected', 'NewsItemRetracted'] as const;
export type ListingType = (typeof LISTING_TYPES)[number];

const TYPE_OF = {
  published: 'NewsItemPublished',
  corrected: 'NewsItemCorrected',
  retracted: 'NewsItemRetracted',
} as const satisfies Record<ReturnType<typeof changeKindOf>, ListingType>;

/** One item as its owner's listing stores it: the latest version's summary and publication facts. */
export interface ItemListing extends Publication {
  itemId: string;
  partnerId: string;
  version: number;
  uri: string;
  language: string;
  pubstatus: Pubstatus;
  headline: string;
  places?: string[];
  subjects?: string[];
  /** When version 1 was accepted. */
  createdAt: string;
  /** When the latest version was accepted. */
  receivedAt: string;
  /** The latest version's acceptance, or its release when it was released later: the listing's order. */
  changedAt: string;
}

/** The listing row of `version`, the item's latest version (`createdAt`: version 1's receivedAt). */
export function listingOf(version: ItemVersion, createdAt: string): ItemListing {
  const places = conceptKeys(version.document.places);
  const subjects = conceptKeys(version.document.subjects);
  return {
    itemId: version.itemId,
    partnerId: version.partnerId,
    version: version.version,
    uri: version.uri,
    language: version.language,
    pubstatus: version.pubstatus,
    headline: headlineOf(version.document),
    ...(places && { places }),
    ...(subjects && { subjects }),
    createdAt,
    receivedAt: version.receivedAt,
    changedAt: version.releasedAt ?? version.receivedAt,
    ...(version.hold !== undefined && { hold: version.hold }),
    ...(version.publicBefore !== undefined && { publicBefore: version.publicBefore }),
    ...(version.releasedAt !== undefined && { releasedAt: version.releasedAt }),
  };
}

/** Whether `next` is newer than the stored `current`: a later version, or the release of the same one. */
export function supersedesListing(current: ItemListing | undefined, next: ItemListing): boolean {
  if (current === undefined || next.version > current.version) return true;
  return next.version === current.version && next.changedAt > current.changedAt;
}

/** The kind of the last change, as the public event type its version has (or will have, once released). */
export function listingTypeOf(listing: ItemListing): ListingType {
  return TYPE_OF[changeKindOf(listing)];
}

export interface ListingFilters {
  /** Primary language subtags, lower case. */
  languages?: string[];
  types?: ListingType[];
  places?: string[];
  subjects?: string[];
  /** true: only held items; false: only items not held; absent: both. */
  held?: boolean;
}

/** Whether an item's listing row passes the owner's filters. */
export function matchesListing(listing: ItemListing, filters: ListingFilters): boolean {
  const view = releaseViewOf(listing, true);
  if (filters.held !== undefined && (view.state === 'held') !== filters.held) return false;
  if (filters.languages && !filters.languages.includes(primaryLanguage(listing.language))) return false;
  if (filters.types && !filters.types.includes(listingTypeOf(listing))) return false;
  if (filters.places && !(listing.places ?? []).some((p) => filters.places?.includes(p))) return false;
  if (filters.subjects && !(listing.subjects ?? []).some((s) => filters.subjects?.includes(s))) return false;
  return true;
}

/** One entry of GET /v1/items: the summary, the last change's type and time, and the release state. */
export interface ItemListEntry
  extends Pick<
    ItemListing,
    'itemId' | 'version' | 'uri' | 'language' | 'pubstatus' | 'headline' | 'places' | 'subjects' | 'createdAt'
  > {
  type: ListingType;
  updatedAt: string;
  release: ReleaseView;
}

export function listEntryOf(listing: ItemListing): ItemListEntry {
  return {
    itemId: listing.itemId,
    version: listing.version,
    uri: listing.uri,
    language: listing.language,
    pubstatus: listing.pubstatus,
    headline: listing.headline,
    ...(listing.places && { places: listing.places }),
    ...(listing.subjects && { subjects: listing.subjects }),
    type: listingTypeOf(listing),
    createdAt: listing.createdAt,
    updatedAt: listing.changedAt,
    release: releaseViewOf(listing, true),
  };
}
