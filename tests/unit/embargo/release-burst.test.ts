import { beforeEach, describe, expect, it } from 'vitest';
import { contentHashOf } from '#shared/domain/ingest/canonical-json.ts';
import type { NinjsDocument, PreparedItem } from '#shared/domain/item.ts';
import { ItemsService } from '#shared/domain/items-service.ts';
import { ReleaseService } from '#shared/domain/release-service.ts';
import { InMemoryItemStore } from '../../support/in-memory-item-store';

/**
 * A burst of embargoes ending together (a press conference): the first scheduled trigger takes the
 * burst's lease and releases every item due by then, the others release only their own item (or
 * find it released); never early, exactly once.
 */
const T = Date.UTC(2030, 0, 1, 9, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const A = { partnerId: 'ptn_A' };

let now: number;
let store: InMemoryItemStore;
let items: ItemsService;
/** Every release write: its item, version, and whether it released. */
let writes: { itemId: string; version: number; released: boolean }[];

function service() {
  return new ReleaseService({
    store,
    clock: () => new Date(now),
    sleep: async (ms) => {
      now += ms;
    },
  });
}

async function hold(n: number, untilMs: number, extra: Partial<NinjsDocument> = {}) {
  const document: NinjsDocument = {
    uri: `urn:ministry:statement:${n}`,
    language: 'ar',
    headlines: [{ value: `بيان ${n}` }],
    bodies: [{ value: 'نص البيان' }],
    embargoed: iso(untilMs),
    ...extra,
  };
  const prepared: PreparedItem = { document, contentHash: contentHashOf(document), warnings: [] };
  const result = await items.submit(A, prepared);
  return result.version.itemId;
}

const releasedAtOf = async (itemId: string) => (await store.getHead(itemId))?.releasedAt;

beforeEach(() => {
  now = T - 60_000;
  store = new InMemoryItemStore();
  items = new ItemsService({ store, clock: () => new Date(now) });
  writes = [];
  const release = store.release.bind(store);
  store.release = async (itemId, version, releasedAt) => {
    const released = await release(itemId, version, releasedAt);
    writes.push({ itemId, version, released });
    return released;
  };
});

describe('a burst of embargoes ending together', () => {
  it('the first trigger (even one that fired early) releases every item due at its time, and nothing due later', async () => {
    const burst = await Promise.all(Array.from({ length: 30 }, (_, n) => hold(n, T)));
    const overdue = await hold(100, T - 30_000);
    const oneMsLater = await hold(101, T + 1);
    const withheld = await hold(102, T, { pubstatus: 'withheld' });
    now = T - 20_000; // Scheduler may fire before the time: the trigger waits for it

    const first = await service().releaseScheduled(burst[7]!, 60_000);
    expect(first).toEqual({ outcome: 'released', alsoReleased: 30, lost: 0, failed: 0 });
    expect(now).toBe(T);
    for (const itemId of [...burst, overdue]) expect(await releasedAtOf(itemId)).toBe(iso(T));
    expect(await releasedAtOf(oneMsLater)).toBeUndefined();
    expect(await releasedAtOf(withheld)).toBeUndefined();
    expect(writes.filter((w) => !w.released)).toEqual([]);

    // The other triggers find their item released: one read each, no write.
    writes = [];
    for (const itemId of burst.filter((_, n) => n !== 7)) {
      expect(await service().releaseScheduled(itemId, 60_000)).toEqual({
        outcome: 'not-held',
        alsoReleased: 0,
        lost: 0,
        failed: 0,
      });
    }
    expect(writes).toEqual([]);

    // The item due 1 ms later: its own trigger at T waits for it (or refuses without the wait).
    expect((await service().releaseScheduled(oneMsLater, 0)).outcome).toBe('not-due');
    expect((await service().releaseScheduled(oneMsLater, 60_000)).outcome).toBe('released');
    expect(await releasedAtOf(oneMsLater)).toBe(iso(T + 1));
    expect(await releasedAtOf(withheld)).toBeUndefined();
  });

  it('concurrent triggers: one takes the lease and walks the burst, the others write only their own item', async () => {
    const burst = await Promise.all(Array.from({ length: 40 }, (_, n) => hold(n, T)));
    now = T;
    // Writes take a while and interleave, as they do on the table.
    const release = store.release.bind(store);
    store.release = async (...args) => {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
      return release(...args);
    };
    const triggers = [0, 9, 21, 33].map((n) => service().releaseScheduled(burst[n]!));
    const outcomes = await Promise.all([...triggers, service().releaseScheduled(burst[9]!)]);

    expect(outcomes.every((o) => o.failed === 0)).toBe(true);
    const released = writes.filter((w) => w.released).map((w) => w.itemId);
    expect(released.sort()).toEqual([...burst].sort());
    // Each trigger's own item counts once, the others as alsoReleased: by the lease's holder alone.
    const total = outcomes.reduce((sum, o) => sum + (o.outcome === 'released' ? 1 : 0) + o.alsoReleased, 0);
    expect(total).toBe(40);
    expect(outcomes.filter((o) => o.alsoReleased > 0)).toHaveLength(1);
    // Wasted writes: only where a trigger's own item and the walk met (at most one per other trigger).
    expect(writes.filter((w) => !w.released).length).toBeLessThanOrEqual(4);
    for (const itemId of burst) expect(await releasedAtOf(itemId)).toBe(iso(T));
  });

  it('a trigger that finds the lease held releases its own item only; after the lease lapses, a trigger walks what is left', async () => {
    const burst = await Promise.all(Array.from({ length: 10 }, (_, n) => hold(n, T)));
    now = T;
    // A holder took the lease and died before walking.
    expect(await store.claimBurst(iso(T), now, now + 30_000)).toBe(true);
    expect(await service().releaseScheduled(burst[0]!)).toEqual({
      outcome: 'released',
      alsoReleased: 0,
      lost: 0,
      failed: 0,
    });
    expect(writes).toEqual([{ itemId: burst[0], version: 1, released: true }]);
    expect(await releasedAtOf(burst[1]!)).toBeUndefined();

    // Its other triggers retry later (or the sweep comes): the lease has lapsed, one walks the rest.
    now = T + 30_001;
    writes = [];
    expect(await service().releaseScheduled(burst[1]!)).toEqual({
      outcome: 'released',
      alsoReleased: 8,
      lost: 0,
      failed: 0,
    });
    for (const itemId of burst) expect(await releasedAtOf(itemId)).toBeDefined();
    expect(writes.filter((w) => !w.released)).toEqual([]);
  });

  it('a lease that cannot be taken (the table refused) is walked anyway: still once per item', async () => {
    const burst = await Promise.all(Array.from({ length: 6 }, (_, n) => hold(n, T)));
    now = T;
    store.claimBurst = async () => {
      throw Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
    };
    const outcomes = await Promise.all([
      service().releaseScheduled(burst[0]!),
      service().releaseScheduled(burst[1]!),
    ]);
    expect(outcomes.map((o) => o.outcome)).toEqual(['released', 'released']);
    expect(outcomes.every((o) => o.failed === 1 && (o.firstError as Error).message === 'throttled')).toBe(
      true,
    );
    expect(
      writes
        .filter((w) => w.released)
        .map((w) => w.itemId)
        .sort(),
    ).toEqual([...burst].sort());
  });

  it('writes an entry the index still shows after it was released only once, and still reaches its burst', async () => {
    const earlier = await Promise.all(Array.from({ length: 10 }, (_, n) => hold(100 + n, T - 5_000)));
    const burst = await Promise.all(Array.from({ length: 10 }, (_, n) => hold(n, T)));
    now = T - 5_000;
    await service().releaseScheduled(earlier[0]!); // the earlier burst, released
    // The index lags: every listing still shows the earlier burst, first (earliest first).
    const listDue = store.listDue.bind(store);
    store.listDue = async (at, limit) => [
      ...earlier.map((itemId) => ({ itemId, version: 1 })),
      ...(await listDue(at, limit)),
    ];
    now = T;
    writes = [];
    const outcome = await service().releaseScheduled(burst[0]!);
    expect(outcome).toMatchObject({ outcome: 'released', alsoReleased: 9, lost: 10, failed: 0 });
    for (const itemId of earlier) expect(writes.filter((w) => w.itemId === itemId)).toHaveLength(1);
    for (const itemId of burst) expect(await releasedAtOf(itemId)).toBe(iso(T));
  });

  it('releases the latest held version: a correction superseded the listed one', async () => {
    const itemId = await hold(1, T);
    const other = await hold(2, T);
    const head = await store.getHead(itemId);
    await items.correct(A, itemId, 1, {
      document: { ...(await store.getVersion(itemId, 1))!.document, title: 'تصحيح' },
      contentHash: 'corrected',
      warnings: [],
    });
    expect(head?.version).toBe(1);
    // The index still shows version 1 (superseded): its write changes nothing; version 2 goes out.
    const listDue = store.listDue.bind(store);
    store.listDue = async (at, limit) => [{ itemId, version: 1 }, ...(await listDue(at, limit))];
    now = T;
    const outcome = await service().releaseScheduled(other);
    expect(outcome).toMatchObject({ outcome: 'released', alsoReleased: 1, failed: 0 });
    expect(writes.filter((w) => w.released)).toEqual([
      { itemId: other, version: 1, released: true },
      { itemId, version: 2, released: true },
    ]);
    expect((await store.getVersion(itemId, 1))?.releasedAt).toBeUndefined();
  });

  it('a failed write or listing of the others does not fail the trigger of its own item', async () => {
    const [own, broken, fine] = await Promise.all([hold(1, T), hold(2, T), hold(3, T)]);
    const release = store.release.bind(store);
    store.release = async (itemId, ...rest) => {
      if (itemId === broken) throw Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
      return release(itemId, ...rest);
    };
    now = T;
    const outcome = await service().releaseScheduled(own);
    expect(outcome).toMatchObject({ outcome: 'released', alsoReleased: 1, failed: 1 });
    expect((outcome.firstError as Error).message).toBe('throttled');
    expect(await releasedAtOf(fine)).toBe(iso(T));
    expect(await releasedAtOf(broken)).toBeUndefined();

    store.release = release;
    store.listDue = async () => {
      throw new Error('index unavailable');
    };
    now = T + 30_001; // the first trigger's lease has lapsed: this one walks, and its listing fails
    expect(await service().releaseScheduled(broken)).toMatchObject({
      outcome: 'released',
      alsoReleased: 0,
      failed: 1,
    });
  });

  it('stamps each release with the time of its write, never before the embargo', async () => {
    const burst = await Promise.all(Array.from({ length: 12 }, (_, n) => hold(n, T)));
    now = T;
    const release = store.release.bind(store);
    store.release = async (...args) => {
      const released = await release(...args);
      now += 7; // each write takes a while
      return released;
    };
    await service().releaseScheduled(burst[0]!);
    const stamps = await Promise.all(burst.map(releasedAtOf));
    expect(stamps[0]).toBe(iso(T));
    expect(stamps.every((at) => at !== undefined && at >= iso(T))).toBe(true);
    expect(new Set(stamps).size).toBeGreaterThan(1);
  });

  it('a trigger that came early waits for the time, reading the head again every 10 s, and releases at the time exactly', async () => {
    const itemId = await hold(1, T);
    now = T - 115_000;
    const reads: number[] = [];
    const getHead = store.getHead.bind(store);
    store.getHead = async (id) => {
      reads.push(T - now);
      return getHead(id);
    };
    expect((await service().releaseScheduled(itemId, 120_000)).outcome).toBe('released');
    expect(now).toBe(T);
    // A read at the start and after each wait of 10 s, the last stretch (5 s) slept in one go.
    expect(reads).toEqual([115, 105, 95, 85, 75, 65, 55, 45, 35, 25, 15, 5].map((s) => s * 1000));
    expect(await releasedAtOf(itemId)).toBe(iso(T));
  });

  it('a waiting trigger whose embargo was lifted, retracted or moved ends at its next look, not at the old time', async () => {
    const [lifted, retracted, moved] = await Promise.all([hold(1, T), hold(2, T), hold(3, T)]);
    now = T - 100_000;
    const sleeps: number[] = [];
    const waiting = (itemId: string, change: () => Promise<unknown>) =>
      new ReleaseService({
        store,
        clock: () => new Date(now),
        sleep: async (ms) => {
          sleeps.push(ms);
          if (sleeps.length === 2) await change();
        },
      }).releaseScheduled(itemId, 120_000);
    const documentOf = async (itemId: string) => (await store.getVersion(itemId, 1))!.document;
    const prepared = (document: NinjsDocument): PreparedItem => ({
      document,
      contentHash: contentHashOf(document),
      warnings: [],
    });

    const { embargoed: _, ...withoutEmbargo } = await documentOf(lifted);
    expect(await waiting(lifted, () => items.correct(A, lifted, 1, prepared(withoutEmbargo)))).toMatchObject({
      outcome: 'not-held',
    });
    sleeps.length = 0;
    expect(await waiting(retracted, () => items.retract(A, retracted, 1))).toMatchObject({
      outcome: 'not-held',
    });
    sleeps.length = 0;
    const later = { ...(await documentOf(moved)), embargoed: iso(T + 30_000) };
    expect(await waiting(moved, () => items.correct(A, moved, 1, prepared(later)))).toMatchObject({
      outcome: 'not-due',
    });
    // Each ended after its second wait of 10 s, long before T; nothing was released.
    expect(sleeps).toEqual([10_000, 10_000]);
    expect(writes.filter((w) => w.released)).toEqual([]);
  });

  it('a failing write of its own item fails the trigger (the schedule retries it)', async () => {
    const own = await hold(1, T);
    store.release = async () => {
      throw new Error('throttled');
    };
    now = T;
    await expect(service().releaseScheduled(own)).rejects.toThrow('throttled');
  });
});
