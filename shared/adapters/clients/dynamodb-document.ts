import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoDb } from './dynamodb';

/** The DocumentClient over the one module-scope DynamoDB client (same connections, same config). */
export const documentClient = DynamoDBDocumentClient.from(dynamoDb, {
  marshallOptions: { removeUndefinedValues: true },
});
