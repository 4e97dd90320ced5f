/**
 * Crash safety of the transactional outbox: the local cloud is SIGKILLed in the middle of a burst of
 * submissions and restarted on the same data. Every submission that was acknowledged (2xx) must be
 * stored and published exactly once per version (one distinct eventId; the same eventId delivered
 * twice is allowed, that is at-least-once with a deterministic id).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, apiClient, eventsOnBus, jsonOf, sleep, smallItem, waitFor } from './support/helpers';
import {
  dynamoDbPid,
  isDynamoDbLocalOf,
  killLeftoverDynamoDb,
  type RunningCloud,
  runningDynamoDbOf,
  startCloud,
} from './support/local-cloud';
import { synthesize } from './support/synth';

const SUBMISSIONS = 200;
const CONCURRENCY = 10;
/** The cloud is killed once this many submissions were acknowledged. */
const KILL_AFTER_ACKS = 80;
/** The outbox counts as drained when the published events stop growing for this long. */
const QUIET_MS = 5000;

interface Submission {
  uri: string;
  status?: number;
  itemId?: string;
  error?: string;
}

let dataDir: string;
let cdkOut: string;
let cloud: RunningCloud | undefined;
const jvmPids: number[] = [];

beforeAll(async () => {
  cdkOut = await synthesize();
  dataDir = mkdtempSync(join(tmpdir(), 'diplowire-e2e-crash-'));
});

afterAll(async () => {
  await cloud?.stop();
  if (dataDir) {
    const leaked = await killLeftoverDynamoDb(dataDir, jvmPids);
    rmSync(dataDir, { recursive: true, force: true });
    if (leaked.length > 0) throw new Error(`DynamoDB Local (pid ${leaked}) outlived the cloud`);
  }
});

/**
 * Submits every item with `CONCURRENCY` clients (a 429 is retried, as a client would) and SIGKILLs the
 * cloud once `KILL_AFTER_ACKS` were acknowledged. Requests in flight at that moment fail.
 */
async function burstAndKill(api: ApiClient, running: RunningCloud, items: Submission[]): Promise<void> {
  let next = 0;
  let acknowledged = 0;
  let killing: Promise<void> | undefined;
  const submitOne = async (submission: Submission) => {
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await api.submit(smallItem(submission.uri));
        submission.status = result.status;
        if (result.status === 429 && attempt < 20 && killing === undefined) {
          await sleep(50 * (attempt + 1));
          continue;
        }
        if (result.status >= 200 && result.status < 300) {
          submission.itemId = jsonOf<{ id: string }>(result).id;
          acknowledged++;
          if (acknowledged === KILL_AFTER_ACKS) killing = running.kill();
        }
      } catch (error) {
        submission.error = (error as Error).message;
      }
      return;
    }
  };
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < items.length) {
        const submission = items[next++] as Submission;
        // After the kill nothing is listening: the remaining submissions fail like the in-flight ones.
        await submitOne(submission);
      }
    }),
  );
  await killing;
}

/** Polls the bus until the number of NewsItemPublished events has not changed for `QUIET_MS`. */
async function waitForOutboxToDrain(running: RunningCloud, timeoutMs: number) {
  let lastCount = -1;
  let stableSince = Date.now();
  return waitFor(
    async () => {
      const published = (await eventsOnBus(running.endpoints)).filter(
        (r) => r.event['detail-type'] === 'NewsItemPublished',
      );
      if (published.length !== lastCount) {
        lastCount = published.length;
        stableSince = Date.now();
        return undefined;
      }
      return Date.now() - stableSince >= QUIET_MS ? published : undefined;
    },
    timeoutMs,
    'the outbox to drain',
    500,
  );
}

describe('a crash in the middle of a burst', () => {
  it('loses no acknowledged submission and publishes each exactly once (by eventId)', async () => {
    const first = await startCloud({ dataDir, cdkOut, fresh: true });
    cloud = first;
    const crashedJvm = dynamoDbPid(dataDir);
    expect(crashedJvm).toBeTypeOf('number');
    jvmPids.push(crashedJvm as number);

    const items: Submission[] = Array.from({ length: SUBMISSIONS }, (_, i) => ({
      uri: `urn:diplowire:e2e:crash:${i}:${Date.now()}`,
    }));
    await burstAndKill(apiClient(first.endpoints, first.endpoints.demoApiKey), first, items);
    expect(first.process.signalCode).toBe('SIGKILL');

    const acknowledged = items.filter((s) => s.itemId !== undefined);
    const failed = items.filter((s) => s.error !== undefined);
    const statuses = items.reduce<Record<string, number>>((counts, s) => {
      const key = s.status === undefined ? 'no-response' : String(s.status);
      counts[key] = (counts[key] ?? 0) + 1;
      return counts;
    }, {});
    console.log(
      `burst: ${acknowledged.length} acknowledged, ${failed.length} failed by the crash; statuses ${JSON.stringify(statuses)}; ` +
        `DynamoDB Local of the killed cloud ${isDynamoDbLocalOf(crashedJvm as number, dataDir) ? 'still running' : 'gone'}`,
    );
    expect(acknowledged.length).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
    // The kill really happened mid-burst: some submissions never got an answer.
    expect(failed.length).toBeGreaterThan(0);

    // Restart on the same data (no --fresh).
    const second = await startCloud({ dataDir, cdkOut, fresh: false });
    cloud = second;
    const restartedJvm = dynamoDbPid(dataDir) as number;
    jvmPids.push(restartedJvm);
    expect(restartedJvm).not.toBe(crashedJvm);
    expect(runningDynamoDbOf(dataDir)).toBe(restartedJvm);
    // The restart stopped the JVM the killed cloud left behind (via its pid file).
    expect(isDynamoDbLocalOf(crashedJvm as number, dataDir)).toBe(false);

    const published = await waitForOutboxToDrain(second, 120_000);
    const api = apiClient(second.endpoints, second.endpoints.demoApiKey);

    // Every acknowledged item is stored...
    const reads = await inBatches(acknowledged, CONCURRENCY, async (s) => ({
      itemId: s.itemId as string,
      status: (await api.get(s.itemId as string)).status,
    }));
    const notStored = reads.filter((r) => r.status !== 200);

    // ...and published: exactly one distinct eventId per item (redelivery of the same id is allowed).
    const eventIdsByItem = new Map<string, Set<string>>();
    const seenEventIds = new Set<string>();
    let duplicates = 0;
    for (const record of published) {
      const { itemId, eventId } = record.event.detail;
      if (typeof itemId !== 'string' || typeof eventId !== 'string') continue;
      if (seenEventIds.has(eventId)) duplicates++;
      seenEventIds.add(eventId);
      const ids = eventIdsByItem.get(itemId) ?? new Set<string>();
      ids.add(eventId);
      eventIdsByItem.set(itemId, ids);
    }
    const missing = acknowledged.filter((s) => !eventIdsByItem.has(s.itemId as string));
    const ambiguous = acknowledged.filter((s) => (eventIdsByItem.get(s.itemId as string)?.size ?? 0) > 1);
    console.log(
      `after restart: missing=${missing.length} duplicates=${duplicates} ` +
        `(acknowledged=${acknowledged.length}, NewsItemPublished records=${published.length}, distinct eventIds=${seenEventIds.size}, ` +
        `items published=${eventIdsByItem.size}, not stored=${notStored.length})`,
    );

    expect(notStored).toEqual([]);
    expect(missing.map((s) => s.itemId)).toEqual([]);
    expect(ambiguous.map((s) => s.itemId)).toEqual([]);
  }, 300_000);
});

async function inBatches<T, R>(items: T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += size) {
    results.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  }
  return results;
}
