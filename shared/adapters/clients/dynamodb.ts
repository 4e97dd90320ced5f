import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * The one DynamoDB client of a Lambda execution environment, built once at module load so
 * warm invocations reuse its connections. The endpoint comes from the standard
 * `AWS_ENDPOINT_URL_DYNAMODB` variable when set (the local cloud and tests), so the SDK stays unmodified.
 */
export const dynamoDb = new DynamoDBClient({});

export const documentClient = DynamoDBDocumentClient.from(dynamoDb, {
  marshallOptions: { removeUndefinedValues: true },
});
