/**
 * The outbox publisher's handler run on real stream records (see item-stream.ts) against a mocked
 * EventBridge that records what it accepts and fails the entries the calling file chooses.
 * `useOutboxPublisher` registers the set-up in the calling test file.
 */
import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { NewsItemDetailV1, NewsItemTranslatedDetailV1 } from '#shared/contracts/events/index.ts';
import { eventIdOf } from '#shared/domain/events.ts';
import type { ItemVersion } from '#shared/domain/item.ts';
import { key } from './item-stream';

const BUS = 'diplowire-test-bus';
export const eventBridge = mockClient(EventBridgeClient);

/** One accepted PutEvents entry, as EventBridge would have it. */
interface Delivery {
  detailType: string;
  detail: NewsItemDetailV1;
}
/** Accepted NewsItemTranslated entries (kept apart: their detail is another contract). */
export let translated: NewsItemTranslatedDetailV1[];

export let deliveries: Delivery[];
export let putCalls: number;
/** Decides, per entry and call, whether EventBridge fails it (undefined = accepted). */
export type FailEntry = (detail: NewsItemDetailV1, call: number) => string | undefined;
let failEntry: FailEntry = () => undefined;

export function fakePutEvents({ Entries = [] }: { Entries?: PutEventsRequestEntry[] }) {
  putCalls++;
  const results: PutEventsResultEntry[] = Entries.map((entry) => {
    expect(entry.EventBusName).toBe(BUS);
    expect(entry.Source).toBe('diplowire.items');
    if (entry.DetailType === 'NewsItemTranslated') {
      translated.push(NewsItemTranslatedDetailV1.parse(JSON.parse(entry.Detail ?? '')));
      return { EventId: `ev-t${translated.length}` };
    }
    const detail = NewsItemDetailV1.parse(JSON.parse(entry.Detail ?? ''));
    const errorCode = failEntry(detail, putCalls);
    if (errorCode) return { ErrorCode: errorCode, ErrorMessage: 'injected' };
    deliveries.push({ detailType: entry.DetailType!, detail });
    return { EventId: `ev-${deliveries.length}` };
  });
  return { FailedEntryCount: results.filter((r) => r.ErrorCode).length, Entries: results };
}

let handler: (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse>;

const context = {
  functionName: 'outbox-publisher',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:outbox-publisher',
  memoryLimitInMB: '256',
  awsRequestId: 'req-1',
  logGroupName: '/aws/lambda/outbox-publisher',
  logStreamName: 'stream',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
} as Context;

/**
 * Loads the handler (with its environment) before all tests, and before each test forgets what
 * EventBridge accepted. `fail` decides which entries EventBridge fails (asked on every entry, so it
 * may read the calling file's current choice); the default accepts all.
 */
export function useOutboxPublisher(fail: FailEntry = () => undefined): void {
  failEntry = fail;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    Object.assign(process.env, {
      EVENT_BUS_NAME: BUS,
      POWERTOOLS_SERVICE_NAME: 'outbox-publisher',
      POWERTOOLS_METRICS_NAMESPACE: 'Diplowire',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      AWS_REGION: 'us-east-1',
    });
    ({ handler } = await import('#functions/outbox-publisher/handler.ts'));
  });

  afterAll(() => {
    eventBridge.restore();
    process.env = savedEnv;
  });

  beforeEach(() => {
    deliveries = [];
    translated = [];
    putCalls = 0;
    eventBridge.reset();
    eventBridge.on(PutEventsCommand).callsFake(fakePutEvents);
  });
}

export const invoke = (records: DynamoDBRecord[]) => handler({ Records: records }, context);

/** Every written version was delivered, and every delivery of a version carries that version's eventId. */
export function expectAllDelivered(written: ItemVersion[]) {
  const delivered = new Set(deliveries.map((d) => key(d.detail)));
  const missing = written.filter((v) => !delivered.has(key(v)));
  expect(missing.map(key), 'missing events').toEqual([]);
  for (const d of deliveries) expect(d.detail.eventId).toBe(eventIdOf(d.detail.itemId, d.detail.version));
}
