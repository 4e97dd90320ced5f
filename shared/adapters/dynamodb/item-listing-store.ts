import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { ItemListing } from '../../domain/listing';
import type { ItemListingWriter } from '../../domain/ports';
import { toListingRecord } from './item-records';

/**
 * The projector's writes of the item listing: one conditional PutItem per change, kept only when it
 * is newer than the stored row (a later version, or the release of the same one). Stream records
 * of one item arrive in order, but a retried batch replays older ones: the condition makes a replay
 * a no-op instead of moving an item back to an older state.
 */
export class DynamoItemListingStore implements ItemListingWriter {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async put(listing: ItemListing): Promise<boolean> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall(toListingRecord(listing)),
          ConditionExpression:
            'attribute_not_exists(PK) OR #version < :version OR (#version = :version AND changedAt < :changedAt)',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: marshall({
            ':version': listing.version,
            ':changedAt': listing.changedAt,
          }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
