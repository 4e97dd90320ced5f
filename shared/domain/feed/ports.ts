import type { NinjsDocument } from '../item';
import type { Entitlement, FeedRecord } from './model';

/** The feed projection: records numbered 1, 2, 3, ... with no gaps, read strongly consistently. */
export interface FeedStore {
  /** Records with `seq > after`, ascending, at most `maxRows`. */
  readAfter(after: number, maxRows: number): Promise<FeedRecord[]>;
  /** The sequence number just before the first record recorded at or after `since` (0 = from the start). */
  seqBefore(since: Date): Promise<number>;
}

/** A translation of one version, as a feed entry shows it. */
export interface FeedTranslation {
  language: string;
  headlines: { value: string }[];
  bodies: { role?: string; contenttype?: string; value: string }[];
  translatedAt: string;
}

/** The documents of the pages' versions (immutable: cacheable forever). */
export interface FeedDocuments {
  /** Documents by `itemId:version`; a missing key is a storage fault. */
  versions(keys: { itemId: string; version: number }[]): Promise<Map<string, NinjsDocument>>;
  /** Completed translations into `language` by `itemId:version`; absent where there is none. */
  translations(
    keys: { itemId: string; version: number }[],
    language: string,
  ): Promise<Map<string, FeedTranslation>>;
}

/** Entitlements by consumer, read on every request (never cached). */
export interface EntitlementReader {
  get(partnerId: string): Promise<Entitlement | undefined>;
}

export function versionRef(itemId: string, version: number): string {
  return `${itemId}:${version}`;
}
