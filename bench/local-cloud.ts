/**
 * The local cloud under load: items accepted per second through the real HTTP API, compared with raw
 * DynamoDB Local PutItem per second at the same concurrency (same run, same DynamoDB Local); submit
 * and accept-to-delivered latency (delivered = the event reached a subscriber target: the e2e tap
 * queue); the time from process start to `ready`; and the peak RSS of the cloud (Node + JVM).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { e2eNames } from '#tests/e2e/support/e2e-stack.ts';
import { type RunningCloud, startCloud } from '#tests/e2e/support/local-cloud.ts';
import { synthesize } from '#tests/e2e/support/synth.ts';
import { percentile, seedItem } from './support';

/** Items per interleaved round of API submits and raw PutItems. */
const ROUND = 25;

export interface LocalCloudFigures {
  startSeconds: number;
  peakRssMb: number;
  perConcurrency: { concurrency: number; apiPerSecond: number; rawPerSecond: number; ratio: number }[];
  localPipelineRatio: number;
  submitP50Ms: number;
  submitP99Ms: number;
  deliverP50Ms: number;
  deliverP99Ms: number;
  delivered: number;
  accepted: number;
}

const WARM_UP_ITEMS = 20;

/** Submits `items` items, `concurrency` at a time (unmeasured), then waits until the pipeline is quiet. */
async function warmUp(endpoints: RunningCloud['endpoints'], items: number, concurrency = 1): Promise<void> {
  await runPool(items, concurrency, async () => {
    const response = await fetch(`${endpoints.api}/v1/items`, {
      method: 'POST',
      headers: { authorization: `Bearer ${endpoints.demoApiKey}`, 'content-type': 'application/json' },
      body: seedItem(`urn:bench:warm-up:${randomUUID()}`),
    });
    if (response.status !== 201) throw new Error(`warm-up submit answered ${response.status}`);
    await response.text();
  });
  await untilQuiet(endpoints);
}

/** Waits until no event has been put on any bus for four polls in a row (two seconds). */
async function untilQuiet(endpoints: RunningCloud['endpoints']): Promise<void> {
  let last = -1;
  for (let quietPolls = 0; quietPolls < 4; ) {
    await new Promise((r) => setTimeout(r, 500));
    const log = (await (await fetch(`${endpoints.eventbridge}/_local/events`)).json()) as {
      buses: Record<string, unknown[]>;
    };
    const count = Object.values(log.buses).reduce((n, events) => n + events.length, 0);
    quietPolls = count === last ? quietPolls + 1 : 0;
    last = count;
  }
}

/** Runs `jobs` with at most `concurrency` in flight; returns the wall time in ms. */
async function runPool(
  count: number,
  concurrency: number,
  job: (i: number) => Promise<void>,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await job(next++);
    }),
  );
  return performance.now() - started;
}

/** Sums VmRSS of the given pids (Linux /proc); 0 for a pid that is gone. */
function rssMb(pids: number[]): number {
  let kb = 0;
  for (const pid of pids) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      kb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    } catch {
      // process gone
    }
  }
  return kb / 1024;
}

export async function measureLocalCloud(options: {
  items: number;
  concurrencies: number[];
}): Promise<LocalCloudFigures> {
  const cdkOut = await synthesize();
  const dataDir = mkdtempSync(join(tmpdir(), 'diplowire-bench-cloud-'));
  const started = performance.now();
  const cloud: RunningCloud = await startCloud({ dataDir, cdkOut, fresh: true });
  const startSeconds = (performance.now() - started) / 1000;
  let peakRssMb = 0;
  const pids = () => {
    const ddbPid = Number(readFileSync(join(dataDir, 'dynamodb.pid'), 'utf8'));
    return [cloud.process.pid ?? 0, ddbPid];
  };
  const sampler = setInterval(() => {
    peakRssMb = Math.max(peakRssMb, rssMb(pids()));
  }, 200);
  try {
    const { endpoints } = cloud;
    const raw = new DynamoDBClient({
      endpoint: endpoints.dynamodb,
      region: endpoints.region,
      credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    });
    const acceptedAt = new Map<string, number>();
    const submitMs: number[] = [];
    const perConcurrency: LocalCloudFigures['perConcurrency'] = [];
    // Warm up like the in-process bench does: cold starts of the API functions and of every
    // subscriber the first events reach would otherwise be charged to the first concurrency level.
    await warmUp(endpoints, WARM_UP_ITEMS);
    for (const concurrency of options.concurrencies) {
      // Each level starts warm and quiet, like the first: one unmeasured round at this concurrency
      // scales the functions out (their cold starts are what coldInitRatio measures), and the
      // previous level's backlog is drained so it is not charged to this one. Within the measured
      // rounds the pipeline runs in full behind every accepted item.
      await warmUp(endpoints, ROUND, concurrency);
      const run = randomUUID().slice(0, 8);
      const submit = async (i: number) => {
        const t = performance.now();
        const response = await fetch(`${endpoints.api}/v1/items`, {
          method: 'POST',
          headers: { authorization: `Bearer ${endpoints.demoApiKey}`, 'content-type': 'application/json' },
          body: seedItem(`urn:bench:${run}:${i}`),
        });
        const body = (await response.json()) as { id?: string };
        if (response.status !== 201 || !body.id) throw new Error(`submit answered ${response.status}`);
        submitMs.push(performance.now() - t);
        acceptedAt.set(body.id, Date.now());
      };
      const put = async (i: number) => {
        await raw.send(
          new PutItemCommand({
            TableName: endpoints.itemsTable,
            Item: {
              PK: { S: `BENCH#${run}#${i}` },
              SK: { S: 'RAW' },
              document: { S: seedItem(`urn:raw:${run}:${i}`) },
            },
          }),
        );
      };
      // The raw side is warmed the same way (connections opened at this concurrency).
      await runPool(ROUND, concurrency, (i) => put(options.items + i));
      // Interleaved rounds: the outbox, translator and webhooks keep DynamoDB Local busy after each
      // API round, and the PutItem rounds run under that same background load.
      let apiMs = 0;
      let rawMs = 0;
      for (let offset = 0; offset < options.items; offset += ROUND) {
        const size = Math.min(ROUND, options.items - offset);
        apiMs += await runPool(size, concurrency, (i) => submit(offset + i));
        rawMs += await runPool(size, concurrency, (i) => put(offset + i));
      }
      const apiPerSecond = (options.items / apiMs) * 1000;
      const rawPerSecond = (options.items / rawMs) * 1000;
      perConcurrency.push({ concurrency, apiPerSecond, rawPerSecond, ratio: apiPerSecond / rawPerSecond });
    }
    raw.destroy();

    // Delivered = the tap queue (a rule target on the bus) holds the item's NewsItemPublished event.
    const tap = e2eNames('dev').tapQueue;
    const deliverMs: number[] = [];
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const queue = (await (await fetch(`${endpoints.sqs}/_local/queues/${tap}`)).json()) as {
        messages: { body: string; sentTimestamp: number }[];
      };
      deliverMs.length = 0;
      for (const message of queue.messages) {
        const event = JSON.parse(message.body) as { 'detail-type': string; detail: { itemId: string } };
        const accepted = acceptedAt.get(event.detail.itemId);
        if (event['detail-type'] === 'NewsItemPublished' && accepted !== undefined) {
          deliverMs.push(Math.max(0, message.sentTimestamp - accepted));
        }
      }
      if (deliverMs.length >= acceptedAt.size) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    return {
      startSeconds,
      peakRssMb,
      perConcurrency,
      localPipelineRatio: Math.min(...perConcurrency.map((p) => p.ratio)),
      submitP50Ms: percentile(submitMs, 50),
      submitP99Ms: percentile(submitMs, 99),
      deliverP50Ms: percentile(deliverMs, 50),
      deliverP99Ms: percentile(deliverMs, 99),
      delivered: deliverMs.length,
      accepted: acceptedAt.size,
    };
  } finally {
    clearInterval(sampler);
    await cloud.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
