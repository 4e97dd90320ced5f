/**
 * Holding and releasing (issue 8) in the domain: which versions are held (ninjs `embargoed` and
 * `pubstatus`), what submitting a held item publishes, the release (never early, exactly once, by
 * schedule or sweep) and the release schedule. Corrections of held items: held-corrections.test.ts.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { acceptanceOf, instantOf, releaseViewOf } from '#shared/domain/embargo.ts';
import { embargoedEventIdOf, eventIdOf } from '#shared/domain/events.ts';
import {
  article,
  correct,
  internalEvents,
  iso,
  publicEvents,
  releases,
  resetHeldItems,
  store,
  submit,
  T0,
} from './support/held-items';

let now: number;

beforeEach(() => {
  now = T0;
  resetHeldItems(
    () => new Date(now),
    async (ms) => {
      now += ms;
    },
  );
});

describe('acceptanceOf (ninjs embargoed and pubstatus)', () => {
  const at = new Date(T0);
  it('holds a version whose embargo is in the future, until that instant (normalised to UTC)', () => {
    expect(acceptanceOf(article({ embargoed: '2030-01-01T12:30:00+03:00' }), at, false)).toEqual({
      hold: { kind: 'embargo', until: '2030-01-01T09:30:00.000Z' },
      warnings: [],
    });
  });
  it.each([
    ['in the past', '2029-12-31T23:59:59Z'],
    ['exactly now', '2030-01-01T09:00:00Z'],
  ])('does not hold a version whose embargo is %s, and warns', (_, embargoed) => {
    const { hold, warnings } = acceptanceOf(article({ embargoed }), at, false);
    expect(hold).toBeUndefined();
    expect(warnings).toEqual([expect.objectContaining({ pointer: '/embargoed', code: 'embargo-passed' })]);
  });
  it('does not hold a version without embargoed', () => {
    expect(acceptanceOf(article(), at, false)).toEqual({ warnings: [] });
  });
  it('holds a withheld item that was never public, with no release time (even with an embargo)', () => {
    expect(acceptanceOf(article({ pubstatus: 'withheld' }), at, false).hold).toEqual({ kind: 'withheld' });
    expect(
      acceptanceOf(article({ pubstatus: 'withheld', embargoed: '2030-06-01T00:00:00Z' }), at, false).hold,
    ).toEqual({ kind: 'withheld' });
  });
  it('does not hold a withheld correction of a public item (a public "stop using" notice), but holds an embargoed one', () => {
    expect(acceptanceOf(article({ pubstatus: 'withheld' }), at, true).hold).toBeUndefined();
    expect(acceptanceOf(article({ embargoed: '2030-06-01T00:00:00Z' }), at, true).hold).toEqual({
      kind: 'embargo',
      until: '2030-06-01T00:00:00.000Z',
    });
  });
  it('never holds a retraction', () => {
    expect(
      acceptanceOf(article({ pubstatus: 'canceled', embargoed: '2031-01-01T00:00:00Z' }), at, false),
    ).toEqual({ warnings: [] });
  });
  it('reads a leap second as the next minute', () => {
    expect(instantOf('2030-06-30T23:59:60Z')?.toISOString()).toBe('2030-07-01T00:00:00.000Z');
  });
});

describe('submitting held items', () => {
  it('holds an item whose embargo is in the future: an internal event only, owner sees "held"', async () => {
    const { version } = await submit(article({ embargoed: iso(T0 + 60_000) }));
    expect(version.hold).toEqual({ kind: 'embargo', until: iso(T0 + 60_000) });
    expect(publicEvents()).toEqual([]);
    expect(internalEvents()).toEqual([
      expect.objectContaining({
        detailType: 'NewsItemEmbargoed',
        eventId: embargoedEventIdOf(version.itemId, 1),
      }),
    ]);
    expect(releaseViewOf(version, true)).toEqual({
      state: 'held',
      hold: 'embargo',
      releaseAt: iso(T0 + 60_000),
    });
  });

  it('publishes at once, with a warning, an item whose embargo already passed', async () => {
    const { version, warnings } = await submit(article({ embargoed: iso(T0 - 1) }));
    expect(warnings.map((w) => w.code)).toEqual(['embargo-passed']);
    expect(publicEvents()).toEqual([
      {
        source: 'diplowire.items',
        detailType: 'NewsItemPublished',
        version: 1,
        eventId: eventIdOf(version.itemId, 1),
        releasedAt: iso(T0),
      },
    ]);
  });

  it('never publishes a withheld item, and neither schedule nor sweep releases it', async () => {
    const { version } = await submit(article({ pubstatus: 'withheld' }));
    now += 365 * 86_400_000;
    expect(await releases.releaseItem(version.itemId)).toBe('not-held');
    expect(await releases.sweep()).toEqual({ due: 0, released: 0 });
    expect(publicEvents()).toEqual([]);
  });
});

describe('release', () => {
  it('never releases before the embargo time, then exactly once, as NewsItemPublished with releasedAt', async () => {
    const { version } = await submit(article({ embargoed: iso(T0 + 60_000) }));
    now = T0 + 59_999;
    expect(await releases.releaseItem(version.itemId)).toBe('not-due');
    expect(await releases.sweep()).toEqual({ due: 0, released: 0 });
    expect(publicEvents()).toEqual([]);

    now = T0 + 60_250;
    expect(await releases.releaseItem(version.itemId)).toBe('released');
    expect(await releases.releaseItem(version.itemId)).toBe('not-held');
    expect(await releases.sweep()).toEqual({ due: 0, released: 0 });
    expect(publicEvents()).toEqual([
      {
        source: 'diplowire.items',
        detailType: 'NewsItemPublished',
        version: 1,
        eventId: eventIdOf(version.itemId, 1),
        releasedAt: iso(T0 + 60_250),
      },
    ]);
    const head = await store.getHead(version.itemId);
    expect(releaseViewOf({ ...head!, receivedAt: head!.updatedAt }, true)).toEqual({
      state: 'released',
      hold: 'embargo',
      releaseAt: iso(T0 + 60_000),
      releasedAt: iso(T0 + 60_250),
    });
  });

  it('waits for the embargo time when triggered early within the allowed wait, and not beyond it', async () => {
    const { version } = await submit(article({ embargoed: iso(T0 + 30_000) }));
    expect(await releases.releaseItem(version.itemId, 10_000)).toBe('not-due');
    expect(now).toBe(T0);
    expect(await releases.releaseItem(version.itemId, 60_000)).toBe('released');
    expect(publicEvents()[0]?.releasedAt).toBe(iso(T0 + 30_000));
  });

  it('the sweeper releases what is overdue, earliest first, and nothing early', async () => {
    const a = await submit(article({ uri: 'urn:a', embargoed: iso(T0 + 2_000) }));
    const b = await submit(article({ uri: 'urn:b', embargoed: iso(T0 + 1_000) }));
    await submit(article({ uri: 'urn:c', embargoed: iso(T0 + 9_000) }));
    now = T0 + 5_000;
    expect(await releases.sweep()).toEqual({ due: 2, released: 2 });
    expect(publicEvents().map((e) => e.eventId)).toEqual([
      eventIdOf(b.version.itemId, 1),
      eventIdOf(a.version.itemId, 1),
    ]);
  });

  it('of a schedule, the sweeper and a repeated trigger, exactly one releases', async () => {
    const { version } = await submit(article({ embargoed: iso(T0 + 1_000) }));
    now = T0 + 1_000;
    const outcomes = await Promise.all([
      releases.releaseItem(version.itemId),
      releases.sweep(),
      releases.releaseItem(version.itemId),
    ]);
    expect(
      outcomes.filter((o) => o === 'released').length + (outcomes[1] as { released: number }).released,
    ).toBe(1);
    expect(publicEvents()).toHaveLength(1);
  });
});

describe('release schedules', () => {
  it("one schedule per item, set so that Scheduler's minute never makes it late (the releaser waits for the time)", async () => {
    const { atExpressionOf, MAX_TRIGGER_LEAD_MS, releaseScheduleName, scheduledReleaseOf } = await import(
      '#shared/domain/release-schedule.ts'
    );
    const longBefore = Date.UTC(2029, 0, 1);
    // The minute before the embargo's minute: it fires within it, 0 to 120 s before the time.
    expect(atExpressionOf('2030-01-01T09:00:00.750Z', longBefore)).toBe('at(2030-01-01T08:59:00)');
    expect(atExpressionOf('2030-01-01T09:00:59.999Z', longBefore)).toBe('at(2030-01-01T08:59:00)');
    expect(atExpressionOf('2030-01-01T09:01:00.000Z', longBefore)).toBe('at(2030-01-01T09:00:00)');
    // Any embargo time, any minute: the whole firing minute ends by the embargo time, and starts
    // at most MAX_TRIGGER_LEAD_MS before it.
    for (let ms = 0; ms < 180_000; ms += 7_321) {
      const until = Date.UTC(2030, 0, 1, 9) + ms;
      const at = Date.parse(`${atExpressionOf(new Date(until).toISOString(), longBefore).slice(3, -1)}Z`);
      expect(at + 60_000).toBeLessThanOrEqual(until + 1);
      expect(until - at).toBeLessThanOrEqual(MAX_TRIGGER_LEAD_MS);
    }
    // Never in the past: an embargo closer than that gets the first whole second 2 s from now.
    const now = Date.parse('2030-01-01T08:59:30.400Z');
    expect(atExpressionOf('2030-01-01T09:00:10.000Z', now)).toBe('at(2030-01-01T08:59:33)');
    expect(atExpressionOf('2030-01-01T08:59:31.000Z', now)).toBe('at(2030-01-01T08:59:33)');
    expect(releaseScheduleName('itm_X')).toBe('release-itm_X');
    const { version } = await submit(article({ embargoed: iso(T0 + 5_000) }));
    expect(scheduledReleaseOf(await store.getHead(version.itemId))).toBe(iso(T0 + 5_000));
    await correct(version.itemId, 1, article());
    expect(scheduledReleaseOf(await store.getHead(version.itemId))).toBeUndefined();
    expect(scheduledReleaseOf(undefined)).toBeUndefined();
  });
});
