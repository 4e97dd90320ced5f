import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  ResourceNotFoundException,
} from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EventPublisher, type PublishEntry } from '#shared/adapters/eventbridge/event-publisher.ts';

const BUS = 'diplowire-events';
const client = new EventBridgeClient({
  region: 'us-east-1',
  credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
});
const eventBridge = mockClient(client);

const entry = (n: number, detail: unknown = { n }): PublishEntry => ({
  id: `e${n}`,
  source: 'diplowire.items',
  detailType: 'NewsItemPublished',
  detail,
});
const entries = (count: number) => Array.from({ length: count }, (_, i) => entry(i + 1));

/** The `n` of each entry sent in each PutEvents call, in order. */
const sentCalls = () =>
  eventBridge
    .commandCalls(PutEventsCommand)
    .map((call) => (call.args[0].input.Entries ?? []).map((e) => JSON.parse(e.Detail ?? '{}').n as number));

const accepted = (request: PutEventsRequestEntry[]) => request.map((_, i) => ({ EventId: `ev-${i}` }));
const acceptAll = ({ Entries = [] }: { Entries?: PutEventsRequestEntry[] }) => ({
  FailedEntryCount: 0,
  Entries: accepted(Entries),
});

function throttled(): Error {
  return Object.assign(new Error('Rate exceeded'), {
    name: 'ThrottlingException',
    $metadata: { httpStatusCode: 400 },
  });
}

let sleeps: number[];
const publisher = (maxAttempts = 4) =>
  new EventPublisher(client, BUS, {
    maxAttempts,
    baseDelayMs: 100,
    maxDelayMs: 10_000,
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });

beforeEach(() => {
  eventBridge.reset();
  sleeps = [];
  eventBridge.on(PutEventsCommand).callsFake(acceptAll);
});

describe('EventPublisher chunking', () => {
  it('sends 25 entries as 3 calls of 10, 10 and 5, in order, on the configured bus', async () => {
    const result = await publisher().publish(entries(25));
    expect(result).toEqual({ failedIds: [], failures: [] });
    const calls = sentCalls();
    expect(calls.map((c) => c.length)).toEqual([10, 10, 5]);
    expect(calls.flat()).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    const first = eventBridge.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0];
    expect(first).toEqual({
      EventBusName: BUS,
      Source: 'diplowire.items',
      DetailType: 'NewsItemPublished',
      Detail: '{"n":1}',
    });
    expect(sleeps).toEqual([]);
  });

  it('keeps each call within 256 KB in total', async () => {
    const big = (n: number) => entry(n, { n, text: 'ع'.repeat(50_000) }); // ~100 KB each
    await publisher().publish([big(1), big(2), big(3), big(4), big(5)]);
    expect(sentCalls()).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('never sends an entry over the entry limit and reports it', async () => {
    const result = await publisher().publish([entry(1), entry(2, { n: 2, text: 'x'.repeat(262_144) })]);
    expect(sentCalls()).toEqual([[1]]);
    expect(result.failedIds).toEqual(['e2']);
    expect(result.failures[0]?.errorCode).toBe('EntryTooLarge');
  });
});

describe('EventPublisher retries', () => {
  it('resends only the entries that failed, after a jittered backoff', async () => {
    eventBridge
      .on(PutEventsCommand)
      .callsFakeOnce(({ Entries }) => ({
        FailedEntryCount: 2,
        Entries: accepted(Entries).map((ok, i) =>
          i === 1
            ? { ErrorCode: 'InternalFailure', ErrorMessage: 'boom' }
            : i === 4
              ? { ErrorCode: 'ThrottlingException' }
              : ok,
        ),
      }))
      .callsFake(acceptAll);
    const result = await publisher().publish(entries(6));
    expect(sentCalls()).toEqual([
      [1, 2, 3, 4, 5, 6],
      [2, 5],
    ]);
    expect(result.failedIds).toEqual([]);
    expect(sleeps).toEqual([50]); // random 0.5 × base 100
  });

  it('does not retry entries with a permanent error code', async () => {
    eventBridge
      .on(PutEventsCommand)
      .callsFakeOnce(({ Entries }) => ({
        FailedEntryCount: 1,
        Entries: accepted(Entries).map((ok, i) =>
          i === 0 ? { ErrorCode: 'MalformedDetail', ErrorMessage: 'bad' } : ok,
        ),
      }))
      .callsFake(acceptAll);
    const result = await publisher().publish(entries(3));
    expect(sentCalls()).toEqual([[1, 2, 3]]);
    expect(result).toEqual({
      failedIds: ['e1'],
      failures: [{ id: 'e1', errorCode: 'MalformedDetail', errorMessage: 'bad' }],
    });
  });

  it('retries a throttled call with exponential backoff until it succeeds', async () => {
    eventBridge.on(PutEventsCommand).rejectsOnce(throttled()).rejectsOnce(throttled()).callsFake(acceptAll);
    const result = await publisher().publish(entries(3));
    expect(sentCalls()).toEqual([
      [1, 2, 3],
      [1, 2, 3],
      [1, 2, 3],
    ]);
    expect(result.failedIds).toEqual([]);
    expect(sleeps).toEqual([50, 100]);
  });

  it('retries a 5xx call failure and a network error', async () => {
    const unavailable = Object.assign(new Error('unavailable'), {
      name: 'InternalException',
      $metadata: { httpStatusCode: 503 },
    });
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    eventBridge.on(PutEventsCommand).rejectsOnce(unavailable).rejectsOnce(reset).callsFake(acceptAll);
    expect(await publisher().publish(entries(2))).toEqual({ failedIds: [], failures: [] });
    expect(sentCalls()).toHaveLength(3);
  });

  it('gives up after maxAttempts and returns what still failed', async () => {
    eventBridge.on(PutEventsCommand).callsFake(({ Entries }) => ({
      FailedEntryCount: 1,
      Entries: accepted(Entries).map((ok, i) =>
        Entries[i]?.Detail === '{"n":3}' ? { ErrorCode: 'InternalFailure' } : ok,
      ),
    }));
    const result = await publisher(3).publish(entries(12));
    expect(sentCalls()).toEqual([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [11, 12], [3], [3]]);
    expect(result).toEqual({ failedIds: ['e3'], failures: [{ id: 'e3', errorCode: 'InternalFailure' }] });
    expect(sleeps).toEqual([50, 100]);
  });

  it('gives up on a throttled call after maxAttempts with every entry of it failed', async () => {
    eventBridge.on(PutEventsCommand).rejects(throttled());
    const result = await publisher(2).publish(entries(2));
    expect(sentCalls()).toHaveLength(2);
    expect(result.failedIds).toEqual(['e1', 'e2']);
    expect(result.failures.map((f) => f.errorCode)).toEqual(['ThrottlingException', 'ThrottlingException']);
  });

  it('does not retry a call that fails with a client error (the bus does not exist)', async () => {
    eventBridge.on(PutEventsCommand).rejects(
      new ResourceNotFoundException({
        message: 'Event bus x does not exist.',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const result = await publisher().publish(entries(2));
    expect(sentCalls()).toHaveLength(1);
    expect(result.failedIds).toEqual(['e1', 'e2']);
    expect(result.failures[0]?.errorCode).toBe('ResourceNotFoundException');
  });

  it('does not retry an unexpected, non-AWS error', async () => {
    eventBridge.on(PutEventsCommand).rejectsOnce(new TypeError('bug')).callsFake(acceptAll);
    const result = await publisher().publish(entries(1));
    expect(sentCalls()).toHaveLength(1);
    expect(result.failures).toEqual([{ id: 'e1', errorCode: 'TypeError', errorMessage: 'bug' }]);
  });

  it('caps the backoff at maxDelayMs', async () => {
    eventBridge.on(PutEventsCommand).rejects(throttled());
    const capped = new EventPublisher(client, BUS, {
      maxAttempts: 6,
      baseDelayMs: 100,
      maxDelayMs: 500,
      random: () => 1,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    await capped.publish(entries(1));
    expect(sleeps).toEqual([100, 200, 400, 500, 500]);
  });
});
