import { SQSClient } from '@aws-sdk/client-sqs';

let client: SQSClient | undefined;

/**
 * The one SQS client of a Lambda execution environment (endpoint: `AWS_ENDPOINT_URL_SQS` when set),
 * built on first call. Functions that send on every invocation (the fan-out) call it at module load
 * like the other clients; the dispatcher (only to retry, pace or wait) and the subscriptions API (only
 * to redeliver) hand it to their queue uncalled, so their cold starts skip building a client most
 * invocations never use (~7 M instructions, ~3.5% of the dispatcher's init: docs/operations.md).
 */
export function sqs(): SQSClient {
  client ??= new SQSClient({});
  return client;
}
