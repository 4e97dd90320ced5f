import type { ItemHead, ItemVersion, NinjsDocument, Pubstatus, VersionSummary } from '../../domain/item';
import {
  ENTITY,
  itemHeadKey,
  partnerItemsGsi1Pk,
  partnerItemsGsi1Sk,
  type TableKey,
  uriClaimKey,
  versionKey,
} from './table-design';

/**
 * Codec between domain objects and items-table rows (plain JS objects, as the DocumentClient
 * and `unmarshall` produce). Reads validate the shape, because rows also arrive from the
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
};

export type HeadRecord = TableKey & {
  entity: typeof ENTITY.itemHead;
  itemId: string;
  partnerId: string;
  uri: string;
  version: number;
  pubstatus: Pubstatus;
  language: string;
  contentHash: string;
  createdAt: string;
  updatedAt: string;
  GSI1PK: string;
  GSI1SK: string;
};

export type UriClaimRecord = TableKey & {
  entity: typeof ENTITY.uriClaim;
  itemId: string;
  partnerId: string;
  createdAt: string;
};

export function toVersionRecord(v: ItemVersion): VersionRecord {
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
  };
}

/** Reads a version row fetched with the listVersions projection (version, pubstatus, receivedAt). */
export function fromVersionSummaryRecord(record: unknown): VersionSummary {
  const r = new RecordReader(ENTITY.itemVersion, record);
  return {
    version: r.version('version'),
    pubstatus: r.pubstatus('pubstatus'),
    receivedAt: r.string('receivedAt'),
  };
}

/** The head of an item at `version`, as written together with that version. */
export function toHeadRecord(head: ItemHead): HeadRecord {
  return {
    ...itemHeadKey(head.itemId),
    entity: ENTITY.itemHead,
    itemId: head.itemId,
    partnerId: head.partnerId,
    uri: head.uri,
    version: head.version,
    pubstatus: head.pubstatus,
    language: head.language,
    contentHash: head.contentHash,
    createdAt: head.createdAt,
    updatedAt: head.updatedAt,
    GSI1PK: partnerItemsGsi1Pk(head.partnerId),
    GSI1SK: partnerItemsGsi1Sk(head.updatedAt, head.itemId),
  };
}

export function fromHeadRecord(record: unknown): ItemHead {
  const r = new RecordReader(ENTITY.itemHead, record);
  return {
    itemId: r.string('itemId'),
    partnerId: r.string('partnerId'),
    uri: r.string('uri'),
    version: r.version('version'),
    pubstatus: r.pubstatus('pubstatus'),
    language: r.string('language'),
    contentHash: r.string('contentHash'),
    createdAt: r.string('createdAt'),
    updatedAt: r.string('updatedAt'),
  };
}

/** The head that version 1 of an item creates. */
export function headOfFirstVersion(first: ItemVersion): ItemHead {
  return {
    itemId: first.itemId,
    partnerId: first.partnerId,
    uri: first.uri,
    version: first.version,
    pubstatus: first.pubstatus,
    language: first.language,
    contentHash: first.contentHash,
    createdAt: first.receivedAt,
    updatedAt: first.receivedAt,
  };
}

export function toUriClaimRecord(first: ItemVersion): UriClaimRecord {
  return {
    ...uriClaimKey(first.partnerId, first.uri),
    entity: ENTITY.uriClaim,
    itemId: first.itemId,
    partnerId: first.partnerId,
    createdAt: first.receivedAt,
  };
}

export function itemIdOfUriClaim(record: unknown): string {
  return new RecordReader(ENTITY.uriClaim, record).string('itemId');
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

  pubstatus(name: string): Pubstatus {
    const value = this.record[name];
    if (typeof value !== 'string' || !PUBSTATUSES.has(value)) {
      throw new MalformedRecordError(this.entity, `${name} must be one of usable, withheld, canceled`);
    }
    return value as Pubstatus;
  }
}
