import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { MAX_ITEM_VERSIONS, type VersionSummary } from '../../domain/item';
import type { ItemListing } from '../../domain/listing';
import type { ItemReadStore, ListingPosition } from '../../domain/ports';
import { fromListingRecord, fromVersionSummaryRecord, SUMMARY_ATTRIBUTES } from './item-records';
import { DynamoItemReader } from './item-store';
import {
  GSI1,
  itemPk,
  LAST_VERSION_SK,
  listingIndexKey,
  listingKey,
  ownerPk,
  versionSk,
} from './table-design';

/** The read side (ItemReadStore) on the items table: heads, versions and listings; never a write. */
export class DynamoItemReadStore extends DynamoItemReader implements ItemReadStore {
  async listVersions(
    itemId: string,
    page: { after?: number; limit?: number } = {},
  ): Promise<VersionSummary[]> {
    const limit = page.limit ?? MAX_ITEM_VERSIONS;
    const summaries: VersionSummary[] = [];
    let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
    do {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
          // Documents can be large; the listing needs only the summary and the publication facts.
          ProjectionExpression: SUMMARY_ATTRIBUTES.map((name) => `#${name}`).join(', '),
          ExpressionAttributeNames: Object.fromEntries(SUMMARY_ATTRIBUTES.map((name) => [`#${name}`, name])),
          ExpressionAttributeValues: marshall({
            ':pk': itemPk(itemId),
            ':from': versionSk((page.after ?? 0) + 1),
            ':to': LAST_VERSION_SK,
          }),
          ScanIndexForward: true,
          ConsistentRead: true,
          Limit: limit - summaries.length,
          ExclusiveStartKey,
        }),
      );
      for (const item of result.Items ?? []) summaries.push(fromVersionSummaryRecord(unmarshall(item)));
      ExclusiveStartKey = result.LastEvaluatedKey;
    } while (ExclusiveStartKey !== undefined && summaries.length < limit);
    return summaries;
  }

  /**
   * One Query of GSI1 (eventually consistent, as every index read): the partner's listing rows,
   * latest change first. The partition key is the caller's own, so a position can never reach
   * another partner's rows.
   */
  async listOwned(
    partnerId: string,
    after: ListingPosition | undefined,
    maxRows: number,
  ): Promise<{ rows: ItemListing[]; next?: ListingPosition }> {
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: GSI1,
        KeyConditionExpression: 'GSI1PK = :pk',
        ExpressionAttributeValues: marshall({ ':pk': ownerPk(partnerId) }),
        ScanIndexForward: false,
        Limit: maxRows,
        ...(after && {
          ExclusiveStartKey: marshall({
            ...listingKey(partnerId, after.itemId),
            ...listingIndexKey(partnerId, after.changedAt, after.itemId),
          }),
        }),
      }),
    );
    const rows = (page.Items ?? []).map((item) => fromListingRecord(unmarshall(item)));
    const last = rows.at(-1);
    return page.LastEvaluatedKey === undefined || last === undefined
      ? { rows }
      : { rows, next: { changedAt: last.changedAt, itemId: last.itemId } };
  }
}
