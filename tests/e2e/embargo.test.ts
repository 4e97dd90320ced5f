/**
 * Embargo and hold on the local cloud (issue 8), end to end over real HTTP: nothing about a held item
 * reaches a public rule, a webhook, another partner or the feed before its time; the release comes on
 * time (never before), once, with `releasedAt`; a held Arabic item is translated during the embargo and
 * its translation announced only at release; reschedules, a lift, a correction and a retraction while
 * held; a withheld item until it is made usable; a replay of the archive; and a SIGKILL of the cloud
 * across an embargo time (the release happens after the restart, once).
 *
 * Embargo times lie a few seconds ahead. "Not before" assertions are exact (same clock); "on time"
 * ones are generous (a loaded machine).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  DescribeArchiveCommand,
  DescribeReplayCommand,
  EventBridgeClient,
  StartReplayCommand,
} from '@aws-sdk/client-eventbridge';
import { GetScheduleCommand, ResourceNotFoundException, SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resourceName } from '#infra/config.ts';
import { eventIdOf } from '#shared/domain/events.ts';
import { type LocalTranslateServer, startLocalTranslateServer } from '../support/local-translate-server';
import { WebhookReceiver } from '../support/webhook-receiver';
import { e2eNames } from './support/e2e-stack';
import { type BusRecord, eventsOnBus, jsonOf, sleep, waitFor } from './support/helpers';
import { type Endpoints, killLeftoverDynamoDb, type RunningCloud, startCloud } from './support/local-cloud';
import { createPartner, type PartnerApi, partnerApi, SUBSCRIBER_SCOPES } from './support/subscribers';
import { REPO_ROOT, synthesize } from './support/synth';

const STAGE = 'dev';
const PUBLIC_SOURCE = 'diplowire.items';
const HELD_SOURCE = 'diplowire.items.embargoed';
const PUBLIC_TYPES = ['NewsItemPublished', 'NewsItemCorrected', 'NewsItemRetracted', 'NewsItemTranslated'];
/** Generous: the release function, the outbox and the bus on a loaded 2-core machine. */
const ON_TIME_MS = 30_000;
const SCHEDULE_GROUP = resourceName(STAGE, 'releases');

let dataDir: string;
let cdkOut: string;
let cloud: RunningCloud | undefined;
let translate: LocalTranslateServer;
let owner: PartnerApi;
let ownerKey: string;
let consumer: PartnerApi;
let consumerKey: string;
/** The owner's own subscription (every public type) and a consumer's `events:all` subscription. */
const ownerHooks = new WebhookReceiver();
const consumerHooks = new WebhookReceiver();

function env(): Record<string, string> {
  return { AWS_ENDPOINT_URL_TRANSLATE: translate.endpoint, WEBHOOK_RETRY_SCHEDULE: '0,1,2' };
}

function endpoints(): Endpoints {
  if (cloud === undefined) throw new Error('the cloud is not running');
  return cloud.endpoints;
}

function connect(): void {
  owner = partnerApi(endpoints(), ownerKey);
  consumer = partnerApi(endpoints(), consumerKey);
}

async function cli(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)('npx', ['tsx', 'scripts/partners.ts', '--local', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, DIPLOWIRE_LOCAL_DIR: dataDir },
    timeout: 60_000,
  });
  return stdout;
}

beforeAll(async () => {
  translate = await startLocalTranslateServer();
  cdkOut = await synthesize();
  dataDir = mkdtempSync(join(tmpdir(), 'diplowire-e2e-embargo-'));
  cloud = await startCloud({ dataDir, cdkOut, fresh: true, env: env() });
  const [a, c] = await Promise.all([
    createPartner(dataDir, 'embargo owner'),
    createPartner(dataDir, 'embargo consumer', [...SUBSCRIBER_SCOPES, 'events:all', 'feed:read']),
  ]);
  ownerKey = a.apiKey;
  consumerKey = c.apiKey;
  // The consumer may read everything in the feed, except held content (no --embargoed).
  await cli('entitle', c.partnerId, '--sources', 'all', '--languages', 'all');
  connect();
  await Promise.all([ownerHooks.start(), consumerHooks.start()]);
  for (const [api, receiver] of [
    [owner, ownerHooks],
    [consumer, consumerHooks],
  ] as const) {
    const created = await api.subscribe({ url: receiver.url, eventTypes: PUBLIC_TYPES });
    if (created.status !== 201) throw new Error(`subscribe answered ${created.status}: ${created.text}`);
    receiver.verifyWith(jsonOf<{ secret: string }>(created).secret);
  }
  // Warm the read paths (cold starts take seconds here), so "before the embargo" checks get to look.
  await Promise.all([
    consumerFeed(),
    consumer.get('itm_00000000000000000000000000'),
    owner.translation('itm_00000000000000000000000000', 'en'),
  ]);
  // A first synth bundles every function: minutes on a loaded machine.
}, 600_000);

afterAll(async () => {
  await Promise.all([ownerHooks.stop(), consumerHooks.stop()]);
  await cloud?.stop();
  if (dataDir) {
    await killLeftoverDynamoDb(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  }
  await translate?.close();
});

// ---------------------------------------------------------------------------------------------------

/** An Arabic item with a distinct uri and headline. */
function article(headline = `خبر ${randomUUID()}`, extra: Record<string, unknown> = {}) {
  return {
    uri: `urn:diplowire:e2e:embargo:${randomUUID()}`,
    language: 'ar',
    headlines: [{ value: headline }],
    bodies: [{ role: 'main', contenttype: 'text/plain', value: `${headline}. نص الخبر للاختبار.` }],
    ...extra,
  };
}

const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();

interface Submitted {
  itemId: string;
  etag: string;
  document: Record<string, unknown>;
}

async function submit(document: Record<string, unknown>, expectState = 'held'): Promise<Submitted> {
  const created = await owner.submit(document);
  expect(created.status, created.text).toBe(201);
  const receipt = jsonOf<{ id: string; release: { state: string } }>(created);
  expect(receipt.release.state, 'the receipt tells the owner the item is held').toBe(expectState);
  return { itemId: receipt.id, etag: created.headers.get('etag') ?? '', document };
}

async function correct(item: Submitted, changes: Record<string, unknown>, drop: string[] = []) {
  const document = { ...item.document, ...changes };
  for (const key of drop) delete document[key];
  const result = await owner.correct(item.itemId, document, item.etag);
  expect(result.status, result.text).toBe(200);
  return {
    ...item,
    document,
    etag: result.headers.get('etag') ?? '',
    receipt: jsonOf<{ version: number; release: { state: string; releaseAt?: string } }>(result),
  };
}

async function busOf(itemId: string): Promise<BusRecord[]> {
  return (await eventsOnBus(endpoints())).filter((r) => r.event.detail.itemId === itemId);
}

const isPublic = (r: BusRecord) => r.event.source === PUBLIC_SOURCE;
/** A public event about the item itself (not its translation, which has an event id of its own). */
const isPublicItemEvent = (r: BusRecord) => isPublic(r) && r.event['detail-type'] !== 'NewsItemTranslated';

function webhooksOf(receiver: WebhookReceiver, itemId: string) {
  return receiver.received
    .map((request) => ({
      request,
      payload: JSON.parse(request.body) as { type: string; data?: Record<string, unknown> },
    }))
    .filter(({ payload }) => payload.data?.itemId === itemId);
}

/** Every feed entry the consumer can read (held ones asked for too: it is not entitled to them). */
async function consumerFeed(): Promise<Array<{ itemId: string; type: string; eventId: string }>> {
  // By position: the held=true pass returns the public entries again.
  const seen = new Map<number, { itemId: string; type: string; eventId: string }>();
  for (const held of ['false', 'true']) {
    let cursor: string | undefined;
    for (let page = 0; page < 100; page++) {
      const query = new URLSearchParams({ limit: '100', held, ...(cursor && { cursor }) });
      const result = await consumer.request('GET', `/v1/feed?${query}`);
      expect(result.status, result.text).toBe(200);
      const body = jsonOf<{
        entries: Array<{ seq: number; itemId: string; type: string; eventId: string }>;
        cursor: string;
      }>(result);
      if (body.entries.length === 0) break;
      for (const entry of body.entries) seen.set(entry.seq, entry);
      cursor = body.cursor;
    }
  }
  return [...seen.values()];
}

/**
 * What any public observer sees of `itemId` right now: public events on the bus (and which rules
 * they matched), webhooks to the owner and to an `events:all` consumer, the consumer's GET and feed.
 */
async function publicTraces(itemId: string) {
  const bus = await busOf(itemId);
  const consumerGet = await consumer.get(itemId);
  const feed = (await consumerFeed()).filter((e) => e.itemId === itemId);
  return {
    publicEvents: bus.filter(isPublic).map((r) => r.event['detail-type']),
    // Held events match no rule but the opted-in internal ones (translator, schedules).
    heldEventRules: bus.filter((r) => !isPublic(r)).flatMap((r) => r.matchedRules),
    ownerWebhooks: webhooksOf(ownerHooks, itemId).map((w) => w.payload.type),
    consumerWebhooks: webhooksOf(consumerHooks, itemId).map((w) => w.payload.type),
    consumerGet: consumerGet.status,
    consumerFeed: feed.map((e) => e.type),
  };
}

const NOTHING_PUBLIC = {
  publicEvents: [],
  ownerWebhooks: [],
  consumerWebhooks: [],
  consumerGet: 404,
  consumerFeed: [],
};

/** Checks, until shortly before `until`, that nothing of `itemId` is public; returns how often it looked. */
async function expectNothingPublicUntil(itemId: string, until: number): Promise<number> {
  let looks = 0;
  do {
    const traces = await publicTraces(itemId);
    // Only checks taken entirely before the embargo time count.
    if (Date.now() >= until) break;
    expect(traces).toMatchObject(NOTHING_PUBLIC);
    const internalRules = new Set(traces.heldEventRules);
    expect(internalRules.has(e2eNames(STAGE).tapRule), 'the public tap rule matched a held event').toBe(
      false,
    );
    expect(internalRules.has(resourceName(STAGE, 'webhook-fanout'))).toBe(false);
    looks++;
    await sleep(500);
  } while (Date.now() < until - 700);
  return looks;
}

async function waitForPublicEvent(itemId: string, detailType: string, timeoutMs = ON_TIME_MS) {
  return waitFor(
    async () => (await busOf(itemId)).find((r) => isPublic(r) && r.event['detail-type'] === detailType),
    timeoutMs,
    `${detailType} of ${itemId}`,
  );
}

function schedulerClient(): SchedulerClient {
  return new SchedulerClient({
    endpoint: endpoints().scheduler,
    region: endpoints().region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/** The item's release schedule as it stands: the embargo time it releases. */
async function releaseSchedule(itemId: string): Promise<{ releaseAt?: string } | undefined> {
  const client = schedulerClient();
  try {
    const schedule = await client.send(
      new GetScheduleCommand({ GroupName: SCHEDULE_GROUP, Name: `release-${itemId}` }),
    );
    const input = schedule.Target?.Input;
    return {
      releaseAt: input === undefined ? undefined : (JSON.parse(input) as { releaseAt: string }).releaseAt,
    };
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  } finally {
    client.destroy();
  }
}

/**
 * The embargo time (epoch ms) the item's latest release schedule was set for: the schedule itself,
 * or, once it fired (schedules fire up to two minutes before the time, then delete themselves and
 * the releaser waits), its latest invocation in the local Scheduler's history.
 */
async function scheduledReleaseAt(itemId: string): Promise<number | undefined> {
  const current = await releaseSchedule(itemId);
  if (current?.releaseAt !== undefined) return Date.parse(current.releaseAt);
  const response = await fetch(`${endpoints().scheduler}/_local/schedules`);
  const { invocations } = (await response.json()) as {
    invocations: { scheduleArn: string; input?: string }[];
  };
  const fired = invocations.filter((i) => i.scheduleArn.endsWith(`/release-${itemId}`)).at(-1);
  return fired?.input === undefined
    ? undefined
    : Date.parse((JSON.parse(fired.input) as { releaseAt: string }).releaseAt);
}

// ---------------------------------------------------------------------------------------------------

describe('an embargoed item', () => {
  it('is not public before its time, then released on time, once, with releasedAt', async () => {
    const embargoed = inMs(12_000);
    const item = await submit(article(undefined, { embargoed }));
    const due = Date.parse(embargoed);

    const looks = await expectNothingPublicUntil(item.itemId, due);
    expect(looks).toBeGreaterThan(0);
    // The held version did produce its internal event, on its own source.
    const held = (await busOf(item.itemId)).filter((r) => !isPublic(r));
    expect(held.map((r) => [r.event.source, r.event['detail-type']])).toEqual([
      [HELD_SOURCE, 'NewsItemEmbargoed'],
    ]);
    expect(held[0]?.event.detail).toMatchObject({ hold: 'embargo', embargoed: new Date(due).toISOString() });

    const published = await waitForPublicEvent(item.itemId, 'NewsItemPublished');
    const detail = published.event.detail as { releasedAt: string; embargoed: string; eventId: string };
    expect(Date.parse(detail.releasedAt)).toBeGreaterThanOrEqual(due);
    expect(detail.embargoed).toBe(new Date(due).toISOString());
    expect(detail.eventId).toBe(eventIdOf(item.itemId, 1));
    expect(published.matchedRules).toContain(e2eNames(STAGE).tapRule);

    // Both subscribers get it, never before the embargo time.
    for (const receiver of [ownerHooks, consumerHooks]) {
      // Every webhook of the item (its translation's too) comes after the embargo time.
      const hook = await waitFor(
        () => webhooksOf(receiver, item.itemId).find((w) => w.payload.type === 'NewsItemPublished'),
        ON_TIME_MS,
        'the release webhook',
      );
      for (const other of webhooksOf(receiver, item.itemId))
        expect(other.request.at).toBeGreaterThanOrEqual(due);
      expect(hook?.payload).toMatchObject({
        type: 'NewsItemPublished',
        data: { releasedAt: detail.releasedAt },
      });
      expect(hook?.request.at).toBeGreaterThanOrEqual(due);
      expect(hook?.request.verifyError).toBeUndefined();
    }

    // The owner sees the release; the consumer can find it in the feed (still not GET: not its item).
    const read = await owner.get(item.itemId);
    expect(read.headers.get('diplowire-release')).toBe('released');
    expect(read.headers.get('diplowire-released-at')).toBe(detail.releasedAt);
    await waitFor(
      async () =>
        (await consumerFeed()).some((e) => e.itemId === item.itemId && e.type === 'NewsItemPublished'),
      ON_TIME_MS,
      'the release in the consumer feed',
    );

    // Exactly once: a few seconds later there is still one public event id and one delivery each.
    await sleep(3000);
    const publicIds = new Set(
      (await busOf(item.itemId)).filter(isPublicItemEvent).map((r) => r.event.detail.eventId),
    );
    expect([...publicIds]).toEqual([detail.eventId]);
    for (const receiver of [ownerHooks, consumerHooks]) {
      const ids = new Set(
        webhooksOf(receiver, item.itemId)
          .filter((w) => w.payload.type !== 'NewsItemTranslated')
          .map((w) => w.request.headers['webhook-id']),
      );
      expect(ids.size).toBe(1);
    }
    const feedEntries = (await consumerFeed()).filter(
      (e) => e.itemId === item.itemId && e.type !== 'NewsItemTranslated',
    );
    expect(feedEntries.map((e) => e.eventId)).toEqual([detail.eventId]);
    // The schedule deleted itself after completion.
    expect(await releaseSchedule(item.itemId)).toBeUndefined();
  }, 120_000);

  it('is translated during the embargo; the translation is announced only at release', async () => {
    const embargoed = inMs(15_000);
    const due = Date.parse(embargoed);
    const item = await submit(article('الكويت وبلجيكا تبحثان تعزيز العلاقات الثنائية', { embargoed }));

    // Ready for its owner before the embargo time (the translator opts in to held versions)...
    const translation = await waitFor(
      async () => {
        const result = await owner.translation(item.itemId, 'en');
        return result.status === 200 && jsonOf<{ status: string; translatedAt: string }>(result);
      },
      due - Date.now(),
      'the English translation during the embargo',
    );
    expect(translation.status).toBe('translated');
    expect(Date.parse(translation.translatedAt)).toBeLessThan(due);
    // ...and invisible to anyone else, with no NewsItemTranslated anywhere public.
    expect((await consumer.translation(item.itemId, 'en')).status).toBe(404);
    await expectNothingPublicUntil(item.itemId, due);

    const translated = await waitForPublicEvent(item.itemId, 'NewsItemTranslated');
    const published = await waitForPublicEvent(item.itemId, 'NewsItemPublished');
    const order = (await busOf(item.itemId)).map((r) => r.event.id);
    expect(order.indexOf(translated.event.id)).toBeGreaterThan(order.indexOf(published.event.id));
    const hooks = await waitFor(
      () => {
        const seen = webhooksOf(consumerHooks, item.itemId);
        return seen.some((w) => w.payload.type === 'NewsItemTranslated') && seen;
      },
      ON_TIME_MS,
      'the translation webhook',
    );
    for (const hook of hooks) expect(hook.request.at).toBeGreaterThanOrEqual(due);
    await waitFor(
      async () =>
        (await consumerFeed()).some((e) => e.itemId === item.itemId && e.type === 'NewsItemTranslated'),
      ON_TIME_MS,
      'the translation in the consumer feed',
    );
    // Translated once, during the embargo: the release did not translate it again.
    const calls = translate.calls.filter((call) =>
      call.text.includes('الكويت وبلجيكا تبحثان تعزيز العلاقات'),
    );
    expect(calls.length).toBe(1);
  }, 120_000);

  it('moves later and earlier: released once, at the last time set, never at an earlier one', async () => {
    const first = inMs(6000);
    let item = await submit(article(undefined, { embargoed: first }));
    await waitFor(
      async () => (await scheduledReleaseAt(item.itemId)) === Date.parse(first),
      ON_TIME_MS,
      'the first schedule',
    );

    const later = inMs(40_000);
    const moved = await correct(item, { embargoed: later });
    expect(moved.receipt.release).toMatchObject({
      state: 'held',
      releaseAt: new Date(Date.parse(later)).toISOString(),
    });
    item = moved;
    await waitFor(
      async () => (await scheduledReleaseAt(item.itemId)) === Date.parse(later),
      ON_TIME_MS,
      'the moved schedule',
    );
    // The first time passes without a release.
    await expectNothingPublicUntil(item.itemId, Date.parse(first) + 3000);

    const earlier = inMs(5000);
    const back = await correct(item, { embargoed: earlier });
    expect(back.receipt.version).toBe(3);
    const due = Date.parse(earlier);
    await expectNothingPublicUntil(item.itemId, due);
    const published = await waitForPublicEvent(item.itemId, 'NewsItemPublished');
    expect(published.event.detail.version).toBe(3);
    expect(Date.parse(String(published.event.detail.releasedAt))).toBeGreaterThanOrEqual(due);
    expect(Date.parse(String(published.event.detail.releasedAt))).toBeLessThan(Date.parse(later));
    await waitFor(
      async () => (await releaseSchedule(item.itemId)) === undefined,
      ON_TIME_MS,
      'no schedule left',
    );
    await sleep(2000);
    expect((await busOf(item.itemId)).filter(isPublicItemEvent).map((r) => r.event.detail.eventId)).toEqual([
      eventIdOf(item.itemId, 3),
    ]);
  }, 120_000);

  it('is published at once when the embargo is lifted, and its schedule is gone', async () => {
    const item = await submit(article(undefined, { embargoed: inMs(120_000) }));
    await waitFor(
      async () => (await scheduledReleaseAt(item.itemId)) !== undefined,
      ON_TIME_MS,
      'the schedule',
    );
    await expectNothingPublicUntil(item.itemId, Date.now() + 2000);

    const lifted = await correct(item, {}, ['embargoed']);
    expect(lifted.receipt.release.state).toBe('public');
    const published = await waitForPublicEvent(item.itemId, 'NewsItemPublished');
    expect(published.event.detail).toMatchObject({ version: 2, eventId: eventIdOf(item.itemId, 2) });
    await waitFor(
      async () => (await releaseSchedule(item.itemId)) === undefined,
      ON_TIME_MS,
      'the schedule removed',
    );
    await waitFor(() => webhooksOf(consumerHooks, item.itemId).length > 0, ON_TIME_MS, 'the webhook');
  }, 120_000);

  it('releases the latest content when corrected while held; the first version is never public', async () => {
    const embargoed = inMs(9000);
    const item = await submit(article('النسخة الأولى', { embargoed }));
    const corrected = await correct(item, {
      headlines: [{ value: 'النسخة المصححة' }],
      bodies: [{ role: 'main', contenttype: 'text/plain', value: 'النص المصحح' }],
    });
    expect(corrected.receipt.release.state).toBe('held');
    const due = Date.parse(embargoed);
    await expectNothingPublicUntil(item.itemId, due);

    const published = await waitForPublicEvent(item.itemId, 'NewsItemPublished');
    expect(published.event.detail).toMatchObject({ version: 2, headline: 'النسخة المصححة' });
    expect(JSON.stringify(published.event.detail)).not.toContain('النسخة الأولى');
    await sleep(2000);
    expect((await busOf(item.itemId)).filter(isPublicItemEvent)).toHaveLength(1);
    const versions = jsonOf<{ versions: Array<{ version: number; release: { state: string } }> }>(
      await owner.request('GET', `/v1/items/${item.itemId}/versions`),
    ).versions;
    expect(versions.map((v) => [v.version, v.release.state])).toEqual([
      [1, 'superseded'],
      [2, 'released'],
    ]);
  }, 120_000);

  it('retracted while held is never public: no event, no webhook, no schedule', async () => {
    const embargoed = inMs(5000);
    const item = await submit(article(undefined, { embargoed }));
    await waitFor(
      async () => (await scheduledReleaseAt(item.itemId)) !== undefined,
      ON_TIME_MS,
      'the schedule',
    );
    const retracted = await owner.retract(item.itemId, item.etag);
    expect(retracted.status, retracted.text).toBe(200);
    expect(jsonOf<{ release: { state: string } }>(retracted).release.state).toBe('withdrawn');
    await waitFor(
      async () => (await releaseSchedule(item.itemId)) === undefined,
      ON_TIME_MS,
      'the schedule removed',
    );
    // Well past the embargo time: still nothing public, ever.
    await sleep(Math.max(0, Date.parse(embargoed) + 4000 - Date.now()));
    expect(await publicTraces(item.itemId)).toMatchObject(NOTHING_PUBLIC);
  }, 120_000);
});

describe('a withheld item', () => {
  it('is never published until a correction makes it usable', async () => {
    const item = await submit(article(undefined, { pubstatus: 'withheld' }));
    await sleep(1000);
    expect(await scheduledReleaseAt(item.itemId)).toBeUndefined();
    await expectNothingPublicUntil(item.itemId, Date.now() + 5000);
    const held = (await busOf(item.itemId)).filter((r) => !isPublic(r));
    expect(held.map((r) => r.event.detail.hold)).toEqual(['withheld']);

    const usable = await correct(item, { pubstatus: 'usable' });
    expect(usable.receipt.release.state).toBe('public');
    const published = await waitForPublicEvent(item.itemId, 'NewsItemPublished');
    expect(published.event.detail).toMatchObject({ version: 2, pubstatus: 'usable' });
    await waitFor(() => webhooksOf(consumerHooks, item.itemId).length > 0, ON_TIME_MS, 'the webhook');
  }, 60_000);
});

describe('the archive', () => {
  it('holds no held content: a replay cannot make a held item public early', async () => {
    const since = Date.now() - 1000;
    const item = await submit(article(undefined, { embargoed: inMs(300_000) }));
    // A public item in the same window: the replay must re-deliver it, and only it.
    const visible = await submit(article(), 'public');
    await waitFor(async () => (await busOf(item.itemId)).length > 0, ON_TIME_MS, 'the held event');
    await waitForPublicEvent(visible.itemId, 'NewsItemPublished');

    const client = new EventBridgeClient({
      endpoint: endpoints().eventbridge,
      region: endpoints().region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      const archive = await client.send(
        new DescribeArchiveCommand({ ArchiveName: resourceName(STAGE, 'items') }),
      );
      expect(JSON.parse(archive.EventPattern ?? '{}')).toEqual({ source: [PUBLIC_SOURCE] });
      const name = `embargo-${randomUUID().slice(0, 8)}`;
      await sleep(1500);
      await client.send(
        new StartReplayCommand({
          ReplayName: name,
          EventSourceArn: archive.ArchiveArn,
          EventStartTime: new Date(since),
          EventEndTime: new Date(),
          Destination: { Arn: archive.EventSourceArn },
        }),
      );
      await waitFor(
        async () =>
          (await client.send(new DescribeReplayCommand({ ReplayName: name }))).State === 'COMPLETED',
        ON_TIME_MS,
        'the replay',
      );
      await sleep(1000);
      const traces = await publicTraces(item.itemId);
      expect(traces).toMatchObject(NOTHING_PUBLIC);
      // The replay did run (it re-delivers the public events of the window, none of this item).
      const replayed = (await eventsOnBus(endpoints())).filter(
        (r) => (r.event as { 'replay-name'?: string })['replay-name'] === name,
      );
      expect(replayed.map((r) => r.event.detail.itemId)).toContain(visible.itemId);
      expect(replayed.every((r) => r.event.source === PUBLIC_SOURCE)).toBe(true);
      expect(replayed.some((r) => r.event.detail.itemId === item.itemId)).toBe(false);
    } finally {
      client.destroy();
    }
  }, 120_000);
});

describe('a SIGKILL of the cloud across an embargo time', () => {
  it('releases the item after the restart, exactly once', async () => {
    const embargoed = inMs(9000);
    const due = Date.parse(embargoed);
    const item = await submit(article(undefined, { embargoed }));
    await waitFor(
      async () => (await scheduledReleaseAt(item.itemId)) !== undefined,
      ON_TIME_MS,
      'the schedule',
    );
    if (Date.now() >= due - 1000) throw new Error('the machine is too slow: the schedule came too late');

    await cloud?.kill();
    cloud = undefined;
    await killLeftoverDynamoDb(dataDir);
    await sleep(Math.max(0, due + 1500 - Date.now()));

    cloud = await startCloud({ dataDir, cdkOut, env: env() });
    connect();
    const published = await waitForPublicEvent(item.itemId, 'NewsItemPublished', 90_000);
    expect(Date.parse(String(published.event.detail.releasedAt))).toBeGreaterThanOrEqual(due);
    const hooks = await waitFor(
      () => webhooksOf(consumerHooks, item.itemId).length > 0 && webhooksOf(consumerHooks, item.itemId),
      ON_TIME_MS,
      'the webhook after the restart',
    );
    expect(hooks[0]?.request.at).toBeGreaterThanOrEqual(due);
    await sleep(3000);
    const releaseIds = (await busOf(item.itemId))
      .filter(isPublicItemEvent)
      .map((r) => r.event.detail.eventId);
    expect([...new Set(releaseIds)]).toEqual([eventIdOf(item.itemId, 1)]);
    // One delivery of the release (its translation is a delivery of its own).
    const releaseHooks = webhooksOf(consumerHooks, item.itemId).filter(
      (w) => w.payload.type === 'NewsItemPublished',
    );
    expect(new Set(releaseHooks.map((w) => w.request.headers['webhook-id'])).size).toBe(1);
    const read = await owner.get(item.itemId);
    expect(read.headers.get('diplowire-release')).toBe('released');
    expect(read.headers.get('diplowire-released-at')).toBe(published.event.detail.releasedAt);
  }, 240_000);
});
