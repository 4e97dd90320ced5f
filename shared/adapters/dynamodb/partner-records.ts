/** The partners table's rows read back as domain values; a malformed row is a MalformedRecordError. */
import type { ApiKeyRecord, Partner } from '../../domain/ports';
import { MalformedRecordError } from './item-records';
import { ENTITY, KEY_SK } from './table-design';

export function toProfile(record: Record<string, unknown>): {
  partner: Partner;
  keyHashes: string[];
  keyPrefixes: string[];
} {
  const r = new RowReader(ENTITY.partner, record);
  return {
    partner: {
      partnerId: r.string('partnerId'),
      name: r.string('name'),
      status: r.status('status'),
      createdAt: r.string('createdAt'),
    },
    keyHashes: r.optionalStrings('keyHashes'),
    keyPrefixes: r.optionalStrings('keyPrefixes'),
  };
}

export function toApiKeyRecord(record: Record<string, unknown>): ApiKeyRecord {
  if (record.SK !== KEY_SK) throw new MalformedRecordError(ENTITY.apiKey, 'not a key row');
  const r = new RowReader(ENTITY.apiKey, record);
  return {
    keyHash: r.string('keyHash'),
    keyPrefix: r.string('keyPrefix'),
    partnerId: r.string('partnerId'),
    partnerName: r.string('partnerName'),
    scopes: r.optionalStrings('scopes'),
    status: r.status('status'),
    createdAt: r.string('createdAt'),
  };
}

/** Reads one row's attributes, each as the type the table design gives it. */
export class RowReader {
  constructor(
    private readonly entity: string,
    private readonly record: Record<string, unknown>,
  ) {}

  string(name: string): string {
    const value = this.record[name];
    if (typeof value !== 'string' || value === '') {
      throw new MalformedRecordError(this.entity, `${name} must be a non-empty string`);
    }
    return value;
  }

  status(name: string): 'active' | 'revoked' {
    const value = this.record[name];
    if (value !== 'active' && value !== 'revoked') {
      throw new MalformedRecordError(this.entity, `${name} must be active or revoked`);
    }
    return value;
  }

  optionalStrings(name: string): string[] {
    const value = this.record[name] ?? [];
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
      throw new MalformedRecordError(this.entity, `${name} must be a list of strings`);
    }
    return value;
  }
}
