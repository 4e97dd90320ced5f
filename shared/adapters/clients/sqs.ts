import { SQSClient } from '@aws-sdk/client-sqs';

/** The one SQS client of a Lambda execution environment (endpoint: `AWS_ENDPOINT_URL_SQS` when set). */
export const sqs = new SQSClient({});
