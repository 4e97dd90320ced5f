/**
 * Every recorded AWS TestEventPattern answer (tests/fixtures/eventbridge-patterns, Apache-2.0, derived from
 * LocalStack's data) replayed through the real SDK against the local EventBridge endpoint.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventBridgeClient, TestEventPatternCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalEventBridge } from '#local/eventbridge/index.ts';
import { freePort } from '#local/support/ports.ts';

const fixtures = join(import.meta.dirname, '../fixtures/eventbridge-patterns');

interface RecordedCase {
  name: string;
  expected: 'match' | 'no-match' | 'invalid' | 'invalid-event';
  event?: unknown;
  eventRaw?: string;
  eventFile?: string;
  pattern?: unknown;
  patternRaw?: string;
  errorCode?: string;
  errorMessage?: string;
  errorMessagePrefix?: string;
}

const load = (file: string): RecordedCase[] => JSON.parse(readFileSync(join(fixtures, file), 'utf8'));
const cases = load('cases.json');
const extras = load('extras.json');

const eventText = (c: RecordedCase) =>
  c.eventRaw ??
  (c.eventFile !== undefined ? readFileSync(join(fixtures, c.eventFile), 'utf8') : JSON.stringify(c.event));
const patternText = (c: RecordedCase) => c.patternRaw ?? JSON.stringify(c.pattern);

let bridge: LocalEventBridge;
let client: EventBridgeClient;

beforeAll(async () => {
  bridge = new LocalEventBridge({
    buses: [],
    rules: [],
    archives: [],
    invokeTarget: async () => {},
    sendToDeadLetter: async () => {},
    region: 'us-east-1',
    accountId: '123456789012',
  });
  const endpoint = await bridge.listen(await freePort());
  client = new EventBridgeClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client.destroy();
  await bridge.close();
});

async function check(c: RecordedCase): Promise<void> {
  const command = new TestEventPatternCommand({ Event: eventText(c), EventPattern: patternText(c) });
  if (c.expected === 'match' || c.expected === 'no-match') {
    const { Result } = await client.send(command);
    expect(Result).toBe(c.expected === 'match');
    return;
  }
  const error = await client.send(command).then(
    () => undefined,
    (e: unknown) => e as { name: string; message: string; $metadata: { httpStatusCode?: number } },
  );
  expect(error, 'the call should have failed').toBeDefined();
  expect(error?.name).toBe(
    c.errorCode ?? (c.expected === 'invalid' ? 'InvalidEventPatternException' : 'ValidationException'),
  );
  expect(error?.$metadata.httpStatusCode).toBe(400);
  if (c.errorMessage !== undefined) expect(error?.message).toBe(c.errorMessage);
  if (c.errorMessagePrefix !== undefined) expect(error?.message.startsWith(c.errorMessagePrefix)).toBe(true);
}

describe('TestEventPattern matches the recorded AWS answers (cases.json)', () => {
  it('has all 155 recorded cases', () => expect(cases).toHaveLength(155));
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => check(c));
});

describe('TestEventPattern matches the recorded AWS answers (extras.json: raw JSON, files, invalid events)', () => {
  it('has all 13 extra cases', () => expect(extras).toHaveLength(13));
  it.each(extras.map((c) => [c.name, c] as const))('%s', async (_name, c) => check(c));
});
