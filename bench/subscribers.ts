/**
 * The subscribers on the local cloud under load:
 * - `webhookDeliverP99Ms`: from the submit's 2xx to a VERIFIED (`Webhook.verify`) NewsItemPublished
 *   at a local receiver, p99 over every item;
 * - `idleWebhookMs`: one item on an idle, warm cloud, from sending the submit to its verified webhook
 *   (the median of a few such items, each submitted once the previous one was delivered and the
 *   cloud had been quiet for a while);
 * - `translateCallsPerVersion`: Translate calls (failed ones included) per item version, counted at
 *   the Translate test server. The translator packs the headline and a short body into one request,
 *   so 1.0 is the expectation; anything above is a duplicate or a retry, anything below a version
 *   that was never translated.
 * Before the measured run, one unmeasured round at its concurrency scales the path out (scaleOut).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import {
  createPartner,
  partnerApi,
  startSubscriberCloud,
  subscribe,
} from '#tests/e2e/support/subscribers.ts';
import { startLocalTranslateServer } from '#tests/support/local-translate-server.ts';
import { cpuMeter, percentile, stopKeepingFigures } from './support';

export interface SubscriberFigures {
  items: number;
  accepted: number;
  /** Items whose NewsItemPublished reached the receiver and verified. */
  verifiedDeliveries: number;
  /** Requests that failed verification (must be 0). */
  unverified: number;
  webhookDeliverP50Ms: number;
  webhookDeliverP99Ms: number;
  /** The machine's CPU use from the first submit to the last webhook, as a fraction of all cores. */
  cpuBusy: number | null;
  /** Median, and every sample, of submit sent -> verified webhook for single items on an idle cloud. */
  idleWebhookMs: number;
  idleWebhookSamplesMs: number[];
  translateCalls: number;
  translatedVersions: number;
  translateCallsPerVersion: number;
}

interface Arrival {
  webhookId: string;
  itemId?: string;
  at: number;
  verified: boolean;
}

/** A receiver that timestamps each request as it arrives and verifies it with the subscription's secret. */
async function timingReceiver(): Promise<{
  url: string;
  arrivals: Arrival[];
  setSecret(s: string): void;
  close(): Promise<void>;
}> {
  const arrivals: Arrival[] = [];
  let webhook: Webhook | undefined;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let itemId: string | undefined;
      let verified = false;
      try {
        const payload = webhook?.verify(body, request.headers as Record<string, string>) as
          | { data?: { itemId?: string } }
          | undefined;
        verified = payload !== undefined;
        itemId = payload?.data?.itemId;
      } catch {
        verified = false;
      }
      arrivals.push({
        webhookId: String(request.headers['webhook-id']),
        ...(itemId && { itemId }),
        at: Date.now(),
        verified,
      });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    arrivals,
    setSecret: (secret) => {
      webhook = new Webhook(secret);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function measureSubscribers(options: {
  items: number;
  concurrency: number;
  /** Each loop's time from one submission's start to the next (default 0: as fast as answered). */
  paceMs?: number;
  /** Skip the idle samples (a second, paced run needs them only once). */
  skipIdle?: boolean;
}): Promise<SubscriberFigures> {
  const paceMs = options.paceMs ?? 0;
  const translate = await startLocalTranslateServer();
  const receiver = await timingReceiver();
  const { cloud, dataDir, stop } = await startSubscriberCloud(
    paceMs > 0 ? 'bench-subscribers-paced' : 'bench-subscribers',
    {
      AWS_ENDPOINT_URL_TRANSLATE: translate.endpoint,
    },
  );
  try {
    const partner = await createPartner(dataDir, 'bench-subscribers');
    const api = partnerApi(cloud.endpoints, partner.apiKey);
    const subscription = await subscribe(api, receiver.url, ['NewsItemPublished']);
    receiver.setSecret(subscription.secret);

    const run = randomUUID().slice(0, 8);
    const idleWebhookSamplesMs = options.skipIdle ? [] : await measureIdle(api, receiver.arrivals, run);
    await scaleOut(api, receiver.arrivals, run, options.concurrency);
    const acceptedAt = new Map<string, number>();
    const bodies = new Set<string>();
    const headlines = new Set<string>();
    const cpu = cpuMeter();
    let next = 0;
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (next < options.items) {
          const n = next++;
          const started = Date.now();
          const body = `نص قصير للقياس رقم ${n} في الدفعة ${run}`;
          const headline = `خبر للقياس ${n} ${run}`;
          bodies.add(body);
          headlines.add(headline);
          const result = await api.submit({
            uri: `urn:bench:subscribers:${run}:${n}`,
            language: 'ar',
            headlines: [{ value: headline }],
            bodies: [{ role: 'main', contenttype: 'text/plain', value: body }],
          });
          if (result.status !== 201) throw new Error(`submit answered ${result.status}: ${result.text}`);
          acceptedAt.set((JSON.parse(result.text) as { id: string }).id, Date.now());
          const wait = started + paceMs - Date.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        }
      }),
    );

    const firstVerified = () => {
      const seen = new Map<string, number>();
      for (const arrival of receiver.arrivals) {
        if (
          arrival.verified &&
          arrival.itemId &&
          acceptedAt.has(arrival.itemId) &&
          !seen.has(arrival.itemId)
        ) {
          seen.set(arrival.itemId, arrival.at);
        }
      }
      return seen;
    };
    // A packed request is `headline\n\nbody`: a call is this run's when one of its paragraphs is.
    const partsOf = (text: string) => text.split('\n\n');
    const ours = (text: string) => partsOf(text).some((p) => bodies.has(p) || headlines.has(p));
    const translatedTexts = () =>
      new Set(translate.translatedCalls.flatMap((c) => partsOf(c.text)).filter((t) => bodies.has(t)));
    const deadline = Date.now() + 180_000;
    while (Date.now() < deadline) {
      if (firstVerified().size >= acceptedAt.size && translatedTexts().size >= bodies.size) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const cpuBusy = cpu.stop();
    // Late duplicates would show up here.
    await new Promise((resolve) => setTimeout(resolve, 3_000));

    const verified = firstVerified();
    const deliverMs = [...verified].map(([itemId, at]) => at - (acceptedAt.get(itemId) ?? at));
    const calls = translate.calls.filter((c) => ours(c.text)).length;
    const translatedVersions = translatedTexts().size;
    return {
      items: options.items,
      accepted: acceptedAt.size,
      verifiedDeliveries: verified.size,
      unverified: receiver.arrivals.filter((a) => !a.verified).length,
      webhookDeliverP50Ms: percentile(deliverMs, 50),
      webhookDeliverP99Ms: percentile(deliverMs, 99),
      idleWebhookMs: percentile(idleWebhookSamplesMs, 50),
      idleWebhookSamplesMs,
      translateCalls: calls,
      translatedVersions,
      // Per accepted version: a missing translation lowers the ratio, a duplicate raises it.
      translateCallsPerVersion: calls / Math.max(1, acceptedAt.size),
      cpuBusy,
    };
  } finally {
    await stopKeepingFigures(stop, 'subscribers');
    await receiver.close();
    await translate.close();
  }
}

/** Items per loop of the unmeasured round that scales the path out before the measured run. */
const SCALE_OUT_ITEMS_PER_LOOP = 3;

/**
 * One unmeasured round at the measured concurrency, as the local-cloud part does: the functions on
 * the path scale out to it (their environments' cold starts are coldInitOverReference's business),
 * and the measured run starts once every webhook of the round arrived and the cloud was quiet again.
 */
async function scaleOut(
  api: ReturnType<typeof partnerApi>,
  arrivals: readonly Arrival[],
  run: string,
  concurrency: number,
): Promise<void> {
  const ids = new Set<string>();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, loop) => {
      for (let n = 0; n < SCALE_OUT_ITEMS_PER_LOOP; n++) {
        const result = await api.submit({
          uri: `urn:bench:scale-out:${run}:${loop}:${n}`,
          language: 'ar',
          headlines: [{ value: `خبر للتحمية ${loop} ${n} ${run}` }],
          bodies: [{ role: 'main', contenttype: 'text/plain', value: `نص للتحمية ${loop} ${n} ${run}` }],
        });
        if (result.status !== 201)
          throw new Error(`scale-out submit answered ${result.status}: ${result.text}`);
        ids.add((JSON.parse(result.text) as { id: string }).id);
      }
    }),
  );
  const deadline = Date.now() + 60_000;
  while ([...ids].some((id) => !arrivals.some((a) => a.verified && a.itemId === id))) {
    if (Date.now() > deadline) throw new Error('the scale-out round was not delivered within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await new Promise((resolve) => setTimeout(resolve, IDLE_PAUSE_MS));
}

const IDLE_WARM_UP = 3;
const IDLE_SAMPLES = 5;
/** Quiet time before each idle sample: every poller and stream mapping is back to idle polling. */
const IDLE_PAUSE_MS = 3_000;

/**
 * Single items on a quiet cloud: the first few warm every function on the path (cold starts are
 * coldInitRatio's business), then each measured item waits for the previous one's webhook and a
 * pause. Returns the measured samples (submit sent -> verified webhook arrived), in order.
 */
async function measureIdle(
  api: ReturnType<typeof partnerApi>,
  arrivals: readonly Arrival[],
  run: string,
): Promise<number[]> {
  const samples: number[] = [];
  for (let n = 0; n < IDLE_WARM_UP + IDLE_SAMPLES; n++) {
    await new Promise((resolve) => setTimeout(resolve, IDLE_PAUSE_MS));
    const sent = Date.now();
    const result = await api.submit({
      uri: `urn:bench:idle:${run}:${n}`,
      language: 'ar',
      headlines: [{ value: `خبر هادئ ${n} ${run}` }],
      bodies: [{ role: 'main', contenttype: 'text/plain', value: `نص قصير في سحابة هادئة ${n} ${run}` }],
    });
    if (result.status !== 201) throw new Error(`idle submit answered ${result.status}: ${result.text}`);
    const itemId = (JSON.parse(result.text) as { id: string }).id;
    const deadline = Date.now() + 60_000;
    let arrival: Arrival | undefined;
    while (!arrival && Date.now() < deadline) {
      arrival = arrivals.find((a) => a.verified && a.itemId === itemId);
      if (!arrival) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    if (!arrival) throw new Error(`idle item ${itemId} was not delivered within 60 s`);
    if (n >= IDLE_WARM_UP) samples.push(arrival.at - sent);
  }
  return samples;
}
