import { pathToFileURL } from 'node:url';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal } from '#local/dynamodb/launcher.ts';
import { httpEvent, lambdaContext, partnerContext } from '#tests/support/api-events.ts';
import { createItemsTable } from '#tests/support/tables.ts';
import { percentile, seedItem } from './support';

/**
 * The submit handler's warm p50 (the bundled items-write function, invoked in-process as Lambda
 * would, against DynamoDB Local) divided by the p50 of a bare PutItem of the same document to the
 * same endpoint. Interleaved, so both see the same machine load.
 */
export async function measureSubmit(itemsWriteBundle: string, iterations: number) {
  const ddb = await startDynamoDbLocal();
  try {
    const client = new DynamoDBClient({
      endpoint: ddb.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    });
    const table = await createItemsTable(client, 'bench-items');
    Object.assign(process.env, {
      ITEMS_TABLE_NAME: table,
      AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_DEV: 'false',
    });
    const { handler } = (await import(pathToFileURL(itemsWriteBundle).href)) as {
      handler: (event: unknown, context: unknown) => Promise<{ statusCode: number; body?: string }>;
    };
    const submit = async (n: number) => {
      const event = httpEvent({
        routeKey: 'POST /v1/items',
        headers: { 'content-type': 'application/json' },
        body: seedItem(`urn:bench:${n}`),
        authorizer: partnerContext('ptn_bench'),
      });
      const response = await handler(event, lambdaContext());
      if (response.statusCode !== 201)
        throw new Error(`submit answered ${response.statusCode}: ${response.body}`);
    };
    const put = (n: number) =>
      client.send(
        new PutItemCommand({
          TableName: table,
          Item: { PK: { S: `BENCH#${n}` }, SK: { S: 'PUT' }, document: { S: seedItem(`urn:put:${n}`) } },
        }),
      );
    for (let i = 0; i < 20; i++) {
      await submit(-1 - i);
      await put(-1 - i);
    }
    const submitMs: number[] = [];
    const putMs: number[] = [];
    for (let i = 0; i < iterations; i++) {
      let t = performance.now();
      await submit(i);
      submitMs.push(performance.now() - t);
      t = performance.now();
      await put(i);
      putMs.push(performance.now() - t);
    }
    return {
      submitP50Ms: percentile(submitMs, 50),
      putP50Ms: percentile(putMs, 50),
      ratio: percentile(submitMs, 50) / percentile(putMs, 50),
    };
  } finally {
    await ddb.stop();
  }
}
