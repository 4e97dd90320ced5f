import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { VersionSummary } from '../../domain/item';
import type { ItemListing } from '../../domain/listing';
import type { ItemReadStore, ListingPosition } from '../../domain/ports';
import { fromListingRecord, fromVersionSummaryRecord, SUMMARY_ATTRIBUTES } from './item-records';
import { DynamoItemReader } from './item-store';
import { GSI1, itemPk, listingIndexKey, listingKey, ownerPk, VERSION_SK_PREFIX } from './table-design';

/** The read side (ItemReadStore) on the items table: heads, versions and listings; never a write. */
export class DynamoItemReadStore extends DynamoItemReader implements ItemReadStore {
  async listVersions(itemId: string): Promise<VersionSummary[]> {
    const summaries: VersionSummary[] = [];
    let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :versionPrefix)',
          // Documents can be large; the listing needs only the summary and the publication facts.
          ProjectionExpression: SUMMARY_ATTRIBUTES.map((name) => `#${name}`).join(', '),
          ExpressionAttributeNames: Object.fromEntries(SUMMARY_ATTRIBUTES.map((name) => [`#${name}`, name])),
          ExpressionAttributeValues: marshall({ ':pk': itemPk(itemId), ':versionPrefix': VERSION_SK_PREFIX }),
          ScanIndexForward: true,
          ConsistentRead: true,
          ExclusiveStartKey,
        }),
      );
      for (const item of page.Items ?? []) summaries.push(fromVersionSummaryRecord(unmarshall(item)));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey !== undefined);
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
