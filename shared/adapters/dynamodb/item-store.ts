import { type DynamoDBDocumentClient, GetCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import type { ItemHead, ItemVersion, VersionSummary } from '../../domain/item';
import type { ItemStore } from '../../domain/ports';
import {
  fromHeadRecord,
  fromVersionRecord,
  fromVersionSummaryRecord,
  headOfFirstVersion,
  itemIdOfUriClaim,
  toHeadRecord,
  toUriClaimRecord,
  toVersionRecord,
} from './item-records';
import {
  itemHeadKey,
  itemPk,
  partnerItemsGsi1Sk,
  uriClaimKey,
  VERSION_SK_PREFIX,
  versionKey,
} from './table-design';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, StoreContentionError, transactWrite } from './transactions';

/** Index of the uri claim in the createItem transaction (reasons come back in action order). */
const CLAIM_ACTION = 0;

/**
 * ItemStore on the items table. Every state change is one conditional transaction, so
 * concurrent writers can neither create duplicates nor lose updates; version rows are
 * written once and never changed (they are the outbox the stream publishes).
 *
 * Reads are strongly consistent: clients read right after they write (POST, then GET the
 * version), and an eventually consistent read could miss a version that was just accepted.
 */
export class DynamoItemStore implements ItemStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retryPolicy: RetryPolicy = DEFAULT_RETRY_POLICY,
  ) {}

  async createItem(first: ItemVersion): Promise<{ created: true } | { created: false; existing: ItemHead }> {
    if (first.version !== 1) throw new RangeError(`createItem needs version 1, got ${first.version}`);
    const notExists = { ConditionExpression: 'attribute_not_exists(PK)' };
    let outcome: Awaited<ReturnType<typeof transactWrite>>;
    try {
      outcome = await transactWrite(
        this.client,
        {
          TransactItems: [
            { Put: { TableName: this.tableName, Item: toUriClaimRecord(first), ...notExists } },
            {
              Put: { TableName: this.tableName, Item: toHeadRecord(headOfFirstVersion(first)), ...notExists },
            },
            { Put: { TableName: this.tableName, Item: toVersionRecord(first), ...notExists } },
          ],
        },
        this.retryPolicy,
      );
    } catch (error) {
      // Still contended after every retry: whoever kept winning has probably created the item by now.
      if (!(error instanceof StoreContentionError)) throw error;
      const existing = await this.findByUri(first.partnerId, first.uri);
      if (existing) return this.existingOrOwn(existing, first);
      throw error;
    }
    if (outcome.committed) return { created: true };
    if (!outcome.conditionFailed[CLAIM_ACTION]) {
      // The claim was free but the head or version row exists: an item id collision, which
      // 80 random bits make practically impossible. Never overwrite; surface it.
      throw new Error(`Item id ${first.itemId} already exists`);
    }
    const existing = await this.findByUri(first.partnerId, first.uri);
    if (!existing) throw new Error(`Uri claim for item ${first.itemId} failed but no item holds it`);
    return this.existingOrOwn(existing, first);
  }

  async appendVersion(next: ItemVersion): Promise<boolean> {
    const head = itemHeadKey(next.itemId);
    let outcome: Awaited<ReturnType<typeof transactWrite>>;
    try {
      outcome = await transactWrite(
        this.client,
        {
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: head,
                // The optimistic lock: only the writer that saw the current version may move it on.
                ConditionExpression: 'attribute_exists(PK) AND #version = :previous',
                UpdateExpression:
                  'SET #version = :version, pubstatus = :pubstatus, contentHash = :contentHash, #language = :language, updatedAt = :updatedAt, GSI1SK = :gsi1sk',
                ExpressionAttributeNames: { '#version': 'version', '#language': 'language' },
                ExpressionAttributeValues: {
                  ':previous': next.version - 1,
                  ':version': next.version,
                  ':pubstatus': next.pubstatus,
                  ':contentHash': next.contentHash,
                  ':language': next.language,
                  ':updatedAt': next.receivedAt,
                  ':gsi1sk': partnerItemsGsi1Sk(next.receivedAt, next.itemId),
                },
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: toVersionRecord(next),
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
          ],
        },
        this.retryPolicy,
      );
    } catch (error) {
      // Still contended after every retry: if the head has moved past our base, we lost the race.
      if (!(error instanceof StoreContentionError)) throw error;
      const current = await this.getHead(next.itemId);
      if (current && current.version >= next.version) return false;
      throw error;
    }
    return outcome.committed;
  }

  async getHead(itemId: string): Promise<ItemHead | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: itemHeadKey(itemId), ConsistentRead: true }),
    );
    return Item ? fromHeadRecord(Item) : undefined;
  }

  async getVersion(itemId: string, version: number): Promise<ItemVersion | undefined> {
    if (!Number.isSafeInteger(version) || version < 1) return undefined;
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: versionKey(itemId, version), ConsistentRead: true }),
    );
    return Item ? fromVersionRecord(Item) : undefined;
  }

  async listVersions(itemId: string): Promise<VersionSummary[]> {
    const summaries: VersionSummary[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :versionPrefix)',
        // Documents can be large; the listing needs only these three attributes.
        ProjectionExpression: '#version, pubstatus, receivedAt',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':pk': itemPk(itemId), ':versionPrefix': VERSION_SK_PREFIX },
        ScanIndexForward: true,
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) summaries.push(fromVersionSummaryRecord(item));
    }
    return summaries;
  }

  private async findByUri(partnerId: string, uri: string): Promise<ItemHead | undefined> {
    const { Item: claim } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: uriClaimKey(partnerId, uri), ConsistentRead: true }),
    );
    if (!claim) return undefined;
    // The claim and the head were written in one transaction, so the head is there too.
    return this.getHead(itemIdOfUriClaim(claim));
  }

  /**
   * An SDK-level retry of a transaction that did commit fails its conditions against our own
   * rows; recognising our item id keeps such a create reported as created.
   */
  private existingOrOwn(
    existing: ItemHead,
    first: ItemVersion,
  ): { created: true } | { created: false; existing: ItemHead } {
    return existing.itemId === first.itemId ? { created: true } : { created: false, existing };
  }
}
