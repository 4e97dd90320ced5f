/**
 * The operator CLI suite's local cloud (tests/e2e/ops.test.ts): webhook retries every second, a
 * partner with two subscriptions (`gone` answers 410 Gone, which disables its subscription, then
 * recovers; `steady` always succeeds), the seed article submitted once, and SQS and DynamoDB clients
 * for what the tests set up behind the CLI's back. `useOpsCloud` registers the set-up in the calling
 * file; the bindings below are that file's.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll } from 'vitest';
import { WebhookReceiver } from '../../support/webhook-receiver';
import { localSqsClient, seedArticle } from './helpers';
import type { RunningCloud } from './local-cloud';
import { operatorCli } from './ops-cli';
import {
  createPartner,
  type PartnerApi,
  partnerApi,
  type SubscriptionBody,
  startSubscriberCloud,
  subscribe,
} from './subscribers';

export const WAIT_MS = 60_000;

export let cloud: RunningCloud;
export let dataDir: string;
let stopCloud: (() => Promise<void>) | undefined;
export let api: PartnerApi;
export let sqs: SQSClient;
export let dynamodb: DynamoDBClient;
export const gone = new WebhookReceiver();
export const steady = new WebhookReceiver();
export let goneSub: SubscriptionBody & { secret: string };
export let steadySub: SubscriptionBody & { secret: string };
export let startedAt: Date;

export const { ops, opsOnTerminal, opsJson } = operatorCli(() => dataDir);

export interface DlqJson {
  name: string;
  visible: number;
  inFlight: number;
  oldestAgeMs: { available: boolean; value?: number | null };
  sources: string[];
}

export const DELIVERIES_DLQ = 'diplowire-dev-webhook-deliveries-dlq';
/** Well-formed, but no such subscription. */
export const UNKNOWN_SUB = `sub_01KBQ${'Z'.repeat(21)}`;

/** Starts the cloud before all tests of the calling file and stops it after them. */
export function useOpsCloud(): void {
  beforeAll(async () => {
    const started = await startSubscriberCloud('ops', { WEBHOOK_RETRY_SCHEDULE: '0,1,2' });
    cloud = started.cloud;
    dataDir = started.dataDir;
    stopCloud = started.stop;
    startedAt = new Date();
    const partner = await createPartner(dataDir, 'ops-partner');
    api = partnerApi(cloud.endpoints, partner.apiKey);
    sqs = localSqsClient(cloud.endpoints);
    dynamodb = new DynamoDBClient({
      endpoint: cloud.endpoints.dynamodb,
      region: cloud.endpoints.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await Promise.all([gone.start(), steady.start()]);
    goneSub = await subscribe(api, gone.url);
    steadySub = await subscribe(api, steady.url);
    gone.verifyWith(goneSub.secret);
    steady.verifyWith(steadySub.secret);
    // 410 Gone disables the subscription at once (docs/webhooks.md); afterwards the endpoint is back.
    gone.answer({ status: 410, body: 'gone' });
    const created = await api.submit(seedArticle());
    if (created.status !== 201) throw new Error(`submit answered ${created.status}: ${created.text}`);
  }, 240_000);

  afterAll(async () => {
    sqs?.destroy();
    dynamodb?.destroy();
    await Promise.all([gone.stop(), steady.stop()]);
    await stopCloud?.();
  });
}
