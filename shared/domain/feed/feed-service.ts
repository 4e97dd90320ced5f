import { createHash } from 'node:crypto';
import { type CursorCodec, InvalidPageCursorError } from '../cursors';
import { type FieldError, ValidationError } from '../errors';
import { isWellFormedLanguageTag } from '../ingest/language-tag';
import type { NinjsDocument } from '../item';
import { commaList as list, wholeNumber } from '../query-params';
import { providerLanguageCode } from '../translation/decision';
import {
  type Entitlement,
  FEED_TYPES,
  type FeedCaller,
  type FeedFilters,
  type FeedRecord,
  type FeedType,
  matchesFilters,
  maySee,
  primaryLanguage,
} from './model';
import {
  type EntitlementReader,
  type FeedDocuments,
  type FeedStore,
  type FeedTranslation,
  versionRef,
} from './ports';

export const FEED_CURSOR_KIND = 'feed';
export const DEFAULT_FEED_LIMIT = 50;
export const MAX_FEED_LIMIT = 200;
export const MAX_WAIT_SECONDS = 20;
/** Rows one request may scan (whatever it shows): bounds the read units of a page. */
export const SCAN_BUDGET = 1000;
/** Rows per strongly consistent Query. */
const QUERY_ROWS = 200;
/** How often a long-poll looks for new rows. */
export const POLL_INTERVAL_MS = 250;
/** A long wait re-reads the entitlement this often, so a revocation reaches it within seconds. */
export const ENTITLEMENT_REFRESH_MS = 2_000;
/** Under Lambda's 6 MB response limit with room for headers and escaping. */
export const MAX_PAGE_BYTES = 4_000_000;

/** The query string of `GET /v1/feed`, as received (single values; lists are comma-separated). */
export interface FeedQuery {
  cursor?: string;
  since?: string;
  limit?: string;
  wait?: string;
  language?: string;
  source?: string;
  type?: string;
  place?: string;
  subject?: string;
  lang?: string;
  held?: string;
}

/** A recorded change as a consumer receives it: the record, `held` only when true, and the document. */
export interface FeedEntry extends Omit<FeedRecord, 'held'> {
  held?: true;
  document: NinjsDocument;
  translation?: FeedTranslation;
}

export interface FeedPage {
  entries: FeedEntry[];
  cursor: string;
  /** Weak validator of the page's content: the same position and entries give the same tag. */
  etag: string;
}

interface ParsedQuery {
  after?: number;
  since?: Date;
  limit: number;
  waitMs: number;
  filters: FeedFilters;
  lang?: string;
}

export interface FeedServiceDeps {
  store: FeedStore;
  documents: FeedDocuments;
  entitlements: EntitlementReader;
  cursors: CursorCodec;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Reads of the feed. A page scans at most SCAN_BUDGET rows from the cursor's sequence number, keeps
 * those the caller may see (entitlement, read afresh on every poll) and asked for (filters), and
 * returns a cursor just past the last row it scanned or returned. Rows are gap-free and read
 * strongly consistently, so a row the reader has passed can never appear later: resuming from a
 * cursor neither misses nor repeats a change.
 */
export class FeedService {
  private readonly clock: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly deps: FeedServiceDeps) {
    this.clock = deps.clock ?? Date.now;
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async read(caller: FeedCaller, query: FeedQuery): Promise<FeedPage> {
    const parsed = this.parse(caller, query);
    let position = parsed.after ?? (parsed.since ? await this.deps.store.seqBefore(parsed.since) : 0);
    const startedAt = position;
    const deadline = this.clock() + parsed.waitMs;
    let budget = SCAN_BUDGET;
    let entitlement: Entitlement | undefined;
    let entitlementReadAt = Number.NEGATIVE_INFINITY;
    for (;;) {
      // Read afresh for every request, and during a long wait every ENTITLEMENT_REFRESH_MS at most.
      if (caller.canReadFeed && this.clock() - entitlementReadAt >= ENTITLEMENT_REFRESH_MS) {
        entitlement = await this.deps.entitlements.get(caller.partnerId);
        entitlementReadAt = this.clock();
      }
      const matched: FeedRecord[] = [];
      let atHead = false;
      while (budget > 0 && matched.length < parsed.limit) {
        const want = Math.min(QUERY_ROWS, budget);
        const rows = await this.deps.store.readAfter(position, want);
        budget -= rows.length;
        for (const row of rows) {
          position = row.seq;
          if (maySee(row, caller, entitlement) && matchesFilters(row, parsed.filters)) {
            matched.push(row);
            if (matched.length === parsed.limit) break;
          }
        }
        if (rows.length < want) {
          atHead = matched.length < parsed.limit;
          break;
        }
      }
      // Wait only when caught up with nothing to show; a spent budget answers at once (call again).
      if (matched.length > 0 || !atHead || this.clock() + POLL_INTERVAL_MS > deadline) {
        const { entries, last } = await this.withDocuments(matched, parsed.lang);
        if (last !== undefined && last < matched.length - 1) position = matched[last]!.seq;
        return this.page(caller, startedAt, position, entries, parsed);
      }
      // The polls of a long wait read one empty Query each; they do not spend the scan budget.
      budget = Math.max(budget, QUERY_ROWS);
      await this.sleep(POLL_INTERVAL_MS);
    }
  }

  /** Attaches documents (and translations) in order, stopping before the page outgrows MAX_PAGE_BYTES. */
  private async withDocuments(
    records: FeedRecord[],
    lang: string | undefined,
  ): Promise<{ entries: FeedEntry[]; last?: number }> {
    if (records.length === 0) return { entries: [] };
    const keys = records.map(({ itemId, version }) => ({ itemId, version }));
    // A translated entry carries its own translation; `lang` asks for one on every other entry.
    const byLanguage = new Map<string, { itemId: string; version: number }[]>();
    for (const record of records) {
      const language = record.translationLanguage ?? lang;
      if (language === undefined) continue;
      const group = byLanguage.get(language) ?? [];
      group.push({ itemId: record.itemId, version: record.version });
      byLanguage.set(language, group);
    }
    const [documents, ...found] = await Promise.all([
      this.deps.documents.versions(keys),
      ...[...byLanguage].map(([language, group]) => this.deps.documents.translations(group, language)),
    ]);
    const languages = [...byLanguage.keys()];
    const translationOf = (record: FeedRecord): FeedTranslation | undefined =>
      found[languages.indexOf(record.translationLanguage ?? lang ?? '')]?.get(
        versionRef(record.itemId, record.version),
      );
    const entries: FeedEntry[] = [];
    let bytes = 0;
    for (const [index, record] of records.entries()) {
      const ref = versionRef(record.itemId, record.version);
      const document = documents.get(ref);
      if (document === undefined) throw new Error(`Feed entry ${record.seq}: version ${ref} is missing`);
      const entry = toEntry(record, document, translationOf(record));
      bytes += Buffer.byteLength(JSON.stringify(entry), 'utf8');
      // Always at least one entry, so a page makes progress whatever the document's size.
      if (bytes > MAX_PAGE_BYTES && index > 0) return { entries, last: index - 1 };
      entries.push(entry);
    }
    return { entries, last: records.length - 1 };
  }

  private page(
    caller: FeedCaller,
    from: number,
    position: number,
    entries: FeedEntry[],
    parsed: ParsedQuery,
  ): FeedPage {
    const tag = createHash('sha256')
      .update(JSON.stringify([from, position, parsed.lang ?? null, entries.map((e) => e.eventId)]))
      .digest('base64url')
      .slice(0, 27);
    return {
      entries,
      cursor: this.deps.cursors.encode(FEED_CURSOR_KIND, caller.partnerId, { s: position }),
      etag: `W/"${tag}"`,
    };
  }

  private parse(caller: FeedCaller, query: FeedQuery): ParsedQuery {
    const errors: FieldError[] = [];
    const fail = (pointer: string, message: string) => errors.push({ pointer, message });
    let after: number | undefined;
    if (query.cursor !== undefined) {
      try {
        const position = this.deps.cursors.decode(FEED_CURSOR_KIND, caller.partnerId, query.cursor) as {
          s?: unknown;
        } | null;
        if (typeof position?.s !== 'number' || !Number.isSafeInteger(position.s) || position.s < 0) {
          throw new InvalidPageCursorError('malformed');
        }
        after = position.s;
      } catch (error) {
        if (!(error instanceof InvalidPageCursorError)) throw error;
        fail(
          '/cursor',
          error.reason === 'expired'
            ? 'the cursor has expired; start again with since=<date-time>'
            : 'not a cursor this feed issued to you',
        );
      }
    }
    let since: Date | undefined;
    if (query.since !== undefined) {
      const parsedSince = new Date(query.since);
      if (!/^\d{4}-\d{2}-\d{2}T/.test(query.since) || Number.isNaN(parsedSince.getTime())) {
        fail('/since', 'an RFC 3339 date-time, e.g. 2026-12-01T00:00:00Z');
      } else since = parsedSince;
      if (query.cursor !== undefined) fail('/since', 'give either cursor or since, not both');
    }
    const limit = wholeNumber(query.limit, 1, MAX_FEED_LIMIT, DEFAULT_FEED_LIMIT, '/limit', fail);
    const wait = wholeNumber(query.wait, 0, MAX_WAIT_SECONDS, 0, '/wait', fail);
    const filters: FeedFilters = {};
    const languages = list(
      query.language,
      '/language',
      fail,
      (v) => isWellFormedLanguageTag(v),
      'language tags',
    );
    if (languages) filters.languages = languages.map(primaryLanguage);
    const sources = list(
      query.source,
      '/source',
      fail,
      (v) => /^[A-Za-z0-9_-]{1,64}$/.test(v),
      'partner ids',
    );
    if (sources) filters.sources = sources;
    const types = list(
      query.type,
      '/type',
      fail,
      (v) => (FEED_TYPES as readonly string[]).includes(v),
      FEED_TYPES.join(', '),
    );
    if (types) filters.types = types as FeedType[];
    const places = list(query.place, '/place', fail, (v) => v.length <= 256, 'place codes');
    if (places) filters.places = places;
    const subjects = list(query.subject, '/subject', fail, (v) => v.length <= 256, 'subject codes');
    if (subjects) filters.subjects = subjects;
    if (query.held !== undefined) {
      if (query.held !== 'true' && query.held !== 'false') fail('/held', 'true or false');
      filters.held = query.held === 'true';
    }
    let lang: string | undefined;
    if (query.lang !== undefined) {
      if (!isWellFormedLanguageTag(query.lang)) fail('/lang', 'a language tag, e.g. en');
      // Translations are stored under the provider's code (`en-GB` -> `en`).
      else lang = providerLanguageCode(query.lang);
    }
    if (errors.length > 0) throw new ValidationError('The query is not valid', { errors });
    return {
      ...(after !== undefined && { after }),
      ...(since !== undefined && { since }),
      limit,
      waitMs: wait * 1000,
      filters,
      ...(lang !== undefined && { lang }),
    };
  }
}

function toEntry(
  record: FeedRecord,
  document: NinjsDocument,
  translation: FeedTranslation | undefined,
): FeedEntry {
  return {
    seq: record.seq,
    eventId: record.eventId,
    type: record.type,
    itemId: record.itemId,
    version: record.version,
    source: record.source,
    language: record.language,
    pubstatus: record.pubstatus,
    uri: record.uri,
    headline: record.headline,
    ...(record.places && { places: record.places }),
    ...(record.subjects && { subjects: record.subjects }),
    time: record.time,
    recordedAt: record.recordedAt,
    ...(record.held && { held: true as const }),
    ...(record.translationLanguage && { translationLanguage: record.translationLanguage }),
    document,
    ...(translation && { translation }),
  };
}
