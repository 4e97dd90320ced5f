/**
 * `npm run bench:pipeline`: only the pipeline's latency figures of `npm run bench` (the local cloud
 * under load, the webhook path, the feed and embargo releases), for iterating on the emulator's
 * scheduling without the several minutes of cold-start and fairness runs. Prints each part's JSON
 * line as soon as it is measured (a loaded machine can fail the next part), then one line with
 * everything. `BENCH_ONLY=cloud,feed` (any of cloud, subscribers, feed, embargo, fairness; fairness only when named) picks parts.
 */
import { loadavg } from 'node:os';
import { measureEmbargo } from './embargo';
import { fairnessOptionsFromEnv, measureFairness } from './fairness';
import { measureFeed } from './feed';
import { measureLocalCloud } from './local-cloud';
import { throwawayClouds } from './storage';
import { measureSubscribers } from './subscribers';
import { FEED_PACE_MS, machineFigures, round, WEBHOOK_PACE_MS } from './support';

const CLOUD_ITEMS = Number(process.env.BENCH_CLOUD_ITEMS ?? 200);
const SUBSCRIBER_ITEMS = Number(process.env.BENCH_SUBSCRIBER_ITEMS ?? 100);
const FEED_CHANGES = Number(process.env.BENCH_FEED_CHANGES ?? 200);
const EMBARGO_ITEMS = Number(process.env.BENCH_EMBARGO_ITEMS ?? 60);
const only = new Set((process.env.BENCH_ONLY ?? 'cloud,subscribers,feed,embargo').split(','));

const out: Record<string, unknown> = { cloudData: throwawayClouds() };
if (only.has('cloud')) {
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
if (only.has('subscribers')) {
  const subscribers = await measureSubscribers({ items: Math.max(100, SUBSCRIBER_ITEMS), concurrency: 4 });
  const paced = await measureSubscribers({
    items: Math.max(100, SUBSCRIBER_ITEMS),
    concurrency: 4,
    paceMs: WEBHOOK_PACE_MS,
    skipIdle: true,
  });
  Object.assign(out, {
    webhookPacedPerSecond: round((4 * 1000) / WEBHOOK_PACE_MS, 1),
    webhookDeliverPacedP99Ms: round(paced.webhookDeliverP99Ms, 1),
    webhookPacedCpuBusy: paced.cpuBusy === null ? null : round(paced.cpuBusy, 2),
    webhookDeliverP50Ms: round(subscribers.webhookDeliverP50Ms, 1),
    webhookDeliverP99Ms: round(subscribers.webhookDeliverP99Ms, 1),
    webhookCpuBusy: subscribers.cpuBusy === null ? null : round(subscribers.cpuBusy, 2),
    idleWebhookMs: round(subscribers.idleWebhookMs, 1),
    idleWebhookSamplesMs: subscribers.idleWebhookSamplesMs.map((ms) => round(ms, 0)),
    verified: `${subscribers.verifiedDeliveries}/${subscribers.accepted}`,
  });
  console.log(JSON.stringify(out));
}
if (only.has('feed')) {
  const feed = await measureFeed({ changes: Math.max(200, FEED_CHANGES), partners: 4 });
  const paced = await measureFeed({
    changes: Math.max(200, FEED_CHANGES),
    partners: 4,
    paceMs: FEED_PACE_MS,
  });
  Object.assign(out, {
    feedLagP50Ms: round(feed.feedLagP50Ms, 1),
    feedLagP99Ms: round(feed.feedLagP99Ms, 1),
    feedMissed: feed.feedMissed + paced.feedMissed,
    feedDuplicates: feed.feedDuplicates + paced.feedDuplicates,
    feedPacedPerSecond: round((4 * 1000) / FEED_PACE_MS, 1),
    feedLagPacedP50Ms: round(paced.feedLagP50Ms, 1),
    feedLagPacedP99Ms: round(paced.feedLagP99Ms, 1),
    feedCpuBusy: feed.cpuBusy === null ? null : round(feed.cpuBusy, 2),
    feedPacedCpuBusy: paced.cpuBusy === null ? null : round(paced.cpuBusy, 2),
  });
  console.log(JSON.stringify(out));
}
if (only.has('embargo')) {
  const embargo = await measureEmbargo({ items: Math.max(50, EMBARGO_ITEMS) });
  Object.assign(out, {
    releaseLagP50Ms: round(embargo.releaseLagP50Ms, 1),
    releaseLagP99Ms: round(embargo.releaseLagP99Ms, 1),
    earlyReleases: embargo.earlyReleases,
    releaseMissed: embargo.releaseMissed,
    releaseDuplicates: embargo.releaseDuplicates,
    releaseWrittenP99Ms: round(embargo.releaseWrittenP99Ms, 1),
    releasePublishP99Ms: round(embargo.releasePublishP99Ms, 1),
    burstQueryP50Ms: round(embargo.burstQueryP50Ms, 1),
  });
}
if (only.has('fairness')) {
  const fairness = await measureFairness(fairnessOptionsFromEnv());
  Object.assign(out, {
    fairnessP99Ratio: round(fairness.fairnessP99Ratio, 3),
    fairnessP99Ratios: fairness.rounds.map((r) => round(r.fairnessP99Ratio, 3)),
    fairnessFloorP99Ratios: fairness.rounds.map((r) => round(r.fairnessFloorP99Ratio, 3)),
    fairnessAloneP99Ms: round(fairness.aloneP99Ms, 1),
    fairnessFloodP99Ms: round(fairness.floodP99Ms, 1),
    fairnessFloorP99Ratio: round(fairness.fairnessFloorP99Ratio, 3),
    fairnessFloorP99Ms: round(fairness.floorP99Ms, 1),
    floodRateLimited: `${fairness.floodRateLimited}/${fairness.floodRequests}`,
    bystanderRefused: fairness.bystanderRefused,
    bystanderRefusedStatuses: fairness.bystanderRefusedStatuses,
  });
}
out.loadAverage = round(loadavg()[0] ?? 0, 1);
console.log(JSON.stringify(out));
