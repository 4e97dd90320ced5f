import { beforeEach, describe, expect, it } from 'vitest';
import { acceptanceOf, instantOf, releaseViewOf } from '#shared/domain/embargo.ts';
import { PreconditionFailedError } from '#shared/domain/errors.ts';
import { embargoedEventIdOf, eventIdOf, toNewsItemEvent, toReleaseEvent } from '#shared/domain/events.ts';
import { contentHashOf } from '#shared/domain/ingest/canonical-json.ts';
import type { ItemVersion, NinjsDocument, PreparedItem } from '#shared/domain/item.ts';
import { ItemsService } from '#shared/domain/items-service.ts';
import { ReleaseService } from '#shared/domain/release-service.ts';
import { InMemoryItemStore } from '../../support/in-memory-item-store';

const T0 = Date.UTC(2030, 0, 1, 9, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const A = { partnerId: 'ptn_A' };

function article(overrides: Partial<NinjsDocument> = {}): NinjsDocument {
  return {
    uri: 'urn:ministry:statement:1',
    language: 'ar',
    headlines: [{ value: 'بيان وزارة الخارجية' }],
    bodies: [{ value: 'نص البيان' }],
    ...overrides,
  };
}
const prepare = (document: NinjsDocument): PreparedItem => ({
  document,
  contentHash: contentHashOf(document),
  warnings: [],
});

let now: number;
let store: InMemoryItemStore;
let items: ItemsService;
let releases: ReleaseService;
/** The outbox as the stream would carry it: every accepted version, then every release. */
let outbox: { source: string; detailType: string; version: number; eventId: string; releasedAt?: string }[];

function record(event: ReturnType<typeof toNewsItemEvent>) {
  const { releasedAt } = event.detail as { releasedAt?: string };
  outbox.push({
    source: event.source,
    detailType: event.detailType,
    version: event.detail.version,
    eventId: event.detail.eventId,
    ...(releasedAt === undefined ? {} : { releasedAt }),
  });
}
const publicEvents = () => outbox.filter((e) => e.source === 'diplowire.items');
const internalEvents = () => outbox.filter((e) => e.source === 'diplowire.items.embargoed');

async function submit(doc: NinjsDocument) {
  const result = await items.submit(A, prepare(doc));
  if (result.outcome === 'created') record(toNewsItemEvent(result.version));
  return result;
}
async function correct(itemId: string, ifMatch: number, doc: NinjsDocument) {
  const result = await items.correct(A, itemId, ifMatch, prepare(doc));
  if (result.outcome === 'corrected') record(toNewsItemEvent(result.version));
  return result;
}
async function retract(itemId: string, ifMatch: number) {
  const result = await items.retract(A, itemId, ifMatch);
  if (result.outcome === 'retracted') record(toNewsItemEvent(result.version));
  return result;
}
/** Wraps store.release so each successful release lands in the outbox (its stream MODIFY). */
function recordReleases(target: InMemoryItemStore) {
  const release = target.release.bind(target);
  target.release = async (itemId, version, releasedAt) => {
    const done = await release(itemId, version, releasedAt);
    if (done) record(toReleaseEvent((await target.getVersion(itemId, version)) as ItemVersion, releasedAt));
    return done;
  };
}

beforeEach(() => {
  now = T0;
  outbox = [];
  store = new InMemoryItemStore();
  recordReleases(store);
  const clock = () => new Date(now);
  items = new ItemsService({ store, clock });
  releases = new ReleaseService({
    store,
    clock,
    sleep: async (ms) => {
      now += ms;
    },
  });
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

describe('PUT transitions while held', () => {
  async function held(untilMs = T0 + 60_000) {
    const doc = article({ embargoed: iso(untilMs) });
    const { version } = await submit(doc);
    return { itemId: version.itemId, doc };
  }

  it('moves the embargo later: the old time releases nothing, the new one releases the new version', async () => {
    const { itemId } = await held();
    const { version } = await correct(itemId, 1, article({ embargoed: iso(T0 + 120_000) }));
    expect(version.hold).toEqual({ kind: 'embargo', until: iso(T0 + 120_000) });
    now = T0 + 60_000;
    expect(await releases.releaseItem(itemId)).toBe('not-due');
    expect(await releases.sweep()).toEqual({ due: 0, released: 0 });
    now = T0 + 120_000;
    expect(await releases.releaseItem(itemId)).toBe('released');
    expect(publicEvents()).toEqual([
      expect.objectContaining({ detailType: 'NewsItemPublished', version: 2 }),
    ]);
    const [v1] = await store.listVersions(itemId);
    expect(releaseViewOf(v1!, false).state).toBe('superseded');
  });

  it('moves the embargo earlier (still future): released at the earlier time', async () => {
    const { itemId } = await held(T0 + 120_000);
    await correct(itemId, 1, article({ embargoed: iso(T0 + 30_000) }));
    now = T0 + 30_000;
    expect(await releases.releaseItem(itemId)).toBe('released');
    expect(publicEvents()).toEqual([
      expect.objectContaining({ detailType: 'NewsItemPublished', version: 2 }),
    ]);
  });

  it('moves the embargo into the past: public at once, with a warning', async () => {
    const { itemId } = await held();
    const { version, warnings } = await correct(itemId, 1, article({ embargoed: iso(T0 - 60_000) }));
    expect(version.hold).toBeUndefined();
    expect(warnings.map((w) => w.code)).toEqual(['embargo-passed']);
    expect(publicEvents()).toEqual([
      expect.objectContaining({ detailType: 'NewsItemPublished', version: 2 }),
    ]);
  });

  it('lifts the embargo (embargoed removed): NewsItemPublished now, and the schedule releases nothing', async () => {
    const { itemId } = await held();
    await correct(itemId, 1, article());
    expect(publicEvents()).toEqual([
      expect.objectContaining({ detailType: 'NewsItemPublished', version: 2, eventId: eventIdOf(itemId, 2) }),
    ]);
    now = T0 + 60_000;
    expect(await releases.releaseItem(itemId)).toBe('not-held');
    expect(await releases.sweep()).toEqual({ due: 0, released: 0 });
    expect(publicEvents()).toHaveLength(1);
  });

  it('corrects held content: the release publishes the latest version only', async () => {
    const { itemId, doc } = await held();
    await correct(itemId, 1, { ...doc, bodies: [{ value: 'نص مصحح' }] });
    expect(publicEvents()).toEqual([]);
    now = T0 + 60_000;
    await releases.sweep();
    expect(publicEvents()).toEqual([
      expect.objectContaining({ detailType: 'NewsItemPublished', version: 2 }),
    ]);
  });

  it('retracts a held item: nothing is ever public (an internal event only), and nothing is released', async () => {
    const { itemId } = await held();
    const { version } = await retract(itemId, 1);
    expect(version.pubstatus).toBe('canceled');
    expect(releaseViewOf(version, true)).toEqual({ state: 'withdrawn' });
    now = T0 + 3_600_000;
    expect(await releases.releaseItem(itemId)).toBe('not-held');
    expect(await releases.sweep()).toEqual({ due: 0, released: 0 });
    expect(publicEvents()).toEqual([]);
    expect(internalEvents().map((e) => e.version)).toEqual([1, 2]);
  });

  it('makes a withheld item usable: NewsItemPublished (its first public version)', async () => {
    const { version } = await submit(article({ pubstatus: 'withheld' }));
    await correct(version.itemId, 1, article({ pubstatus: 'usable' }));
    expect(publicEvents()).toEqual([
      expect.objectContaining({ detailType: 'NewsItemPublished', version: 2 }),
    ]);
  });

  it('makes a withheld item usable under a future embargo: held until then', async () => {
    const { version } = await submit(article({ pubstatus: 'withheld' }));
    await correct(version.itemId, 1, article({ embargoed: iso(T0 + 10_000) }));
    expect(publicEvents()).toEqual([]);
    now = T0 + 10_000;
    await releases.sweep();
    expect(publicEvents()).toEqual([
      expect.objectContaining({ detailType: 'NewsItemPublished', version: 2 }),
    ]);
  });
});

describe('after a version was public', () => {
  it('an embargoed correction is held, then released as NewsItemCorrected', async () => {
    const { version } = await submit(article());
    await correct(version.itemId, 1, article({ embargoed: iso(T0 + 5_000), title: 'update' }));
    expect(publicEvents().map((e) => e.detailType)).toEqual(['NewsItemPublished']);
    now = T0 + 5_000;
    expect(await releases.releaseItem(version.itemId)).toBe('released');
    expect(publicEvents().map((e) => e.detailType)).toEqual(['NewsItemPublished', 'NewsItemCorrected']);
  });

  it('after a release, a correction is NewsItemCorrected and a retraction NewsItemRetracted', async () => {
    const { version } = await submit(article({ embargoed: iso(T0 + 1_000) }));
    now = T0 + 1_000;
    await releases.releaseItem(version.itemId);
    await correct(version.itemId, 1, article({ title: 'v2' }));
    await retract(version.itemId, 2);
    expect(publicEvents().map((e) => e.detailType)).toEqual([
      'NewsItemPublished',
      'NewsItemCorrected',
      'NewsItemRetracted',
    ]);
  });

  it('a withheld correction of a public item is a public NewsItemCorrected (withheld: stop using it)', async () => {
    const { version } = await submit(article());
    await correct(version.itemId, 1, article({ pubstatus: 'withheld' }));
    expect(publicEvents().map((e) => e.detailType)).toEqual(['NewsItemPublished', 'NewsItemCorrected']);
  });
});

describe('a correction racing the release', () => {
  it('release first: the correction still succeeds (same If-Match) and becomes NewsItemCorrected', async () => {
    const { version } = await submit(article({ embargoed: iso(T0 + 1_000) }));
    now = T0 + 1_000;
    let raced = false;
    store.beforeAppend = async () => {
      if (raced) return;
      raced = true;
      expect(await releases.releaseItem(version.itemId)).toBe('released');
    };
    const { version: v2 } = await correct(version.itemId, 1, article({ title: 'late fix' }));
    expect(v2.publicBefore).toBe(true);
    expect(publicEvents().map((e) => [e.detailType, e.version])).toEqual([
      ['NewsItemPublished', 1],
      ['NewsItemCorrected', 2],
    ]);
  });

  it('correction first: the release of the superseded version fails, the new one is released', async () => {
    const { version } = await submit(article({ embargoed: iso(T0 + 1_000) }));
    await correct(version.itemId, 1, article({ embargoed: iso(T0 + 1_000), title: 'fixed' }));
    now = T0 + 1_000;
    expect(await store.release(version.itemId, 1, iso(now))).toBe(false);
    expect(await releases.releaseItem(version.itemId)).toBe('released');
    expect(publicEvents().map((e) => e.version)).toEqual([2]);
  });

  it('a competing writer of the next version still gets 412', async () => {
    const { version } = await submit(article({ embargoed: iso(T0 + 1_000) }));
    await correct(version.itemId, 1, article({ embargoed: iso(T0 + 2_000) }));
    await expect(
      items.correct(A, version.itemId, 1, prepare(article({ title: 'x' }))),
    ).rejects.toBeInstanceOf(PreconditionFailedError);
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
