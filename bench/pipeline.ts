/**
 * `npm run bench:pipeline`: only the pipeline's latency figures of `npm run bench` (the local cloud
 * under load, and the webhook path), for iterating on the emulator's scheduling without the
 * several minutes of cold-start, fairness and feed runs. Prints each part's JSON line as soon as it is
 * measured (a loaded machine can fail the next part), then one line with everything.
 */
import { loadavg } from 'node:os';
import { measureLocalCloud } from './local-cloud';
import { measureSubscribers } from './subscribers';
import { machineFigures, round } from './support';

const CLOUD_ITEMS = Number(process.env.BENCH_CLOUD_ITEMS ?? 200);
const SUBSCRIBER_ITEMS = Number(process.env.BENCH_SUBSCRIBER_ITEMS ?? 100);
const only = process.env.BENCH_ONLY; // 'cloud' | 'subscribers'

const out: Record<string, unknown> = {};
if (only !== 'subscribers') {
  const cloud = await measureLocalCloud({ items: CLOUD_ITEMS, concurrencies: [1, 4, 16] });
  Object.assign(out, {
    localPipelineRatio: round(cloud.localPipelineRatio, 3),
    perConcurrency: cloud.perConcurrency.map((p) => ({ ...p, ratio: round(p.ratio, 3) })),
    submitP50Ms: round(cloud.submitP50Ms, 1),
    submitP99Ms: round(cloud.submitP99Ms, 1),
    deliverP50Ms: round(cloud.deliverP50Ms, 1),
    deliverP99Ms: round(cloud.deliverP99Ms, 1),
    delivered: `${cloud.delivered}/${cloud.accepted}`,
    ...machineFigures(cloud),
  });
  console.log(JSON.stringify(out));
}
if (only !== 'cloud') {
  const subscribers = await measureSubscribers({ items: Math.max(100, SUBSCRIBER_ITEMS), concurrency: 4 });
  Object.assign(out, {
    webhookDeliverP50Ms: round(subscribers.webhookDeliverP50Ms, 1),
    webhookDeliverP99Ms: round(subscribers.webhookDeliverP99Ms, 1),
    idleWebhookMs: round(subscribers.idleWebhookMs, 1),
    idleWebhookSamplesMs: subscribers.idleWebhookSamplesMs.map((ms) => round(ms, 0)),
    verified: `${subscribers.verifiedDeliveries}/${subscribers.accepted}`,
    loadAverage: round(loadavg()[0] ?? 0, 1),
  });
}
console.log(JSON.stringify(out));
