/**
 * Embargo release on the local cloud: at least 50 held items whose embargo falls on the SAME second
 * (a press conference), released by their EventBridge Scheduler schedules through `embargo-release`,
 * the items stream and the outbox onto the bus.
 * - `releaseLagP99Ms`: from the embargo time to the public event's ingestion on the bus, p99;
 * - `earlyReleases`: public events (or `releasedAt` values) seen before their embargo time: must be 0;
 * - `releaseMissed`: held items not released within two minutes of their time (must be 0).
 * - `releaseWrittenP99Ms` / `releasePublishP99Ms`: the lag split at the release write (seen by
 *   polling the HeldByReleaseTime index, 100 ms apart, which the write empties): the part the release
 *   design controls (schedule, trigger, conditional write), and the outbox's (stream, publisher,
 *   PutEvents), which also carries the feed projector's and subscribers' work on the same burst.
 * - `burstQueryP50Ms`: that poll's own round trip during the burst: the machine's load, in the
 *   unit every step of a release is made of.
 *
 *   npx tsx bench/embargo.ts      (this part alone; `npm run bench` runs it with the rest)
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { HELD_BY_RELEASE_TIME, HELD_QUEUE } from '#shared/adapters/dynamodb/table-design.ts';
import { createPartner, partnerApi, startSubscriberCloud } from '#tests/e2e/support/subscribers.ts';
import { throwawayClouds } from './storage';
import { percentile, round } from './support';

export interface EmbargoFigures {
  items: number;
  releaseLagP50Ms: number;
  releaseLagP99Ms: number;
  releaseLagMaxMs: number;
  earlyReleases: number;
  releaseMissed: number;
  /** Items whose release was published under more than one event id (must be 0). */
  releaseDuplicates: number;
  /** Embargo time -> the release write (to the poll, 100 ms apart, that first misses it), p99. */
  releaseWrittenP99Ms: number;
  /** The release write -> the public event on the bus, p99 (per item). */
  releasePublishP99Ms: number;
  /**
   * One small DynamoDB Local query (the index poll) during the burst, p50: how loaded the machine
   * was (a few ms when idle; every step of a release is such round trips).
   */
  burstQueryP50Ms: number;
}

interface LoggedEvent {
  ingestedAt: string;
  event: {
    source: string;
    'detail-type': string;
    detail: { itemId?: string; eventId?: string; releasedAt?: string };
  };
}

/** The public item events on the app's bus, by item id. */
async function publicEvents(eventbridge: string, bus: string): Promise<Map<string, LoggedEvent[]>> {
  const response = await fetch(`${eventbridge}/_local/events?bus=${encodeURIComponent(bus)}`);
  const log = (await response.json()) as { buses: Record<string, LoggedEvent[]> };
  const byItem = new Map<string, LoggedEvent[]>();
  for (const record of log.buses[bus] ?? []) {
    const { source, detail } = record.event;
    if (source !== 'diplowire.items' || record.event['detail-type'] === 'NewsItemTranslated') continue;
    if (detail.itemId === undefined) continue;
    byItem.set(detail.itemId, [...(byItem.get(detail.itemId) ?? []), record]);
  }
  return byItem;
}

/** Submits `count` items held until `embargoed`, `concurrency` at a time; returns their ids. */
async function submitHeld(
  api: ReturnType<typeof partnerApi>,
  count: number,
  embargoed: string,
  concurrency = 4,
): Promise<string[]> {
  const batch = randomUUID().slice(0, 8);
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const n = next++;
        // English: the translator does not run, so only the release path is measured.
        const created = await api.submit({
          uri: `urn:bench:embargo:${batch}:${n}`,
          language: 'en',
          embargoed,
          headlines: [{ value: `Statement ${n} embargoed until ${embargoed}` }],
          bodies: [{ contenttype: 'text/plain', value: `Embargoed statement ${n} of batch ${batch}.` }],
        });
        if (created.status !== 201) throw new Error(`submit answered ${created.status}: ${created.text}`);
        const receipt = JSON.parse(created.text) as { id: string; release: { state: string } };
        if (receipt.release.state !== 'held') throw new Error(`item ${n} is not held: ${created.text}`);
        ids.push(receipt.id);
      }
    }),
  );
  return ids;
}

/** Whole seconds `leadMs` from now: embargoes are set on a second (usually a minute). */
const secondIn = (leadMs: number) => Math.ceil((Date.now() + leadMs) / 1000) * 1000;

/**
 * When each item's release was written: the start of the first poll of the HeldByReleaseTime index
 * that no longer shows it (the release removes its index keys). Polls 100 ms apart (not back to back:
 * the polls must not load DynamoDB Local during the burst they measure) until all are gone or `until`.
 */
async function releaseWrites(
  endpoints: { dynamodb: string; region: string; itemsTable: string },
  ids: string[],
  until: () => boolean,
): Promise<{ written: Map<string, number>; queryMs: number[] }> {
  const client = new DynamoDBClient({
    endpoint: endpoints.dynamodb,
    region: endpoints.region,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  const written = new Map<string, number>();
  const queryMs: number[] = [];
  try {
    while (written.size < ids.length && !until()) {
      const polled = Date.now();
      const held = new Set<string>();
      let ExclusiveStartKey: Record<string, never> | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName: endpoints.itemsTable,
            IndexName: HELD_BY_RELEASE_TIME,
            KeyConditionExpression: 'heldQueue = :queue',
            ExpressionAttributeValues: { ':queue': { S: HELD_QUEUE } },
            ProjectionExpression: 'PK',
            ExclusiveStartKey,
          }),
        );
        for (const item of page.Items ?? []) held.add(String(item.PK?.S).slice('ITEM#'.length));
        ExclusiveStartKey = page.LastEvaluatedKey as typeof ExclusiveStartKey;
      } while (ExclusiveStartKey !== undefined);
      queryMs.push(Date.now() - polled);
      for (const id of ids) if (!held.has(id) && !written.has(id)) written.set(id, polled);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    client.destroy();
  }
  return { written, queryMs };
}

async function releaseOf(
  endpoints: { eventbridge: string; eventBusName: string },
  ids: string[],
  due: number,
  timeoutMs: number,
): Promise<Map<string, LoggedEvent[]>> {
  const deadline = Math.max(Date.now(), due) + timeoutMs;
  for (;;) {
    const events = await publicEvents(endpoints.eventbridge, endpoints.eventBusName);
    if (ids.every((id) => events.has(id)) || Date.now() > deadline) {
      // Late duplicates (a second release) would show up here.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      return publicEvents(endpoints.eventbridge, endpoints.eventBusName);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export async function measureEmbargo(options: { items: number }): Promise<EmbargoFigures> {
  const { cloud, dataDir, stop } = await startSubscriberCloud('bench-embargo');
  try {
    const partner = await createPartner(dataDir, 'bench-embargo');
    const api = partnerApi(cloud.endpoints, partner.apiKey);

    // Warm-up (unmeasured): the schedule manager, the releaser and the outbox start once.
    const warmDue = secondIn(6000);
    const warm = await submitHeld(api, 3, new Date(warmDue).toISOString());
    await releaseOf(cloud.endpoints, warm, warmDue, 90_000);

    // The measured batch: every item due at the same second, far enough ahead for all schedules.
    const due = secondIn(15_000 + options.items * 100);
    const embargoed = new Date(due).toISOString();
    const ids = await submitHeld(api, options.items, embargoed);
    if (Date.now() >= due) throw new Error('submitting the held items took past their embargo time');
    // From a little before the time (the items are all in the index then), until the events are in.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - Date.now() - 200)));
    let eventsIn = false;
    const watching = releaseWrites(cloud.endpoints, ids, () => eventsIn);
    const events = await releaseOf(cloud.endpoints, ids, due, 120_000);
    eventsIn = true;
    const { written, queryMs } = await watching;

    const lags: number[] = [];
    const writeLags: number[] = [];
    const publishLags: number[] = [];
    let earlyReleases = 0;
    let releaseDuplicates = 0;
    for (const id of ids) {
      const released = events.get(id) ?? [];
      if (released.length === 0) continue;
      const ingested = released.map((r) => Date.parse(r.ingestedAt));
      earlyReleases += released.filter(
        (r) => Date.parse(r.ingestedAt) < due || Date.parse(r.event.detail.releasedAt ?? '') < due,
      ).length;
      if (new Set(released.map((r) => r.event.detail.eventId)).size > 1) releaseDuplicates++;
      lags.push(Math.min(...ingested) - due);
      const writtenAt = written.get(id);
      if (writtenAt !== undefined) {
        writeLags.push(writtenAt - due);
        publishLags.push(Math.max(0, Math.min(...ingested) - writtenAt));
      }
    }
    return {
      items: ids.length,
      releaseLagP50Ms: percentile(lags, 50),
      releaseLagP99Ms: percentile(lags, 99),
      releaseLagMaxMs: lags.length === 0 ? Number.NaN : Math.max(...lags),
      earlyReleases,
      releaseMissed: ids.length - lags.length,
      releaseDuplicates,
      releaseWrittenP99Ms: percentile(writeLags, 99),
      releasePublishP99Ms: percentile(publishLags, 99),
      burstQueryP50Ms: percentile(queryMs, 50),
    };
  } finally {
    await stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  throwawayClouds();
  const figures = await measureEmbargo({ items: Number(process.env.BENCH_EMBARGO_ITEMS ?? 60) });
  console.log(
    JSON.stringify({
      ...figures,
      releaseLagP50Ms: round(figures.releaseLagP50Ms, 1),
      releaseLagP99Ms: round(figures.releaseLagP99Ms, 1),
      releaseWrittenP99Ms: round(figures.releaseWrittenP99Ms, 1),
      releasePublishP99Ms: round(figures.releasePublishP99Ms, 1),
      burstQueryP50Ms: round(figures.burstQueryP50Ms, 1),
    }),
  );
}
