/**
 * Embargo on the local cloud (issue 8) against what could make a held item public early or twice: a
 * replay of the archive (which holds no held content), and a SIGKILL of the cloud across an embargo
 * time (the release happens after the restart, once). The holds themselves: embargo-holds.test.ts.
 */
import { randomUUID } from 'node:crypto';
import {
  DescribeArchiveCommand,
  DescribeReplayCommand,
  EventBridgeClient,
  StartReplayCommand,
} from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import { resourceName } from '#infra/config.ts';
import { eventIdOf } from '#shared/domain/events.ts';
import {
  article,
  busOf,
  cdkOut,
  connect,
  consumerHooks,
  dataDir,
  endpoints,
  env,
  inMs,
  isPublicItemEvent,
  NOTHING_PUBLIC,
  ON_TIME_MS,
  owner,
  PUBLIC_SOURCE,
  publicTraces,
  STAGE,
  scheduledReleaseAt,
  submit,
  useEmbargoCloud,
  waitForPublicEvent,
  webhooksOf,
} from './support/embargo';
import { eventsOnBus, sleep, waitFor } from './support/helpers';
import { killLeftoverDynamoDb, type RunningCloud, startCloud } from './support/local-cloud';

let cloud: RunningCloud | undefined;
// The SIGKILL test replaces the cloud: the helpers follow this variable.
useEmbargoCloud({
  get: () => cloud,
  set: (started) => {
    cloud = started;
  },
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
