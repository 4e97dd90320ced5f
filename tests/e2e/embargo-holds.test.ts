/**
 * Embargo and hold on the local cloud (issue 8), end to end over real HTTP: nothing about a held item
 * reaches a public rule, a webhook, another partner or the feed before its time; the release comes on
 * time (never before), once, with `releasedAt`; a held Arabic item is translated during the embargo and
 * its translation announced only at release; reschedules, a lift, a correction and a retraction while
 * held; a withheld item until it is made usable. The archive and a crash: embargo-replay-crash.test.ts.
 *
 * Embargo times lie a few seconds ahead. "Not before" assertions are exact (same clock); "on time"
 * ones are generous (a loaded machine).
 */
import { describe, expect, it } from 'vitest';
import { eventIdOf } from '#shared/domain/events.ts';
import { e2eNames } from './support/e2e-stack';
import {
  article,
  busOf,
  consumer,
  consumerFeed,
  consumerHooks,
  correct,
  expectNothingPublicUntil,
  HELD_SOURCE,
  inMs,
  isPublic,
  isPublicItemEvent,
  NOTHING_PUBLIC,
  ON_TIME_MS,
  owner,
  ownerHooks,
  publicTraces,
  releaseSchedule,
  STAGE,
  scheduledReleaseAt,
  submit,
  translate,
  useEmbargoCloud,
  waitForPublicEvent,
  webhooksOf,
} from './support/embargo';
import { jsonOf, sleep, waitFor } from './support/helpers';

useEmbargoCloud();

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
