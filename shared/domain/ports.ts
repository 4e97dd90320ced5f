import type { Publication } from './embargo';
import type { ItemHead, ItemVersion, VersionSummary } from './item';
import type { ItemListing } from './listing';

/** The reads every side of the items table needs: an item's head and its single versions. */
export interface ItemHeadReader {
  /** The latest version's metadata (without the document), or undefined for an unknown item. */
  getHead(itemId: string): Promise<ItemHead | undefined>;
  getVersion(itemId: string, version: number): Promise<ItemVersion | undefined>;
}

/**
 * The write side of items (items-write): the DynamoDB adapter implements it with one conditional
 * write per accepted change; the domain service never sees DynamoDB.
 */
export interface ItemWriteStore extends ItemHeadReader {
  /**
   * Writes version 1 unless the item `first.itemId` (derived from partner and uri, see
   * `itemIdFor`) already exists; then nothing is written and its latest state is returned.
   */
  createItem(first: ItemVersion): Promise<{ created: true } | { created: false; existing: ItemHead }>;
  /**
   * Appends `next` on top of `base`, the head the caller read (`next.version` must be
   * `base.version + 1`). Versions are never deleted, so the write succeeds exactly when no other
   * writer has taken `next.version` meanwhile; false when one has. When `base` is held, the same
   * atomic write marks it superseded, and fails (false) if it was released meanwhile: a held
   * version is either released or superseded, never both.
   */
  appendVersion(
    next: ItemVersion,
    base: Pick<ItemHead, 'itemId' | 'version' | 'createdAt'> & Publication,
  ): Promise<boolean>;
}

/** Where a page of a partner's item listing starts after: the last row's sort key. */
export interface ListingPosition {
  changedAt: string;
  itemId: string;
}

/** The read side of items (items-read): heads, versions and listings, never a write. */
export interface ItemReadStore extends ItemHeadReader {
  /**
   * Summaries (never documents) of up to `limit` versions after version `after` (default 0),
   * oldest first. Without `limit`, all of them: an item has at most MAX_ITEM_VERSIONS.
   */
  listVersions(itemId: string, page?: { after?: number; limit?: number }): Promise<VersionSummary[]>;
  /**
   * Up to `maxRows` listing rows of `partnerId`'s items, latest change first, after `after`;
   * `next` is where the following read starts (absent at the end of the listing).
   */
  listOwned(
    partnerId: string,
    after: ListingPosition | undefined,
    maxRows: number,
  ): Promise<{ rows: ItemListing[]; next?: ListingPosition }>;
}

/** The projector's side of the item listing. */
export interface ItemListingWriter {
  /** Stores `listing` unless a newer one of the item is stored (supersedesListing); false when it was older. */
  put(listing: ItemListing): Promise<boolean>;
}

/** A held version that the sweeper found due. */
export interface DueRelease {
  itemId: string;
  version: number;
}

/** The storage side of releases (release-service.ts). */
export interface ReleaseStore {
  getHead(itemId: string): Promise<ItemHead | undefined>;
  /**
   * Releases held version `version` at `releasedAt`: one conditional write that succeeds only if
   * that version is still held (not released, not superseded) and its embargo time is not after
   * `releasedAt`. Its stream record is the release's outbox entry. False when the condition failed.
   */
  release(itemId: string, version: number, releasedAt: string): Promise<boolean>;
  /** Held embargoed versions whose embargo time is at or before `now`, earliest first, at most `limit`. */
  listDue(now: string, limit: number): Promise<DueRelease[]>;
  /**
   * Takes the lease of the burst of embargoes ending at `releaseAt` until `leaseUntilMs`: one
   * conditional write that succeeds when nobody holds it or its holder's lease lapsed before
   * `nowMs`. Only the holder walks the burst; the lease never decides WHETHER an item is released
   * (each item's own trigger and the sweep still release it), only who releases the others.
   */
  claimBurst(releaseAt: string, nowMs: number, leaseUntilMs: number): Promise<boolean>;
}

export interface Partner {
  partnerId: string;
  name: string;
  status: 'active' | 'revoked';
  createdAt: string;
}

export interface ApiKeyRecord {
  keyHash: string;
  keyPrefix: string;
  partnerId: string;
  partnerName: string;
  scopes: string[];
  status: 'active' | 'revoked';
  createdAt: string;
}

/** The storage port for partners and their API keys (only key hashes are ever stored). */
export interface PartnerStore {
  createPartner(partner: Partner, key: ApiKeyRecord): Promise<void>;
  findKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined>;
  listPartners(): Promise<(Partner & { keyPrefixes: string[] })[]>;
  /** Revokes a partner (and all its keys) by partner id or by key prefix; returns the partner id or undefined. */
  revoke(partnerIdOrKeyPrefix: string): Promise<string | undefined>;
}
