import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * The one DynamoDB client of a Lambda execution environment, built once at module load so
 * warm invocations reuse its connections. The endpoint comes from the standard
 * `AWS_ENDPOINT_URL_DYNAMODB` variable when set (the local cloud and tests), so the SDK stays unmodified.
 * Every store takes this low-level client and marshals with util-dynamodb, so no function bundles
 * the DocumentClient layer (lib-dynamodb).
 */
export const dynamoDb = new DynamoDBClient({});
