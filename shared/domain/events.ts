import { createHash } from 'node:crypto';
import type { DetailType, NewsItemBodyV1, NewsItemDetailV1 } from '../contracts/events/index';
import { EVENT_SOURCE, type EventSource } from '../contracts/events/names';
import { MAX_ENTRY_BYTES, putEventsEntrySize, utf8Bytes } from './eventbridge-limits';
import { type ChangeKind, changeKindOf, type ItemVersion, type NinjsDocument } from './item';

/** The event a version produces, before it becomes a PutEvents entry. */
export interface NewsItemEvent {
  source: EventSource;
  detailType: DetailType;
  detail: NewsItemDetailV1;
}

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

const DETAIL_TYPE_OF: Record<ChangeKind, DetailType> = {
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
  const bytes = createHash('sha256').update(`${itemId}:${version}`, 'utf8').digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80; // version 8
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // variant 10xx
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The API path of one version: where subscribers fetch bodies left out of an event. */
export function versionHref(itemId: string, version: number): string {
  return `/v1/items/${encodeURIComponent(itemId)}/versions/${version}`;
}

/** First non-empty headline value, else the title, else ''. */
export function headlineOf(document: NinjsDocument): string {
  const headline = document.headlines?.find((h) => h.value.trim() !== '')?.value;
  return headline ?? document.title ?? '';
}

/** One string per concept: its code when present, else its uri, else its name; concepts with none are skipped. */
function conceptKeys(concepts: NinjsDocument['places'] | NinjsDocument['subjects']): string[] | undefined {
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

function entrySize(detailType: DetailType, detail: NewsItemDetailV1): number {
  return putEventsEntrySize({ Source: EVENT_SOURCE, DetailType: detailType, Detail: JSON.stringify(detail) });
}

/**
 * Maps a stored version to its event. The bodies travel inline unless the PutEvents entry
 * (as measured by `putEventsEntrySize`, no Time, no Resources) would exceed 262144 bytes; then
 * the detail carries `bodyRef` to the version's API resource instead. When even that is too large,
 * places and subjects are left out and the headline is cut to 1000 bytes (`abridged` says which).
 */
export function toNewsItemEvent(version: ItemVersion): NewsItemEvent {
  const detailType = DETAIL_TYPE_OF[changeKindOf(version)];
  const { document } = version;
  const places = conceptKeys(document.places);
  const subjects = conceptKeys(document.subjects);
  const base = {
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

  let detail: NewsItemDetailV1 = { ...base, bodies: bodiesOf(document) };
  if (entrySize(detailType, detail) > MAX_ENTRY_BYTES) {
    detail = {
      ...base,
      bodyRef: {
        href: versionHref(version.itemId, version.version),
        bytes: utf8Bytes(JSON.stringify(document)),
      },
    };
  }
  if (entrySize(detailType, detail) > MAX_ENTRY_BYTES) {
    // Still too large without bodies (places and subjects can fill most of an item): an accepted change
    // must never be unpublishable, so publish the minimal event that points at the version.
    const { places: _places, subjects: _subjects, ...minimal } = detail;
    const headline = cutToBytes(base.headline, ABRIDGED_HEADLINE_BYTES);
    detail = {
      ...minimal,
      headline,
      abridged: [
        ...(headline === base.headline ? [] : (['headline'] as const)),
        ...(places === undefined ? [] : (['places'] as const)),
        ...(subjects === undefined ? [] : (['subjects'] as const)),
      ],
    };
    const size = entrySize(detailType, detail);
    if (size > MAX_ENTRY_BYTES) throw new EventTooLargeError(version.itemId, version.version, size);
  }
  // Conformance to the zod contract is proven by the unit tests; parsing here would bundle zod.
  return { source: EVENT_SOURCE, detailType, detail };
}
