import type { Hold, Publication } from '../../domain/embargo';
import type { ItemHead, ItemVersion, NinjsDocument, Pubstatus, VersionSummary } from '../../domain/item';
import type { ItemListing } from '../../domain/listing';
import { ENTITY, HELD_QUEUE, listingIndexKey, listingKey, type TableKey, versionKey } from './table-design';

/**
 * Codec between domain objects and items-table rows (plain JS objects, as `unmarshall`
 * produces). Reads validate the shape, because rows also arrive from the
 * DynamoDB stream, where a bad row must fail loudly rather than publish garbage.
 */

export class MalformedRecordError extends Error {
  constructor(
    readonly entity: string,
    detail: string,
  ) {
    super(`Malformed ${entity} record: ${detail}`);
    this.name = 'MalformedRecordError';
  }
}

export type VersionRecord = TableKey & {
  entity: typeof ENTITY.itemVersion;
  itemId: string;
  version: number;
  partnerId: string;
  uri: string;
  language: string;
  pubstatus: Pubstatus;
  receivedAt: string;
  contentHash: string;
  /** The normalised ninjs document as a JSON string, so it is returned byte for byte. */
  document: string;
  /** Version 1's receivedAt, on every version: the latest version is the head and needs it. */
  itemCreatedAt: string;
  /**
   * Random per write attempt: a conditional put that fails against a row carrying our own
   * writeId was an SDK retry of a put that had succeeded, not a competing writer.
   */
  writeId: string;
} & PublicationAttributes;

/**
 * Embargo facts (shared/domain/embargo.ts), flat so conditions and stream filters can name them.
 * `heldQueue`/`heldReleaseAt` are the HeldByReleaseTime index keys: only while an embargo holds it.
 */
export interface PublicationAttributes {
  holdKind?: Hold['kind'];
  embargoUntil?: string;
  publicBefore?: boolean;
  releasedAt?: string;
  supersededAt?: string;
  heldQueue?: string;
  heldReleaseAt?: string;
}

function publicationAttributes(v: Publication): PublicationAttributes {
  const { hold } = v;
  return {
    ...(v.publicBefore === undefined ? {} : { publicBefore: v.publicBefore }),
    ...(hold === undefined ? {} : { holdKind: hold.kind }),
    ...(hold?.kind === 'embargo'
      ? { embargoUntil: hold.until, heldQueue: HELD_QUEUE, heldReleaseAt: hold.until }
      : {}),
  };
}

export function toVersionRecord(
  v: ItemVersion,
  row: { itemCreatedAt: string; writeId: string },
): VersionRecord {
  return {
    ...versionKey(v.itemId, v.version),
    entity: ENTITY.itemVersion,
    itemId: v.itemId,
    version: v.version,
    partnerId: v.partnerId,
    uri: v.uri,
    language: v.language,
    pubstatus: v.pubstatus,
    receivedAt: v.receivedAt,
    contentHash: v.contentHash,
    document: JSON.stringify(v.document),
    itemCreatedAt: row.itemCreatedAt,
    writeId: row.writeId,
    ...publicationAttributes(v),
  };
}

export function fromVersionRecord(record: unknown): ItemVersion {
  const r = new RecordReader(ENTITY.itemVersion, record);
  const json = r.string('document');
  let document: unknown;
  try {
    document = JSON.parse(json);
  } catch {
    throw new MalformedRecordError(ENTITY.itemVersion, 'document is not valid JSON');
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new MalformedRecordError(ENTITY.itemVersion, 'document is not a JSON object');
  }
  return {
    itemId: r.string('itemId'),
    version: r.version('version'),
    partnerId: r.string('partnerId'),
    uri: r.string('uri'),
    language: r.string('language'),
    pubstatus: r.pubstatus('pubstatus'),
    receivedAt: r.string('receivedAt'),
    contentHash: r.string('contentHash'),
    document: document as NinjsDocument,
    ...r.publication(),
  };
}

/** Reads a version row fetched with the listVersions projection (version, pubstatus, receivedAt). */
export function fromVersionSummaryRecord(record: unknown): VersionSummary {
  const r = new RecordReader(ENTITY.itemVersion, record);
  return {
    version: r.version('version'),
    pubstatus: r.pubstatus('pubstatus'),
    receivedAt: r.string('receivedAt'),
    ...r.publication(),
  };
}

/** What listVersions projects: the summary and the publication facts. */
export const SUMMARY_ATTRIBUTES = [
  'version',
  'pubstatus',
  'receivedAt',
  'holdKind',
  'embargoUntil',
  'publicBefore',
  'releasedAt',
  'supersededAt',
] as const;

/**
 * Attributes a head is read from: every version row's except `document` (which can be large),
 * as ProjectionExpression names (`#version`, `#language`, ... are reserved words or close to them).
 */
export const HEAD_ATTRIBUTES = [
  'itemId',
  'partnerId',
  'uri',
  'version',
  'pubstatus',
  'language',
  'contentHash',
  'receivedAt',
  'itemCreatedAt',
  'holdKind',
  'embargoUntil',
  'publicBefore',
  'releasedAt',
  'supersededAt',
] as const;

/** The head of an item: its latest version row (projected to HEAD_ATTRIBUTES). */
export function headOfVersionRecord(record: unknown): ItemHead {
  const r = new RecordReader(ENTITY.itemVersion, record);
  return {
    itemId: r.string('itemId'),
    partnerId: r.string('partnerId'),
    uri: r.string('uri'),
    version: r.version('version'),
    pubstatus: r.pubstatus('pubstatus'),
    language: r.string('language'),
    contentHash: r.string('contentHash'),
    createdAt: r.string('itemCreatedAt'),
    updatedAt: r.string('receivedAt'),
    ...r.publication(),
  };
}

/** A listing row (GET /v1/items): the listing, flat like a version row's publication facts. */
export function toListingRecord(listing: ItemListing): Record<string, unknown> {
  const { hold, publicBefore, releasedAt, supersededAt, ...summary } = listing;
  return {
    ...listingKey(listing.partnerId, listing.itemId),
    ...listingIndexKey(listing.partnerId, listing.changedAt, listing.itemId),
    entity: ENTITY.itemListing,
    ...summary,
    // The publication facts of the latest version (never the release index keys: version rows only).
    ...(hold !== undefined && { holdKind: hold.kind }),
    ...(hold?.kind === 'embargo' && { embargoUntil: hold.until }),
    ...(publicBefore !== undefined && { publicBefore }),
    ...(releasedAt !== undefined && { releasedAt }),
    ...(supersededAt !== undefined && { supersededAt }),
  };
}

export function fromListingRecord(record: unknown): ItemListing {
  const r = new RecordReader(ENTITY.itemListing, record);
  const places = r.stringList('places');
  const subjects = r.stringList('subjects');
  return {
    itemId: r.string('itemId'),
    partnerId: r.string('partnerId'),
    version: r.version('version'),
    uri: r.string('uri'),
    language: r.string('language'),
    pubstatus: r.pubstatus('pubstatus'),
    headline: r.text('headline'),
    ...(places && { places }),
    ...(subjects && { subjects }),
    createdAt: r.string('createdAt'),
    receivedAt: r.string('receivedAt'),
    changedAt: r.string('changedAt'),
    ...r.publication(),
  };
}

const PUBSTATUSES: ReadonlySet<string> = new Set<Pubstatus>(['usable', 'withheld', 'canceled']);

class RecordReader {
  private readonly record: Record<string, unknown>;

  constructor(
    private readonly entity: string,
    record: unknown,
  ) {
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw new MalformedRecordError(entity, 'not an object');
    }
    this.record = record as Record<string, unknown>;
  }

  string(name: string): string {
    const value = this.record[name];
    if (typeof value !== 'string' || value === '') {
      throw new MalformedRecordError(this.entity, `${name} must be a non-empty string`);
    }
    return value;
  }

  version(name: string): number {
    const value = this.record[name];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
      throw new MalformedRecordError(this.entity, `${name} must be a positive integer`);
    }
    return value;
  }

  /** A string that may be empty (a headline can be). */
  text(name: string): string {
    const value = this.record[name];
    if (typeof value !== 'string') throw new MalformedRecordError(this.entity, `${name} must be a string`);
    return value;
  }

  stringList(name: string): string[] | undefined {
    const value = this.record[name];
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
      throw new MalformedRecordError(this.entity, `${name} must be a list of strings`);
    }
    return value as string[];
  }

  private optionalString(name: string): string | undefined {
    return this.record[name] === undefined ? undefined : this.string(name);
  }

  /** The Publication facts; every one is optional (rows from before embargoes have none). */
  publication(): Publication {
    const holdKind = this.optionalString('holdKind');
    const embargoUntil = this.optionalString('embargoUntil');
    const releasedAt = this.optionalString('releasedAt');
    const supersededAt = this.optionalString('supersededAt');
    const publicBefore = this.record.publicBefore;
    if (publicBefore !== undefined && typeof publicBefore !== 'boolean') {
      throw new MalformedRecordError(this.entity, 'publicBefore must be a boolean');
    }
    let hold: Hold | undefined;
    if (holdKind === 'embargo') {
      if (embargoUntil === undefined)
        throw new MalformedRecordError(this.entity, 'an embargo hold needs embargoUntil');
      hold = { kind: 'embargo', until: embargoUntil };
    } else if (holdKind === 'withheld') hold = { kind: 'withheld' };
    else if (holdKind !== undefined)
      throw new MalformedRecordError(this.entity, 'holdKind must be embargo or withheld');
    return {
      ...(hold === undefined ? {} : { hold }),
      ...(publicBefore === undefined ? {} : { publicBefore }),
      ...(releasedAt === undefined ? {} : { releasedAt }),
      ...(supersededAt === undefined ? {} : { supersededAt }),
    };
  }

  pubstatus(name: string): Pubstatus {
    const value = this.record[name];
    if (typeof value !== 'string' || !PUBSTATUSES.has(value)) {
      throw new MalformedRecordError(this.entity, `${name} must be one of usable, withheld, canceled`);
    }
    return value as Pubstatus;
  }
}
