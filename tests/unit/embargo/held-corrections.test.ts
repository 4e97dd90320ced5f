/**
 * Corrections and retractions of held items (issue 8) in the domain: moving, lifting and correcting
 * an embargo, retracting while held, making a withheld item usable, corrections after a version was
 * public, and a correction racing the release.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { releaseViewOf } from '#shared/domain/embargo.ts';
import { PreconditionFailedError } from '#shared/domain/errors.ts';
import { eventIdOf } from '#shared/domain/events.ts';
import {
  A,
  article,
  correct,
  internalEvents,
  iso,
  items,
  prepare,
  publicEvents,
  releases,
  resetHeldItems,
  retract,
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
