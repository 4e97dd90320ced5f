/**
 * The consumer feed on the local cloud under load: 4 partners submit (and correct some of) at least
 * 200 changes concurrently while one consumer follows GET /v1/feed with long-poll (`wait=20`).
 * - `feedLagP99Ms`: from a change's 2xx to the page that delivers it, p99 over every change;
 * - `feedMissed`: changes accepted but never delivered (must be 0);
 * - `feedDuplicates`: changes delivered more than once across consecutive pages (must be 0).
 * One unmeasured change per partner first warms every function and stream mapping on the path.
 */
import { randomUUID } from 'node:crypto';
import { eventIdOf } from '#shared/domain/events.ts';
import {
  createPartner,
  entitlePartner,
  partnerApi,
  startSubscriberCloud,
} from '#tests/e2e/support/subscribers.ts';
import { cpuMeter, percentile, stopKeepingFigures } from './support';

export interface FeedFigures {
  changes: number;
  feedLagP50Ms: number;
  feedLagP99Ms: number;
  feedMissed: number;
  feedDuplicates: number;
  /** The machine's CPU use while the changes went through, as a fraction of all cores. */
  cpuBusy: number | null;
}

export async function measureFeed(options: {
  changes: number;
  partners: number;
  /**
   * Each partner's time from one submission's start to the next (default 0: as fast as the cloud
   * answers, which drives the local cloud to its capacity and measures its queues).
   */
  paceMs?: number;
}): Promise<FeedFigures> {
  const paceMs = options.paceMs ?? 0;
  const { cloud, dataDir, stop } = await startSubscriberCloud(paceMs > 0 ? 'bench-feed-paced' : 'bench-feed');
  try {
    const sources = await Promise.all(
      Array.from({ length: options.partners }, (_, n) => createPartner(dataDir, `bench-feed-source-${n}`)),
    );
    const consumer = await createPartner(dataDir, 'bench-feed-consumer', ['feed:read']);
    await entitlePartner(dataDir, consumer.partnerId, { sources: 'all', languages: 'all' });
    const reader = partnerApi(cloud.endpoints, consumer.apiKey);

    // Start at the head: an empty page's cursor.
    const start = await reader.request('GET', '/v1/feed?limit=1');
    let cursor = (JSON.parse(start.text) as { cursor: string }).cursor;
    const arrivals = new Map<string, number[]>();
    let following = true;
    const follower = (async () => {
      while (following) {
        const page = await reader.request(
          'GET',
          `/v1/feed?wait=20&limit=200&cursor=${encodeURIComponent(cursor)}`,
        );
        if (page.status !== 200) throw new Error(`feed answered ${page.status}: ${page.text}`);
        const body = JSON.parse(page.text) as { entries: { eventId: string }[]; cursor: string };
        const at = Date.now();
        for (const entry of body.entries)
          arrivals.set(entry.eventId, [...(arrivals.get(entry.eventId) ?? []), at]);
        cursor = body.cursor;
      }
    })();

    const batch = randomUUID().slice(0, 8);
    // Warm-up (unmeasured), as in the other benches: one change per partner through the whole path,
    // so the measured changes meet warm functions and stream mappings (cold starts are what
    // coldInitOverReference measures).
    const warmUp = await Promise.all(
      sources.map(async (source, p) => {
        const created = await partnerApi(cloud.endpoints, source.apiKey).submit({
          uri: `urn:bench:feed:${batch}:warm-up:${p}`,
          language: 'ar',
          headlines: [{ value: 'خبر للتحمية' }],
          bodies: [{ contenttype: 'text/plain', value: `نص للتحمية ${p} ${batch}` }],
        });
        if (created.status !== 201)
          throw new Error(`warm-up submit answered ${created.status}: ${created.text}`);
        return eventIdOf((JSON.parse(created.text) as { id: string }).id, 1);
      }),
    );
    const warmDeadline = Date.now() + 60_000;
    while (warmUp.some((id) => !arrivals.has(id))) {
      if (Date.now() > warmDeadline)
        throw new Error('the warm-up changes did not reach the feed within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const cpu = cpuMeter();
    const acceptedAt = new Map<string, number>();
    const perPartner = Math.ceil(options.changes / options.partners);
    await Promise.all(
      sources.map(async (source, p) => {
        const api = partnerApi(cloud.endpoints, source.apiKey);
        for (let n = 0; n < perPartner; n++) {
          const started = Date.now();
          const item = {
            uri: `urn:bench:feed:${batch}:${p}:${n}`,
            language: 'ar',
            headlines: [{ value: `خبر ${n}` }],
            bodies: [{ contenttype: 'text/plain', value: `نص ${p} ${n} ${batch}` }],
          };
          const created = await api.submit(item);
          if (created.status !== 201) throw new Error(`submit answered ${created.status}: ${created.text}`);
          const { id } = JSON.parse(created.text) as { id: string };
          acceptedAt.set(eventIdOf(id, 1), Date.now());
          const wait = started + paceMs - Date.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        }
      }),
    );
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline && [...acceptedAt.keys()].some((id) => !arrivals.has(id))) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const cpuBusy = cpu.stop();
    // Late duplicates would show up here.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    following = false;
    await follower.catch(() => undefined);

    const lags = [...acceptedAt].flatMap(([id, at]) => {
      const first = arrivals.get(id)?.[0];
      return first === undefined ? [] : [Math.max(0, first - at)];
    });
    return {
      changes: acceptedAt.size,
      feedLagP50Ms: percentile(lags, 50),
      feedLagP99Ms: percentile(lags, 99),
      feedMissed: [...acceptedAt.keys()].filter((id) => !arrivals.has(id)).length,
      feedDuplicates: [...arrivals.values()].filter((times) => times.length > 1).length,
      cpuBusy,
    };
  } finally {
    await stopKeepingFigures(stop, 'feed');
  }
}
