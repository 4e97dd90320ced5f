import { createHash } from 'node:crypto';
import { versionPath } from '../contracts/api/paths';
import type {
  NewsItemBodyV1,
  NewsItemDetailType,
  NewsItemDetailV1,
  NewsItemEmbargoedDetailV1,
} from '../contracts/events/index';
import {
  EMBARGOED_EVENT_SOURCE,
  type EmbargoedEventSource,
  EVENT_SOURCE,
  type EventSource,
  NEWS_ITEM_EMBARGOED,
} from '../contracts/events/names';
import { isPublic } from './embargo';
import { MAX_ENTRY_BYTES, putEventsEntrySize, utf8Bytes } from './eventbridge-limits';
import { type ChangeKind, changeKindOf, type ItemVersion, type NinjsDocument } from './item';

/** The event a version (or a release) produces, before it becomes a PutEvents entry. */
export type NewsItemEvent =
  | { source: EventSource; detailType: NewsItemDetailType; detail: NewsItemDetailV1 }
  | {
      source: EmbargoedEventSource;
      detailType: typeof NEWS_ITEM_EMBARGOED;
      detail: NewsItemEmbargoedDetailV1;
    };

/**
 * Thrown when even the abridged form of an event exceeds the EventBridge entry limit: only possible
 * for a version that broke the ingest limits on `uri` (2 KB) or `language`, never for an accepted one.
 */
export class EventTooLargeError extends Error {
  constructor(
    readonly itemId: string,
    readonly version: number,
    readonly bytes: number,
  ) {
    super(
      `Event for ${itemId} v${version} is ${bytes} bytes without bodies, over the ${MAX_ENTRY_BYTES}-byte limit`,
    );
    this.name = 'EventTooLargeError';
  }
}

const DETAIL_TYPE_OF: Record<ChangeKind, NewsItemDetailType> = {
  published: 'NewsItemPublished',
  corrected: 'NewsItemCorrected',
  retracted: 'NewsItemRetracted',
};

/**
 * The event id of (itemId, version): SHA-256 of `${itemId}:${version}` formatted as a UUIDv8
 * (RFC 9562 §5.8, the name-based-with-SHA-256 use). Redeliveries of the same version carry the
 * same id, so subscribers deduplicate on it.
 */
export function eventIdOf(itemId: string, version: number): string {
  return uuidV8Of(`${itemId}:${version}`);
}

/** The id of a version's NewsItemEmbargoed: distinct from the id its public event will have. */
export function embargoedEventIdOf(itemId: string, version: number): string {
  return uuidV8Of(`${itemId}:${version}:embargoed`);
}

function uuidV8Of(name: string): string {
  const bytes = createHash('sha256').update(name, 'utf8').digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80; // version 8
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // variant 10xx
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** First non-empty headline value, else the title, else ''. */
export function headlineOf(document: NinjsDocument): string {
  const headline = document.headlines?.find((h) => h.value.trim() !== '')?.value;
  return headline ?? document.title ?? '';
}

/** One string per concept: its code when present, else its uri, else its name; concepts with none are skipped. */
export function conceptKeys(
  concepts: NinjsDocument['places'] | NinjsDocument['subjects'],
): string[] | undefined {
  if (concepts === undefined) return undefined;
  const keys = concepts
    .map((c) => [c.code, c.uri, c.name].find((v): v is string => typeof v === 'string' && v !== ''))
    .filter((v): v is string => v !== undefined);
  return keys.length > 0 ? keys : undefined;
}

function bodiesOf(document: NinjsDocument): NewsItemBodyV1[] {
  return (document.bodies ?? []).map(({ role, contenttype, value }) => ({
    ...(role === undefined ? {} : { role }),
    ...(contenttype === undefined ? {} : { contenttype }),
    value,
  }));
}

/** The headline limit of ingest (LIMITS.stringBytes.headline): an abridged headline is never longer. */
const ABRIDGED_HEADLINE_BYTES = 1000;

/** The longest prefix of whole grapheme clusters within `maxBytes` of UTF-8. */
function cutToBytes(text: string, maxBytes: number): string {
  if (utf8Bytes(text) <= maxBytes) return text;
  let kept = '';
  let bytes = 0;
  for (const { segment } of new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)) {
    bytes += utf8Bytes(segment);
    if (bytes > maxBytes) break;
    kept += segment;
  }
  return kept;
}

function entrySize(source: string, detailType: string, detail: object): number {
  return putEventsEntrySize({ Source: source, DetailType: detailType, Detail: JSON.stringify(detail) });
}

/**
 * The detail with the bodies inline unless the PutEvents entry (as measured by
 * `putEventsEntrySize`, no Time, no Resources) would exceed 262144 bytes; then with `bodyRef` to
 * the version's API resource instead. When even that is too large, places and subjects are left
 * out and the headline is cut to 1000 bytes (`abridged` says which).
 */
function withBodies<T extends { headline: string; places?: string[]; subjects?: string[] }>(
  source: string,
  detailType: string,
  base: T,
  version: ItemVersion,
): T & ({ bodies: NewsItemBodyV1[] } | { bodyRef: { href: string; bytes: number } }) {
  const inline = { ...base, bodies: bodiesOf(version.document) };
  if (entrySize(source, detailType, inline) <= MAX_ENTRY_BYTES) return inline;
  const byRef = {
    ...base,
    bodyRef: {
      href: versionPath(version.itemId, version.version),
      bytes: utf8Bytes(JSON.stringify(version.document)),
    },
  };
  if (entrySize(source, detailType, byRef) <= MAX_ENTRY_BYTES) return byRef;
  // Still too large without bodies (places and subjects can fill most of an item): an accepted change
  // must never be unpublishable, so publish the minimal event that points at the version.
  const { places, subjects, ...minimal } = byRef;
  const headline = cutToBytes(base.headline, ABRIDGED_HEADLINE_BYTES);
  const abridged = {
    ...minimal,
    headline,
    abridged: [
      ...(headline === base.headline ? [] : (['headline'] as const)),
      ...(places === undefined ? [] : (['places'] as const)),
      ...(subjects === undefined ? [] : (['subjects'] as const)),
    ],
  } as unknown as T & { bodyRef: { href: string; bytes: number } };
  const size = entrySize(source, detailType, abridged);
  if (size > MAX_ENTRY_BYTES) throw new EventTooLargeError(version.itemId, version.version, size);
  return abridged;
}

function commonFields(version: ItemVersion) {
  const { document } = version;
  const places = conceptKeys(document.places);
  const subjects = conceptKeys(document.subjects);
  return {
    schemaVersion: '1' as const,
    eventId: eventIdOf(version.itemId, version.version),
    itemId: version.itemId,
    version: version.version,
    partnerId: version.partnerId,
    uri: version.uri,
    language: version.language,
    headline: headlineOf(document),
    ...(places === undefined ? {} : { places }),
    ...(subjects === undefined ? {} : { subjects }),
    pubstatus: version.pubstatus,
    receivedAt: version.receivedAt,
    contentHash: version.contentHash,
  };
}

/**
 * Maps a stored version, as accepted, to its event: the public one (`NewsItemPublished` when no
 * earlier version was public, else `NewsItemCorrected`, or `NewsItemRetracted`) if the version
 * was public when accepted; else `NewsItemEmbargoed` on the internal source (a held version, or
 * the retraction of an item never public). A held version's public event comes with its release.
 */
export function toNewsItemEvent(version: ItemVersion): NewsItemEvent {
  // Public when accepted: not held, and not the unannounced retraction of an item never public.
  const publicOnAcceptance = version.hold === undefined && isPublic(version);
  if (!publicOnAcceptance) return toEmbargoedEvent(version);
  return publicEvent(version, version.receivedAt);
}

/** The public event of a held version's release at `releasedAt` (same eventId rule as any version). */
export function toReleaseEvent(version: ItemVersion, releasedAt: string): NewsItemEvent {
  return publicEvent(version, releasedAt);
}

function publicEvent(version: ItemVersion, releasedAt: string): NewsItemEvent {
  const detailType = DETAIL_TYPE_OF[changeKindOf(version)];
  const detail: NewsItemDetailV1 = withBodies(
    EVENT_SOURCE,
    detailType,
    {
      ...commonFields(version),
      releasedAt,
      ...(version.hold?.kind === 'embargo' ? { embargoed: version.hold.until } : {}),
    },
    version,
  );
  // Conformance to the zod contract is proven by the unit tests; parsing here would bundle zod.
  return { source: EVENT_SOURCE, detailType, detail };
}

function toEmbargoedEvent(version: ItemVersion): NewsItemEvent {
  const { hold } = version;
  const base = {
    ...commonFields(version),
    eventId: embargoedEventIdOf(version.itemId, version.version),
    ...(hold === undefined ? {} : { hold: hold.kind }),
    ...(hold?.kind === 'embargo' ? { embargoed: hold.until } : {}),
  };
  const detail: NewsItemEmbargoedDetailV1 = withBodies(
    EMBARGOED_EVENT_SOURCE,
    NEWS_ITEM_EMBARGOED,
    base,
    version,
  );
  return { source: EMBARGOED_EVENT_SOURCE, detailType: NEWS_ITEM_EMBARGOED, detail };
}
