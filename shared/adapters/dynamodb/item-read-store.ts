import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { VersionSummary } from '../../domain/item';
import type { ItemReadStore } from '../../domain/ports';
import { fromVersionSummaryRecord, SUMMARY_ATTRIBUTES } from './item-records';
import { DynamoItemReader } from './item-store';
import { itemPk, VERSION_SK_PREFIX } from './table-design';

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
}
