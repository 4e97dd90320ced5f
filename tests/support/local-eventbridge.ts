/**
 * The local EventBridge integration tests' shared set-up: a bus with one rule, started on a free port
 * with its targets and dead-letter queue recorded, an SDK client on it (closed after each test), and
 * events and event logs to feed it. Importing it registers the hooks in the importing file.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { afterEach, expect } from 'vitest';
import {
  type DeadLetterSink,
  type EventRecord,
  LocalEventBridge,
  type LocalEventBridgeOptions,
  type LocalRuleDefinition,
  type TargetInvoker,
} from '#local/eventbridge/index.ts';
import { freePort } from '#local/support/ports.ts';

export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';
export const BUS = 'diplowire-events';
export const BUS_ARN = `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${BUS}`;
export const ruleArn = (name: string) => `arn:aws:events:${REGION}:${ACCOUNT}:rule/${BUS}/${name}`;

export interface Harness {
  bridge: LocalEventBridge;
  client: EventBridgeClient;
  endpoint: string;
  invocations: Array<{ targetId: string; payload: string }>;
  deadLetters: Array<{ arn: string; payload: string; attributes: Record<string, string> }>;
  logs: string[];
}

export const open: Harness[] = [];
export const tempDirs: string[] = [];

afterEach(async () => {
  for (const h of open.splice(0)) {
    h.client.destroy();
    await h.bridge.close();
  }
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export const publishedRule = (overrides: Partial<LocalRuleDefinition> = {}): LocalRuleDefinition => ({
  name: 'published-to-queue',
  arn: ruleArn('published-to-queue'),
  eventBusName: BUS,
  eventPattern: { source: ['diplowire.items'], 'detail-type': ['NewsItemPublished'] },
  state: 'ENABLED',
  targets: [{ id: 'queue', arn: 'arn:aws:sqs:us-east-1:123456789012:subscriber' }],
  ...overrides,
});

export async function start(
  options: Partial<LocalEventBridgeOptions> & { invoke?: TargetInvoker; deadLetter?: DeadLetterSink } = {},
): Promise<Harness> {
  const invocations: Harness['invocations'] = [];
  const deadLetters: Harness['deadLetters'] = [];
  const logs: string[] = [];
  const bridge = new LocalEventBridge({
    buses: [{ name: BUS, arn: BUS_ARN }],
    rules: [publishedRule()],
    archives: [],
    region: REGION,
    accountId: ACCOUNT,
    retryBaseDelayMs: 5,
    log: (line) => logs.push(line),
    ...options,
    invokeTarget: async (target, payload) => {
      invocations.push({ targetId: target.id, payload });
      await options.invoke?.(target, payload);
    },
    sendToDeadLetter: async (arn, payload, attributes) => {
      deadLetters.push({ arn, payload, attributes });
      await options.deadLetter?.(arn, payload, attributes);
    },
  });
  const endpoint = await bridge.listen(await freePort());
  const client = new EventBridgeClient({
    endpoint,
    region: REGION,
    credentials: { accessKeyId: 'anything', secretAccessKey: 'anything' },
    maxAttempts: 1,
  });
  const harness = { bridge, client, endpoint, invocations, deadLetters, logs };
  open.push(harness);
  return harness;
}

export const entry = (overrides: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry => ({
  EventBusName: BUS,
  Source: 'diplowire.items',
  DetailType: 'NewsItemPublished',
  Detail: JSON.stringify({ itemId: 'itm_1', version: 1 }),
  ...overrides,
});

/** A NewsItemPublished event as the bus logs it. */
export function publishedEvent(id: string) {
  return {
    version: '0',
    id,
    'detail-type': 'NewsItemPublished',
    source: 'diplowire.items',
    account: ACCOUNT,
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: REGION,
    resources: [],
    detail: {},
  };
}

/** An event log as a run that stopped before any delivery finished leaves it (`seq` is omitted in older logs). */
export function writeEventLog(
  dataDir: string,
  event: { id: string },
  line: { seq?: number; ingestionTime?: number },
) {
  const entry = { type: 'event', ...line, bus: BUS, event, matchedRules: ['published-to-queue'] };
  writeFileSync(join(dataDir, 'events.jsonl'), `${JSON.stringify(entry)}\n`);
}

export async function failure(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  return promise.then(
    () => expect.fail('expected the call to fail'),
    (error: unknown) => error as { name: string; message: string },
  );
}

export async function eventLog(
  endpoint: string,
  bus?: string,
): Promise<{ buses: Record<string, EventRecord[]> }> {
  const response = await fetch(`${endpoint}/_local/events${bus ? `?bus=${encodeURIComponent(bus)}` : ''}`);
  expect(response.status).toBe(200);
  return (await response.json()) as { buses: Record<string, EventRecord[]> };
}
