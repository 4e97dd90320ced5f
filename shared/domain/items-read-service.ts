import { type CursorCodec, InvalidPageCursorError } from './cursors';
import { type FieldError, NotFoundError, ValidationError } from './errors';
import { primaryLanguage } from './feed/model';
import { isWellFormedLanguageTag } from './ingest/language-tag';
import type { ItemVersion, VersionSummary } from './item';
import { type Caller, ownedHead, requireVersion } from './item-access';
import {
  type ItemListEntry,
  LISTING_TYPES,
  type ListingFilters,
  type ListingType,
  listEntryOf,
  matchesListing,
} from './listing';
import type { ItemReadStore, ListingPosition } from './ports';
import { booleanParam, commaList, wholeNumber } from './query-params';
import type { Translation } from './translation/model';
import type { TranslationStore } from './translation/ports';

export interface ItemsReadServiceDeps {
  store: ItemReadStore;
  /** Where translations are read from (the translator writes them). */
  translations: Pick<TranslationStore, 'get' | 'getVersion'>;
  /** The codec of page cursors (its key is loaded on first use). */
  cursors: () => Promise<CursorCodec>;
}

export const ITEMS_CURSOR_KIND = 'items';
export const VERSIONS_CURSOR_KIND = 'versions';
export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 200;
/** Listing rows one request may read (whatever it shows): bounds a page's read units. */
export const LIST_SCAN_BUDGET = 1000;
/** Rows per index Query. */
const LIST_QUERY_ROWS = 200;

/** The query string of `GET /v1/items`, as received (lists are comma-separated). */
export interface ItemListQuery {
  cursor?: string;
  limit?: string;
  language?: string;
  type?: string;
  place?: string;
  subject?: string;
  held?: string;
}

/** The query string of `GET /v1/items/{id}/versions`. */
export interface VersionListQuery {
  cursor?: string;
  limit?: string;
}

export interface VersionListPage {
  /** Oldest first. */
  versions: VersionSummary[];
  /** The item's latest version (the only one whose release state is its own, not superseded). */
  latestVersion: number;
  /** Where the next page starts; absent after the latest version. */
  cursor?: string;
}

export interface ItemListPage {
  items: ItemListEntry[];
  /** Where the next page starts; absent when the listing is exhausted. */
  cursor?: string;
}

/**
 * The read side of a partner's items (items-read): its latest version, single versions, version
 * summaries and translations. Only the owner reads an item, held or not (item-access.ts).
 */
export class ItemsReadService {
  private readonly store: ItemReadStore;
  private readonly translations: ItemsReadServiceDeps['translations'];
  private readonly cursors: ItemsReadServiceDeps['cursors'];

  constructor(deps: ItemsReadServiceDeps) {
    this.store = deps.store;
    this.translations = deps.translations;
    this.cursors = deps.cursors;
  }

  /**
   * The caller's own items, latest change first: held ones included, with their release state. A
   * page reads at most LIST_SCAN_BUDGET rows, so a narrow filter may answer fewer than `limit`
   * items (even none) with a cursor: call again with it. Only the caller's partition is ever read.
   */
  async listItems(caller: Caller, query: ItemListQuery): Promise<ItemListPage> {
    const cursors = await this.cursors();
    const { after, limit, filters } = parseListQuery(cursors, caller, query);
    let position = after;
    let budget = LIST_SCAN_BUDGET;
    let exhausted = false;
    const items: ItemListEntry[] = [];
    while (budget > 0 && items.length < limit) {
      const { rows, next } = await this.store.listOwned(
        caller.partnerId,
        position,
        Math.min(LIST_QUERY_ROWS, budget),
      );
      budget -= rows.length;
      let rowsLeft = false;
      for (const [index, row] of rows.entries()) {
        position = { changedAt: row.changedAt, itemId: row.itemId };
        if (matchesListing(row, filters)) items.push(listEntryOf(row));
        if (items.length === limit) {
          rowsLeft = index < rows.length - 1;
          break;
        }
      }
      if (next === undefined) {
        exhausted = !rowsLeft;
        break;
      }
    }
    return {
      items,
      ...(!exhausted &&
        position !== undefined && {
          cursor: cursors.encode(ITEMS_CURSOR_KIND, caller.partnerId, {
            t: position.changedAt,
            i: position.itemId,
          }),
        }),
    };
  }

  /** The latest version of an item. */
  async get(caller: Caller, itemId: string): Promise<ItemVersion> {
    const head = await ownedHead(this.store, caller, itemId);
    return requireVersion(this.store, itemId, head.version);
  }

  /** Version n of an item, and whether it is the latest (a held version that is not was superseded). */
  async getVersion(
    caller: Caller,
    itemId: string,
    version: number,
  ): Promise<{ version: ItemVersion; latest: boolean }> {
    const head = await ownedHead(this.store, caller, itemId);
    if (!Number.isSafeInteger(version) || version < 1 || version > head.version) {
      throw new NotFoundError(
        `Item ${itemId} has no version ${version}; its latest version is ${head.version}.`,
      );
    }
    return { version: await requireVersion(this.store, itemId, version), latest: version === head.version };
  }

  /**
   * A page of an item's version summaries, oldest first (the store reads only their summary
   * attributes, never the documents). The cursor is bound to the caller and to the item.
   */
  async listVersions(caller: Caller, itemId: string, query: VersionListQuery = {}): Promise<VersionListPage> {
    const cursors = await this.cursors();
    const { after, limit } = parseVersionQuery(cursors, caller, itemId, query);
    const head = await ownedHead(this.store, caller, itemId);
    // One more than asked: whether a next page exists, without an empty last page.
    const read = await this.store.listVersions(itemId, { after, limit: limit + 1 });
    const versions = read.slice(0, limit);
    const last = versions.at(-1);
    return {
      versions,
      latestVersion: head.version,
      ...(read.length > limit &&
        last !== undefined && {
          cursor: cursors.encode(VERSIONS_CURSOR_KIND, caller.partnerId, { i: itemId, v: last.version }),
        }),
    };
  }

  /**
   * The translation into `language` (a provider code, e.g. `en`) of the latest translated version;
   * else what was recorded for the latest version (e.g. skipped, and why); else 404.
   */
  async translation(caller: Caller, itemId: string, language: string): Promise<Translation> {
    const head = await ownedHead(this.store, caller, itemId);
    const translation =
      (await this.translations.get(itemId, language)) ??
      (await this.translations.getVersion(itemId, head.version, language));
    if (!translation) throw new NotFoundError(`Item ${itemId} has no translation into ${language}.`);
    return translation;
  }
}

function parseVersionQuery(
  cursors: CursorCodec,
  caller: Caller,
  itemId: string,
  query: VersionListQuery,
): { after: number; limit: number } {
  const errors: FieldError[] = [];
  const fail = (pointer: string, message: string) => errors.push({ pointer, message });
  let after = 0;
  if (query.cursor !== undefined) {
    const position = decodePosition(cursors, VERSIONS_CURSOR_KIND, caller, query.cursor, fail) as {
      i?: unknown;
      v?: unknown;
    } | null;
    if (position !== undefined) {
      // A cursor of another item of the same partner is as unusable here as a forged one.
      if (position?.i !== itemId || !Number.isSafeInteger(position.v) || (position.v as number) < 1) {
        fail('/cursor', NOT_OUR_CURSOR);
      } else after = position.v as number;
    }
  }
  const limit = wholeNumber(query.limit, 1, MAX_LIST_LIMIT, DEFAULT_LIST_LIMIT, '/limit', fail);
  if (errors.length > 0) throw new ValidationError('The query is not valid', { errors });
  return { after, limit };
}

const NOT_OUR_CURSOR = 'not a cursor this listing issued to you';

/** The position a cursor carries, or undefined after reporting why it is refused. */
function decodePosition(
  cursors: CursorCodec,
  kind: string,
  caller: Caller,
  cursor: string,
  fail: (pointer: string, message: string) => void,
): unknown {
  try {
    return cursors.decode(kind, caller.partnerId, cursor);
  } catch (error) {
    if (!(error instanceof InvalidPageCursorError)) throw error;
    fail(
      '/cursor',
      error.reason === 'expired' ? 'the cursor has expired; list again from the start' : NOT_OUR_CURSOR,
    );
    return undefined;
  }
}

function parseListQuery(
  cursors: CursorCodec,
  caller: Caller,
  query: ItemListQuery,
): { after?: ListingPosition; limit: number; filters: ListingFilters } {
  const errors: FieldError[] = [];
  const fail = (pointer: string, message: string) => errors.push({ pointer, message });
  let after: ListingPosition | undefined;
  if (query.cursor !== undefined) {
    const p = decodePosition(cursors, ITEMS_CURSOR_KIND, caller, query.cursor, fail) as {
      t?: unknown;
      i?: unknown;
    } | null;
    if (p !== undefined) {
      if (typeof p?.t !== 'string' || typeof p.i !== 'string') fail('/cursor', NOT_OUR_CURSOR);
      else after = { changedAt: p.t, itemId: p.i };
    }
  }
  const limit = wholeNumber(query.limit, 1, MAX_LIST_LIMIT, DEFAULT_LIST_LIMIT, '/limit', fail);
  const filters: ListingFilters = {};
  const languages = commaList(query.language, '/language', fail, isWellFormedLanguageTag, 'language tags');
  if (languages) filters.languages = languages.map(primaryLanguage);
  const types = commaList(
    query.type,
    '/type',
    fail,
    (v) => (LISTING_TYPES as readonly string[]).includes(v),
    LISTING_TYPES.join(', '),
  );
  if (types) filters.types = types as ListingType[];
  const places = commaList(query.place, '/place', fail, (v) => v.length <= 256, 'place codes');
  if (places) filters.places = places;
  const subjects = commaList(query.subject, '/subject', fail, (v) => v.length <= 256, 'subject codes');
  if (subjects) filters.subjects = subjects;
  const held = booleanParam(query.held, '/held', fail);
  if (held !== undefined) filters.held = held;
  if (errors.length > 0) throw new ValidationError('The query is not valid', { errors });
  return { ...(after && { after }), limit, filters };
}
