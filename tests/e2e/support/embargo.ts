/**
 * The embargo end-to-end suites' local cloud and helpers (issue 8): one cloud per file, with a local
 * Translate, an owner and an `events:all` consumer (entitled to every source and language, not to held
 * content), each subscribed to every public type; and what a public observer can see of an item.
 * `useEmbargoCloud` registers the set-up in the calling file; the bindings below are that file's.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetScheduleCommand, ResourceNotFoundException, SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, expect } from 'vitest';
import { resourceName } from '#infra/config.ts';
import { type LocalTranslateServer, startLocalTranslateServer } from '../../support/local-translate-server';
import { WebhookReceiver } from '../../support/webhook-receiver';
import { e2eNames } from './e2e-stack';
import { type BusRecord, eventsOnBus, jsonOf, sleep, waitFor } from './helpers';
import { type Endpoints, killLeftoverDynamoDb, type RunningCloud, startCloud } from './local-cloud';
import { createPartner, type PartnerApi, partnerApi, SUBSCRIBER_SCOPES } from './subscribers';
import { REPO_ROOT, synthesize } from './synth';

export const STAGE = 'dev';
export const PUBLIC_SOURCE = 'diplowire.items';
export const HELD_SOURCE = 'diplowire.items.embargoed';
export const PUBLIC_TYPES = [
  'NewsItemPublished',
  'NewsItemCorrected',
  'NewsItemRetracted',
  'NewsItemTranslated',
];
/** Generous: the release function, the outbox and the bus on a loaded 2-core machine. */
export const ON_TIME_MS = 30_000;
export const SCHEDULE_GROUP = resourceName(STAGE, 'releases');

export let dataDir: string;
export let cdkOut: string;
export let translate: LocalTranslateServer;
export let owner: PartnerApi;
let ownerKey: string;
export let consumer: PartnerApi;
let consumerKey: string;
/** The owner's own subscription (every public type) and a consumer's `events:all` subscription. */
export const ownerHooks = new WebhookReceiver();
export const consumerHooks = new WebhookReceiver();

/** Where the calling file keeps its cloud: a test may kill it and start another in its place. */
export interface CloudSlot {
  get(): RunningCloud | undefined;
  set(cloud: RunningCloud | undefined): void;
}

let slot: CloudSlot;

function privateSlot(): CloudSlot {
  let cloud: RunningCloud | undefined;
  return {
    get: () => cloud,
    set: (started) => {
      cloud = started;
    },
  };
}

export function env(): Record<string, string> {
  return { AWS_ENDPOINT_URL_TRANSLATE: translate.endpoint, WEBHOOK_RETRY_SCHEDULE: '0,1,2' };
}

export function endpoints(): Endpoints {
  const cloud = slot.get();
  if (cloud === undefined) throw new Error('the cloud is not running');
  return cloud.endpoints;
}

/** The partners' API clients, on the cloud running now. */
export function connect(): void {
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

/**
 * Starts the cloud before all tests of the calling file (kept in `cloudSlot`, or privately) and
 * stops it, with everything else, after them.
 */
export function useEmbargoCloud(cloudSlot: CloudSlot = privateSlot()): void {
  slot = cloudSlot;

  beforeAll(async () => {
    translate = await startLocalTranslateServer();
    cdkOut = await synthesize();
    dataDir = mkdtempSync(join(tmpdir(), 'diplowire-e2e-embargo-'));
    slot.set(await startCloud({ dataDir, cdkOut, fresh: true, env: env() }));
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
    await slot.get()?.stop();
    if (dataDir) {
      await killLeftoverDynamoDb(dataDir);
      rmSync(dataDir, { recursive: true, force: true });
    }
    await translate?.close();
  });
}

// ---------------------------------------------------------------------------------------------------

/** An Arabic item with a distinct uri and headline. */
export function article(headline = `خبر ${randomUUID()}`, extra: Record<string, unknown> = {}) {
  return {
    uri: `urn:diplowire:e2e:embargo:${randomUUID()}`,
    language: 'ar',
    headlines: [{ value: headline }],
    bodies: [{ role: 'main', contenttype: 'text/plain', value: `${headline}. نص الخبر للاختبار.` }],
    ...extra,
  };
}

export const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();

export interface Submitted {
  itemId: string;
  etag: string;
  document: Record<string, unknown>;
}

export async function submit(document: Record<string, unknown>, expectState = 'held'): Promise<Submitted> {
  const created = await owner.submit(document);
  expect(created.status, created.text).toBe(201);
  const receipt = jsonOf<{ id: string; release: { state: string } }>(created);
  expect(receipt.release.state, 'the receipt tells the owner the item is held').toBe(expectState);
  return { itemId: receipt.id, etag: created.headers.get('etag') ?? '', document };
}

export async function correct(item: Submitted, changes: Record<string, unknown>, drop: string[] = []) {
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

export async function busOf(itemId: string): Promise<BusRecord[]> {
  return (await eventsOnBus(endpoints())).filter((r) => r.event.detail.itemId === itemId);
}

export const isPublic = (r: BusRecord) => r.event.source === PUBLIC_SOURCE;
/** A public event about the item itself (not its translation, which has an event id of its own). */
export const isPublicItemEvent = (r: BusRecord) =>
  isPublic(r) && r.event['detail-type'] !== 'NewsItemTranslated';

export function webhooksOf(receiver: WebhookReceiver, itemId: string) {
  return receiver.received
    .map((request) => ({
      request,
      payload: JSON.parse(request.body) as { type: string; data?: Record<string, unknown> },
    }))
    .filter(({ payload }) => payload.data?.itemId === itemId);
}

/** Every feed entry the consumer can read (held ones asked for too: it is not entitled to them). */
export async function consumerFeed(): Promise<Array<{ itemId: string; type: string; eventId: string }>> {
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
export async function publicTraces(itemId: string) {
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

export const NOTHING_PUBLIC = {
  publicEvents: [],
  ownerWebhooks: [],
  consumerWebhooks: [],
  consumerGet: 404,
  consumerFeed: [],
};

/** Checks, until shortly before `until`, that nothing of `itemId` is public; returns how often it looked. */
export async function expectNothingPublicUntil(itemId: string, until: number): Promise<number> {
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

export async function waitForPublicEvent(itemId: string, detailType: string, timeoutMs = ON_TIME_MS) {
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
export async function releaseSchedule(itemId: string): Promise<{ releaseAt?: string } | undefined> {
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
export async function scheduledReleaseAt(itemId: string): Promise<number | undefined> {
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
