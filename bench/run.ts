/**
 * `npm run bench`: measures the shipped artefacts and prints a table, then ONE JSON line (last line).
 * Every timing is reported as a ratio to a baseline measured in the same run, because the
 * machines are shared and noisy; absolute milliseconds are printed for context only.
 */
import { join } from 'node:path';
import { ensureSynth } from '#local/synth.ts';
import { measureColdInit } from './cold-init';
import { measureEmbargo } from './embargo';
import { fairnessOptionsFromEnv, measureFairness } from './fairness';
import { measureFeed } from './feed';
import { measureLocalCloud } from './local-cloud';
import { measureStorage, throwawayClouds } from './storage';
import { measureSubmit } from './submit';
import { measureSubscribers } from './subscribers';
import { bundledFunctions, FEED_PACE_MS, machineFigures, round, WEBHOOK_PACE_MS } from './support';

const CDK_OUT = join(process.cwd(), 'cdk.out');
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 25);
const SUBMIT_ITERATIONS = Number(process.env.BENCH_SUBMIT_ITERATIONS ?? 200);
const CLOUD_ITEMS = Number(process.env.BENCH_CLOUD_ITEMS ?? 200);
const CLOUD_CONCURRENCIES = [1, 4, 16];
const SUBSCRIBER_ITEMS = Number(process.env.BENCH_SUBSCRIBER_ITEMS ?? 100);
const FEED_CHANGES = Number(process.env.BENCH_FEED_CHANGES ?? 200);
const EMBARGO_ITEMS = Number(process.env.BENCH_EMBARGO_ITEMS ?? 60);

const TARGETS = {
  bundleBytes: 300 * 1000,
  coldInitRatio: 1.6,
  coldInitOverReference: 1.1,
  submitWarmP50Ratio: 2.0,
  localPipelineRatio: 0.5,
  startSeconds: 10,
  deliverP99Ms: 1500,
  webhookDeliverP99Ms: 4000,
  /** No batching window on the outbox (docs/operations.md, "Latency"). */
  idleWebhookMs: 1300,
  fairnessP99Ratio: 2.0,
  feedLagP99Ms: 1000,
  releaseLagP99Ms: 1000,
};

function row(cells: (string | number)[]): string {
  return cells.map((c, i) => String(c).padEnd(i === 0 ? 34 : 14)).join(' ');
}

async function main() {
  const cloudData = throwawayClouds();
  ensureSynth(CDK_OUT);
  const functions = bundledFunctions(CDK_OUT);
  if (functions.length === 0) throw new Error('no bundled functions found in cdk.out');

  const bundles: Record<string, number> = {};
  for (const f of functions) bundles[f.name] = f.bytes;

  const cold = await measureColdInit(functions, COLD_RUNS);
  const coldInitRatio: Record<string, number> = {};
  for (const f of cold.functions) coldInitRatio[f.name] = round(f.ratio, 3);
  const coldInitOverReference: Record<string, number> = {};
  for (const f of cold.functions) coldInitOverReference[f.name] = round(f.overReference, 3);

  const itemsWrite = functions.find((f) => /items-?write/i.test(f.name));
  if (!itemsWrite) throw new Error('items-write function not found');
  const submit = await measureSubmit(itemsWrite.file, SUBMIT_ITERATIONS);
  const cloud = await measureLocalCloud({ items: CLOUD_ITEMS, concurrencies: CLOUD_CONCURRENCIES });
  const subscribers = await measureSubscribers({ items: Math.max(100, SUBSCRIBER_ITEMS), concurrency: 4 });
  const subscribersPaced = await measureSubscribers({
    items: Math.max(100, SUBSCRIBER_ITEMS),
    concurrency: 4,
    paceMs: WEBHOOK_PACE_MS,
    skipIdle: true,
  });
  const fairness = await measureFairness(fairnessOptionsFromEnv());
  const feed = await measureFeed({ changes: Math.max(200, FEED_CHANGES), partners: 4 });
  const feedPaced = await measureFeed({
    changes: Math.max(200, FEED_CHANGES),
    partners: 4,
    paceMs: FEED_PACE_MS,
  });
  const embargo = await measureEmbargo({ items: Math.max(50, EMBARGO_ITEMS) });
  const storage = await measureStorage(cloudData);

  console.log(row(['function', 'bundle bytes', 'cold init ms', 'cold ratio', 'over reference']));
  for (const f of cold.functions) {
    console.log(
      row([f.name, bundles[f.name]!, round(f.medianMs, 1), round(f.ratio, 3), round(f.overReference, 3)]),
    );
  }
  console.log(row(['hello-world (baseline)', '-', round(cold.helloMedianMs, 1), 1]));
  console.log(
    row([
      'reference: bare DynamoDBClient',
      '-',
      round(cold.sdkFloor.medianMs, 1),
      round(cold.sdkFloor.ratio, 3),
    ]),
  );
  console.log('');
  console.log(row(['submit warm p50 ms', round(submit.submitP50Ms, 2)]));
  console.log(row(['bare PutItem p50 ms', round(submit.putP50Ms, 2)]));
  console.log(row(['submitWarmP50Ratio', round(submit.ratio, 3)]));
  console.log('');
  console.log(row(['local cloud: concurrency', 'API items/s', 'PutItem/s', 'ratio']));
  for (const p of cloud.perConcurrency) {
    console.log(
      row([`  ${p.concurrency}`, round(p.apiPerSecond, 1), round(p.rawPerSecond, 1), round(p.ratio, 3)]),
    );
  }
  console.log(row(['localPipelineRatio (lowest)', round(cloud.localPipelineRatio, 3)]));
  console.log(row(['submit p50 / p99 ms', round(cloud.submitP50Ms, 1), round(cloud.submitP99Ms, 1)]));
  console.log(
    row(['accept->delivered p50 / p99 ms', round(cloud.deliverP50Ms, 1), round(cloud.deliverP99Ms, 1)]),
  );
  console.log(row(['delivered / accepted', `${cloud.delivered}/${cloud.accepted}`]));
  console.log(row(['start to ready s', round(cloud.startSeconds, 2)]));
  console.log(row(['peak RSS MB (node + JVM)', round(cloud.peakRssMb, 0)]));
  console.log('');
  console.log(
    row([
      'webhook submit->verified p50 / p99 ms',
      round(subscribers.webhookDeliverP50Ms, 1),
      round(subscribers.webhookDeliverP99Ms, 1),
    ]),
  );
  console.log(
    row([
      `webhook paced (4 x ${1000 / WEBHOOK_PACE_MS}/s) p50 / p99 ms, CPU busy`,
      round(subscribersPaced.webhookDeliverP50Ms, 1),
      round(subscribersPaced.webhookDeliverP99Ms, 1),
      subscribersPaced.cpuBusy === null ? 'n/a' : round(subscribersPaced.cpuBusy, 2),
    ]),
  );
  console.log(
    row([
      'idle webhook submit->verified ms',
      round(subscribers.idleWebhookMs, 1),
      subscribers.idleWebhookSamplesMs.map((ms) => round(ms, 0)).join(' '),
    ]),
  );
  console.log(
    row([
      'verified webhooks / accepted',
      `${subscribers.verifiedDeliveries}/${subscribers.accepted}`,
      `unverified ${subscribers.unverified}`,
    ]),
  );
  console.log(
    row([
      'translateCallsPerVersion',
      round(subscribers.translateCallsPerVersion, 3),
      `${subscribers.translateCalls} calls / ${subscribers.accepted} versions`,
    ]),
  );
  console.log('');
  console.log(
    row([
      'partner B submit p99 alone / flood ms',
      round(fairness.aloneP99Ms, 1),
      round(fairness.floodP99Ms, 1),
    ]),
  );
  console.log(
    row([
      'fairnessP99Ratio (median round; rounds)',
      round(fairness.fairnessP99Ratio, 3),
      fairness.rounds.map((r) => round(r.fairnessP99Ratio, 3)).join(' '),
    ]),
  );
  console.log(
    row([
      'floor: B p99 while unauthenticated requests flood, ms / ratio',
      round(fairness.floorP99Ms, 1),
      round(fairness.fairnessFloorP99Ratio, 3),
    ]),
  );
  console.log(
    row([
      'flood: requests / 429 / B refused',
      fairness.floodRequests,
      fairness.floodRateLimited,
      fairness.bystanderRefused,
    ]),
  );
  console.log(row(['feed lag p50 / p99 ms', round(feed.feedLagP50Ms, 1), round(feed.feedLagP99Ms, 1)]));
  console.log(
    row([
      `feed lag paced (4 x ${1000 / FEED_PACE_MS}/s) p50 / p99 ms`,
      round(feedPaced.feedLagP50Ms, 1),
      round(feedPaced.feedLagP99Ms, 1),
    ]),
  );
  console.log(
    row([
      'feed missed / duplicates',
      `${feed.feedMissed} / ${feed.feedDuplicates}`,
      `of ${feed.changes} changes`,
    ]),
  );
  console.log(
    row([
      'release lag p50 / p99 / max ms',
      round(embargo.releaseLagP50Ms, 1),
      round(embargo.releaseLagP99Ms, 1),
      round(embargo.releaseLagMaxMs, 1),
    ]),
  );
  console.log(
    row([
      'release p99 ms: to the write / write to the bus',
      round(embargo.releaseWrittenP99Ms, 1),
      round(embargo.releasePublishP99Ms, 1),
      `DynamoDB Local query p50 ${round(embargo.burstQueryP50Ms, 1)} ms`,
    ]),
  );
  console.log(
    row([
      'early / missed / duplicate releases',
      `${embargo.earlyReleases} / ${embargo.releaseMissed} / ${embargo.releaseDuplicates}`,
      `of ${embargo.items} due at one second`,
    ]),
  );
  console.log(
    row([
      'PutItem ms: disk / tmpfs / memory (clouds on)',
      round(storage.diskPutItemMs, 2),
      storage.tmpfsPutItemMs === null ? '-' : round(storage.tmpfsPutItemMs, 2),
      round(storage.memoryPutItemMs, 2),
      storage.cloudData,
    ]),
  );
  const misses = [
    ...Object.entries(bundles)
      .filter(([, b]) => b > TARGETS.bundleBytes)
      .map(([n, b]) => `bundle ${n} ${b} B > ${TARGETS.bundleBytes}`),
    ...Object.entries(coldInitRatio)
      .filter(([, r]) => r > TARGETS.coldInitRatio)
      .map(([n, r]) => `coldInitRatio ${n} ${r} > ${TARGETS.coldInitRatio}`),
    ...Object.entries(coldInitOverReference)
      .filter(([, r]) => r > TARGETS.coldInitOverReference)
      .map(([n, r]) => `coldInitOverReference ${n} ${r} > ${TARGETS.coldInitOverReference}`),
    ...(submit.ratio > TARGETS.submitWarmP50Ratio
      ? [`submitWarmP50Ratio ${round(submit.ratio, 3)} > ${TARGETS.submitWarmP50Ratio}`]
      : []),
    ...(cloud.localPipelineRatio < TARGETS.localPipelineRatio
      ? [`localPipelineRatio ${round(cloud.localPipelineRatio, 3)} < ${TARGETS.localPipelineRatio}`]
      : []),
    ...(cloud.startSeconds > TARGETS.startSeconds
      ? [`startSeconds ${round(cloud.startSeconds, 2)} > ${TARGETS.startSeconds}`]
      : []),
    ...(cloud.deliverP99Ms > TARGETS.deliverP99Ms
      ? [`deliverP99Ms ${round(cloud.deliverP99Ms, 1)} > ${TARGETS.deliverP99Ms}`]
      : []),
    ...(subscribers.webhookDeliverP99Ms > TARGETS.webhookDeliverP99Ms
      ? [`webhookDeliverP99Ms ${round(subscribers.webhookDeliverP99Ms, 1)} > ${TARGETS.webhookDeliverP99Ms}`]
      : []),
    ...(subscribers.idleWebhookMs > TARGETS.idleWebhookMs
      ? [`idleWebhookMs ${round(subscribers.idleWebhookMs, 1)} > ${TARGETS.idleWebhookMs}`]
      : []),
    ...(fairness.fairnessP99Ratio > TARGETS.fairnessP99Ratio
      ? [`fairnessP99Ratio ${round(fairness.fairnessP99Ratio, 3)} > ${TARGETS.fairnessP99Ratio}`]
      : []),
    ...(fairness.bystanderRefused > 0
      ? [`fairness: partner B refused ${fairness.bystanderRefused} times`]
      : []),
    ...(feed.feedLagP99Ms > TARGETS.feedLagP99Ms
      ? [`feedLagP99Ms ${round(feed.feedLagP99Ms, 1)} > ${TARGETS.feedLagP99Ms}`]
      : []),
    ...(feed.feedMissed !== 0 ? [`feedMissed ${feed.feedMissed} != 0`] : []),
    ...(feed.feedDuplicates !== 0 ? [`feedDuplicates ${feed.feedDuplicates} != 0`] : []),
    ...(embargo.releaseLagP99Ms > TARGETS.releaseLagP99Ms
      ? [`releaseLagP99Ms ${round(embargo.releaseLagP99Ms, 1)} > ${TARGETS.releaseLagP99Ms}`]
      : []),
    ...(embargo.earlyReleases !== 0 ? [`earlyReleases ${embargo.earlyReleases} != 0`] : []),
    ...(embargo.releaseMissed !== 0 ? [`releaseMissed ${embargo.releaseMissed} != 0`] : []),
    ...(embargo.releaseDuplicates !== 0 ? [`releaseDuplicates ${embargo.releaseDuplicates} != 0`] : []),
    ...(subscribers.translateCallsPerVersion !== 1
      ? [`translateCallsPerVersion ${round(subscribers.translateCallsPerVersion, 3)} != 1.0`]
      : []),
  ];
  console.log(misses.length === 0 ? '\nall targets met' : `\ntargets missed:\n  ${misses.join('\n  ')}`);
  console.log(
    JSON.stringify({
      bundles,
      coldInitRatio,
      coldInitOverReference,
      submitWarmP50Ratio: round(submit.ratio, 3),
      localPipelineRatio: round(cloud.localPipelineRatio, 3),
      submitP99Ms: round(cloud.submitP99Ms, 1),
      deliverP99Ms: round(cloud.deliverP99Ms, 1),
      // Context for the latencies (not targets): how slow this machine was during the run.
      ...machineFigures(cloud),
      // Where the clouds kept their data, and a PutItem's cost on disk and on tmpfs (bench/storage.ts).
      cloudData: storage.cloudData,
      diskPutItemMs: round(storage.diskPutItemMs, 2),
      tmpfsPutItemMs: storage.tmpfsPutItemMs === null ? null : round(storage.tmpfsPutItemMs, 2),
      memoryPutItemMs: round(storage.memoryPutItemMs, 2),
      startSeconds: round(cloud.startSeconds, 2),
      webhookDeliverP99Ms: round(subscribers.webhookDeliverP99Ms, 1),
      webhookCpuBusy: subscribers.cpuBusy === null ? null : round(subscribers.cpuBusy, 2),
      webhookDeliverPacedP99Ms: round(subscribersPaced.webhookDeliverP99Ms, 1),
      webhookPacedCpuBusy: subscribersPaced.cpuBusy === null ? null : round(subscribersPaced.cpuBusy, 2),
      idleWebhookMs: round(subscribers.idleWebhookMs, 1),
      translateCallsPerVersion: round(subscribers.translateCallsPerVersion, 3),
      fairnessP99Ratio: round(fairness.fairnessP99Ratio, 3),
      fairnessFloorP99Ratio: round(fairness.fairnessFloorP99Ratio, 3),
      fairnessP99Ratios: fairness.rounds.map((r) => round(r.fairnessP99Ratio, 3)),
      fairnessFloorP99Ratios: fairness.rounds.map((r) => round(r.fairnessFloorP99Ratio, 3)),
      feedLagP99Ms: round(feed.feedLagP99Ms, 1),
      feedLagPacedP99Ms: round(feedPaced.feedLagP99Ms, 1),
      feedCpuBusy: feed.cpuBusy === null ? null : round(feed.cpuBusy, 2),
      feedPacedCpuBusy: feedPaced.cpuBusy === null ? null : round(feedPaced.cpuBusy, 2),
      feedMissed: feed.feedMissed + feedPaced.feedMissed,
      feedDuplicates: feed.feedDuplicates + feedPaced.feedDuplicates,
      releaseLagP99Ms: round(embargo.releaseLagP99Ms, 1),
      earlyReleases: embargo.earlyReleases,
    }),
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
