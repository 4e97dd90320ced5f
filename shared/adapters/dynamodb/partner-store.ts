import { type DynamoDBClient, GetItemCommand, paginateScan } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { ApiKeyRecord, Partner, PartnerStore } from '../../domain/ports';
import { RowReader, toApiKeyRecord, toProfile } from './partner-records';
import { apiKeyKey, ENTITY, keyPrefixKey, PROFILE_SK, partnerKey } from './table-design';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, transactWrite } from './transactions';

/** The partner does not exist or is revoked: no key can be added to it. */
export class PartnerNotActiveError extends Error {
  constructor(partnerId: string) {
    super(`Partner ${partnerId} does not exist or is revoked`);
    this.name = 'PartnerNotActiveError';
  }
}

/** A partner id, key hash or key prefix is already taken; nothing was written. */
export class PartnerExistsError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'PartnerExistsError';
  }
}

/**
 * PartnerStore on the partners table. Rows:
 * - profile  `PARTNER#<id>` / `PROFILE`: name, status, and the hashes and prefixes of its keys,
 *   so revoking a partner finds every key without a scan;
 * - key      `KEY#<sha256hex>` / `KEY`: what the authorizer reads, one GetItem per (uncached) request;
 * - prefix   `KEYPREFIX#<prefix>` / `KEYPREFIX`: key prefix -> hash and partner, so an operator can
 *   revoke by the non-secret prefix they see in listings, again without a scan.
 * The raw key is never stored. Rows that belong together are written in one transaction.
 */
export class DynamoPartnerStore implements PartnerStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly retryPolicy: RetryPolicy = DEFAULT_RETRY_POLICY,
  ) {}

  async createPartner(partner: Partner, key: ApiKeyRecord): Promise<void> {
    if (key.partnerId !== partner.partnerId) {
      throw new RangeError(`Key belongs to ${key.partnerId}, not to ${partner.partnerId}`);
    }
    const notExists = 'attribute_not_exists(PK)';
    const outcome = await transactWrite(
      this.client,
      {
        TransactItems: [
          {
            Put: {
              TableName: this.tableName,
              ConditionExpression: notExists,
              Item: marshall(
                {
                  ...partnerKey(partner.partnerId),
                  entity: ENTITY.partner,
                  ...partner,
                  keyHashes: [key.keyHash],
                  keyPrefixes: [key.keyPrefix],
                },
                { removeUndefinedValues: true },
              ),
            },
          },
          {
            Put: {
              TableName: this.tableName,
              ConditionExpression: notExists,
              Item: marshall(
                { ...apiKeyKey(key.keyHash), entity: ENTITY.apiKey, ...key },
                { removeUndefinedValues: true },
              ),
            },
          },
          {
            Put: {
              TableName: this.tableName,
              ConditionExpression: notExists,
              Item: marshall({
                ...keyPrefixKey(key.keyPrefix),
                entity: ENTITY.keyPrefix,
                keyPrefix: key.keyPrefix,
                keyHash: key.keyHash,
                partnerId: key.partnerId,
              }),
            },
          },
        ],
      },
      this.retryPolicy,
    );
    if (outcome.committed) return;
    const [partnerTaken, keyTaken, prefixTaken] = outcome.conditionFailed;
    if (partnerTaken) throw new PartnerExistsError(`Partner ${partner.partnerId} already exists`);
    if (keyTaken) throw new PartnerExistsError('This API key is already registered');
    if (prefixTaken)
      throw new PartnerExistsError(`Key prefix ${key.keyPrefix} is already in use; generate another key`);
    throw new Error('Partner creation was cancelled for an unknown reason');
  }

  /** Eventually consistent: the authorizer caches answers anyway, and a revocation lags by far less than that cache. */
  async findKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall(apiKeyKey(keyHash)) }),
    );
    return Item ? toApiKeyRecord(unmarshall(Item)) : undefined;
  }

  /** For operators: a Scan, acceptable on a table of a few hundred partners. Oldest first. */
  async listPartners(): Promise<(Partner & { keyPrefixes: string[] })[]> {
    const partners: (Partner & { keyPrefixes: string[] })[] = [];
    const pages = paginateScan(
      { client: this.client },
      {
        TableName: this.tableName,
        FilterExpression: 'SK = :profile',
        ProjectionExpression: 'partnerId, #name, #status, createdAt, keyPrefixes',
        ExpressionAttributeNames: { '#name': 'name', '#status': 'status' },
        ExpressionAttributeValues: marshall({ ':profile': PROFILE_SK }),
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const profile = toProfile(unmarshall(item));
        partners.push({ ...profile.partner, keyPrefixes: profile.keyPrefixes });
      }
    }
    return partners.sort(
      (a, b) => a.createdAt.localeCompare(b.createdAt) || a.partnerId.localeCompare(b.partnerId),
    );
  }

  async revoke(partnerIdOrKeyPrefix: string): Promise<string | undefined> {
    const partnerId = await this.resolvePartnerId(partnerIdOrKeyPrefix);
    if (partnerId === undefined) return undefined;
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: marshall(partnerKey(partnerId)),
        ConsistentRead: true,
      }),
    );
    if (!Item) return undefined;
    const { keyHashes } = toProfile(unmarshall(Item));

    const now = new Date().toISOString();
    const revoke = {
      TableName: this.tableName,
      ConditionExpression: 'attribute_exists(PK)',
      // Idempotent: revoking twice keeps the time of the first revocation.
      UpdateExpression: 'SET #status = :revoked, revokedAt = if_not_exists(revokedAt, :now)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: marshall({ ':revoked': 'revoked', ':now': now }),
    };
    // The profile and all its keys flip together: no window with a revoked partner but a live key.
    const outcome = await transactWrite(
      this.client,
      {
        TransactItems: [
          { Update: { ...revoke, Key: marshall(partnerKey(partnerId)) } },
          ...keyHashes.map((keyHash) => ({ Update: { ...revoke, Key: marshall(apiKeyKey(keyHash)) } })),
        ],
      },
      this.retryPolicy,
    );
    if (!outcome.committed)
      throw new Error(`Partner ${partnerId} has a key row missing; revocation not applied`);
    // A key added between the read and the transaction (addKey needs an active partner, so no
    // more can follow now) is revoked by one more pass.
    const { Item: after } = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: marshall(partnerKey(partnerId)),
        ConsistentRead: true,
      }),
    );
    const added = after ? toProfile(unmarshall(after)).keyHashes.filter((h) => !keyHashes.includes(h)) : [];
    if (added.length > 0) return this.revoke(partnerId);
    return partnerId;
  }

  /**
   * Adds a key to an active partner (key rotation): the key row, its prefix row and the profile's
   * key lists change in one transaction. Throws PartnerNotActiveError for an unknown or revoked partner.
   */
  async addKey(key: ApiKeyRecord): Promise<void> {
    const notExists = 'attribute_not_exists(PK)';
    const outcome = await transactWrite(
      this.client,
      {
        TransactItems: [
          {
            Update: {
              TableName: this.tableName,
              Key: marshall(partnerKey(key.partnerId)),
              ConditionExpression: '#status = :active',
              UpdateExpression:
                'SET keyHashes = list_append(if_not_exists(keyHashes, :empty), :hash), ' +
                'keyPrefixes = list_append(if_not_exists(keyPrefixes, :empty), :prefix)',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: marshall({
                ':active': 'active',
                ':empty': [],
                ':hash': [key.keyHash],
                ':prefix': [key.keyPrefix],
              }),
            },
          },
          {
            Put: {
              TableName: this.tableName,
              ConditionExpression: notExists,
              Item: marshall(
                { ...apiKeyKey(key.keyHash), entity: ENTITY.apiKey, ...key },
                { removeUndefinedValues: true },
              ),
            },
          },
          {
            Put: {
              TableName: this.tableName,
              ConditionExpression: notExists,
              Item: marshall({
                ...keyPrefixKey(key.keyPrefix),
                entity: ENTITY.keyPrefix,
                keyPrefix: key.keyPrefix,
                keyHash: key.keyHash,
                partnerId: key.partnerId,
              }),
            },
          },
        ],
      },
      this.retryPolicy,
    );
    if (outcome.committed) return;
    const [partnerInactive, keyTaken, prefixTaken] = outcome.conditionFailed;
    if (partnerInactive) throw new PartnerNotActiveError(key.partnerId);
    if (keyTaken) throw new PartnerExistsError('This API key is already registered');
    if (prefixTaken)
      throw new PartnerExistsError(`Key prefix ${key.keyPrefix} is already in use; generate another key`);
    throw new Error('Adding the key was cancelled for an unknown reason');
  }

  /**
   * Revokes one key by its prefix; the partner and its other keys stay active. The profile moves the
   * prefix to `revokedKeyPrefixes` in the same transaction. Idempotent: an already revoked key
   * answers `alreadyRevoked`. Undefined for an unknown prefix.
   */
  async revokeKey(
    keyPrefix: string,
  ): Promise<{ partnerId: string; keyPrefix: string; alreadyRevoked: boolean } | undefined> {
    const { Item: prefixRow } = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: marshall(keyPrefixKey(keyPrefix)),
        ConsistentRead: true,
      }),
    );
    if (!prefixRow) return undefined;
    const row = new RowReader(ENTITY.keyPrefix, unmarshall(prefixRow));
    const partnerId = row.string('partnerId');
    const keyHash = row.string('keyHash');
    const { Item: profileRow } = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: marshall(partnerKey(partnerId)),
        ConsistentRead: true,
      }),
    );
    if (!profileRow) return undefined;
    const remaining = toProfile(unmarshall(profileRow)).keyPrefixes.filter((p) => p !== keyPrefix);
    const now = new Date().toISOString();
    const outcome = await transactWrite(
      this.client,
      {
        TransactItems: [
          {
            Update: {
              TableName: this.tableName,
              Key: marshall(apiKeyKey(keyHash)),
              ConditionExpression: '#status = :active',
              UpdateExpression: 'SET #status = :revoked, revokedAt = :now',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: marshall({
                ':active': 'active',
                ':revoked': 'revoked',
                ':now': now,
              }),
            },
          },
          {
            Update: {
              TableName: this.tableName,
              Key: marshall(partnerKey(partnerId)),
              ConditionExpression: 'attribute_exists(PK)',
              UpdateExpression:
                'SET keyPrefixes = :remaining, ' +
                'revokedKeyPrefixes = list_append(if_not_exists(revokedKeyPrefixes, :empty), :prefix)',
              ExpressionAttributeValues: marshall({
                ':remaining': remaining,
                ':empty': [],
                ':prefix': [keyPrefix],
              }),
            },
          },
        ],
      },
      this.retryPolicy,
    );
    if (outcome.committed) return { partnerId, keyPrefix, alreadyRevoked: false };
    if (outcome.conditionFailed[0]) return { partnerId, keyPrefix, alreadyRevoked: true };
    throw new Error(`Partner ${partnerId} has no profile row; key ${keyPrefix} not revoked`);
  }

  /** The partner's key rows (scopes and status of each), oldest first. */
  async listKeys(partnerId: string): Promise<ApiKeyRecord[]> {
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: marshall(partnerKey(partnerId)),
        ConsistentRead: true,
      }),
    );
    if (!Item) return [];
    const keys: ApiKeyRecord[] = [];
    for (const keyHash of toProfile(unmarshall(Item)).keyHashes) {
      const record = await this.findKeyByHash(keyHash);
      if (record) keys.push(record);
    }
    return keys.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  private async resolvePartnerId(partnerIdOrKeyPrefix: string): Promise<string | undefined> {
    if (partnerIdOrKeyPrefix.startsWith('ptn_')) return partnerIdOrKeyPrefix;
    if (!partnerIdOrKeyPrefix.startsWith('dwk_')) return undefined;
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: marshall(keyPrefixKey(partnerIdOrKeyPrefix)),
        ConsistentRead: true,
      }),
    );
    return Item ? new RowReader(ENTITY.keyPrefix, unmarshall(Item)).string('partnerId') : undefined;
  }
}
