import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';

/** The one SQS client of an execution environment, with the commands the product sends through it. */
export interface Sqs {
  readonly client: SQSClient;
  readonly SendMessageCommand: typeof SendMessageCommand;
}

/**
 * The one SQS client of a Lambda execution environment, built at module load (endpoint:
 * `AWS_ENDPOINT_URL_SQS` when set). The fan-out, which sends on every match, imports it like the
 * other clients; functions that rarely send load this module on first use instead (sqs-lazy.ts),
 * so the commands travel with the client.
 */
export const sqs: Sqs = { client: new SQSClient({}), SendMessageCommand };
