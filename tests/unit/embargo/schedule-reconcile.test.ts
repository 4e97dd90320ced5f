/**
 * The schedule manager (bus-driven): one release schedule per held item, kept in step with the
 * item's CURRENT head whatever order its events come in, and re-checked after each write so two
 * interleaved invocations cannot leave a stale schedule behind.
 */
import { describe, expect, it } from 'vitest';
import {
  type ReconcileDeps,
  reconcileSchedule,
  ScheduleKeepsChangingError,
} from '#functions/embargo-schedules/reconcile.ts';
import type { ItemHead, ItemVersion } from '#shared/domain/item.ts';

const ITEM = 'itm_01JDQ8ZK4W6M2B7Y3C9F0T5R1N';
const T1 = '2030-01-01T10:00:00.000Z';
const T2 = '2030-01-01T11:00:00.000Z';

const head = (version: number, hold?: ItemHead['hold'], extra: Partial<ItemHead> = {}) =>
  ({ itemId: ITEM, version, partnerId: 'ptn_1', pubstatus: 'usable', hold, ...extra }) as ItemHead;

function harness(heads: Array<ItemHead | undefined>, versions: Record<number, Partial<ItemVersion>> = {}) {
  const calls: string[] = [];
  let reads = 0;
  const deps: ReconcileDeps = {
    store: {
      getHead: async () => heads[Math.min(reads++, heads.length - 1)],
      getVersion: async (_id, n) => versions[n] as ItemVersion | undefined,
    },
    schedules: {
      put: async (_id, at) => {
        calls.push(`put ${at}`);
      },
      remove: async () => {
        calls.push('remove');
      },
    },
    logger: { info: () => undefined, debug: () => undefined },
  };
  return { deps, calls };
}

describe('reconcileSchedule', () => {
  it('sets the schedule of a held version at its embargo time', async () => {
    const { deps, calls } = harness([head(1, { kind: 'embargo', until: T1 })]);
    expect(await reconcileSchedule({ detailType: 'NewsItemEmbargoed', itemId: ITEM, version: 1 }, deps)).toBe(
      'set',
    );
    expect(calls).toEqual([`put ${T1}`]);
  });

  it('removes it when the head is no longer held by an embargo (withheld, retracted, released)', async () => {
    for (const h of [
      head(2, { kind: 'withheld' }),
      head(2, undefined, { pubstatus: 'canceled' }),
      head(2, { kind: 'embargo', until: T1 }, { releasedAt: T1 }),
    ]) {
      const { deps, calls } = harness([h]);
      await reconcileSchedule({ detailType: 'NewsItemEmbargoed', itemId: ITEM, version: 2 }, deps);
      expect(calls).toEqual(['remove']);
    }
  });

  it('follows the current head, not the event: a late NewsItemEmbargoed of a lifted item removes', async () => {
    const { deps, calls } = harness([head(2)]);
    expect(await reconcileSchedule({ detailType: 'NewsItemEmbargoed', itemId: ITEM, version: 1 }, deps)).toBe(
      'removed',
    );
    expect(calls).toEqual(['remove']);
  });

  it('on a public event, acts only when the version before was held by an embargo', async () => {
    const lifted = harness([head(2)], { 1: { hold: { kind: 'embargo', until: T1 } } });
    expect(
      await reconcileSchedule({ detailType: 'NewsItemPublished', itemId: ITEM, version: 2 }, lifted.deps),
    ).toBe('removed');
    expect(lifted.calls).toEqual(['remove']);

    const ordinary = harness([head(3)], { 2: {} });
    expect(
      await reconcileSchedule({ detailType: 'NewsItemCorrected', itemId: ITEM, version: 3 }, ordinary.deps),
    ).toBe('unchanged');
    const withheld = harness([head(2)], { 1: { hold: { kind: 'withheld' } } });
    await reconcileSchedule({ detailType: 'NewsItemPublished', itemId: ITEM, version: 2 }, withheld.deps);
    const first = harness([head(1)]);
    await reconcileSchedule({ detailType: 'NewsItemPublished', itemId: ITEM, version: 1 }, first.deps);
    expect([...ordinary.calls, ...withheld.calls, ...first.calls]).toEqual([]);
  });

  it('writes again when the embargo changed while it wrote (an interleaved invocation)', async () => {
    // Read held at T1, wrote T1; the head now says T2: write T2, and it stays T2.
    const { deps, calls } = harness([
      head(1, { kind: 'embargo', until: T1 }),
      head(2, { kind: 'embargo', until: T2 }),
      head(2, { kind: 'embargo', until: T2 }),
    ]);
    expect(await reconcileSchedule({ detailType: 'NewsItemEmbargoed', itemId: ITEM, version: 1 }, deps)).toBe(
      'set',
    );
    expect(calls).toEqual([`put ${T1}`, `put ${T2}`]);

    const lifted = harness([head(1, { kind: 'embargo', until: T1 }), head(2), head(2)]);
    expect(
      await reconcileSchedule({ detailType: 'NewsItemEmbargoed', itemId: ITEM, version: 1 }, lifted.deps),
    ).toBe('removed');
    expect(lifted.calls).toEqual([`put ${T1}`, 'remove']);
  });

  it('gives up (throws, so the event is retried) when the embargo keeps changing', async () => {
    let n = 0;
    const { deps } = harness([]);
    deps.store.getHead = async () => head(++n, { kind: 'embargo', until: n % 2 ? T1 : T2 });
    await expect(
      reconcileSchedule({ detailType: 'NewsItemEmbargoed', itemId: ITEM, version: 1 }, deps),
    ).rejects.toBeInstanceOf(ScheduleKeepsChangingError);
  });
});
