import { GetQueueUrlCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { LocalSqs } from '#local/sqs/index.ts';
import { SqsDeliveryQueue } from '#shared/adapters/webhooks/delivery-queue.ts';

/** The webhook deliveries queue on a local SQS server (loopback, free port), with a client and the product's queue adapter. */
export async function startDeliveryQueue(): Promise<{
  server: LocalSqs;
  sqs: SQSClient;
  queueUrl: string;
  queue: SqsDeliveryQueue;
}> {
  const server = new LocalSqs({
    queues: [{ name: 'deliveries' }],
    region: 'us-east-1',
    accountId: '000000000000',
    log: () => {},
  });
  const endpoint = await server.listen(0);
  const sqs = new SQSClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
  });
  const queueUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: 'deliveries' }))).QueueUrl!;
  return {
    server,
    sqs,
    queueUrl,
    queue: new SqsDeliveryQueue({ client: sqs, SendMessageCommand }, queueUrl),
  };
}
