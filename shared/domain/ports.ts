import type { ItemHead, ItemVersion, VersionSummary } from './item';

/**
 * The storage port for items. The DynamoDB adapter implements it with conditional writes
 * and transactions; the domain service never sees DynamoDB.
 */
export interface ItemStore {
  /**
   * Atomically claims (partnerId, uri) and writes version 1. When the uri is already claimed,
   * nothing is written and the existing head is returned.
   */
  createItem(first: ItemVersion): Promise<{ created: true } | { created: false; existing: ItemHead }>;
  /** Appends `next` only if the head is still at `next.version - 1`; false when it moved on. */
  appendVersion(next: ItemVersion): Promise<boolean>;
  getHead(itemId: string): Promise<ItemHead | undefined>;
  getVersion(itemId: string, version: number): Promise<ItemVersion | undefined>;
  listVersions(itemId: string): Promise<VersionSummary[]>;
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
