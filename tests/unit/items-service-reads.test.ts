import { describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError, VersionLimitError } from '#shared/domain/errors.ts';
import { MAX_ITEM_VERSIONS } from '#shared/domain/item.ts';

import {
  A,
  article,
  B,
  CURSORS,
  prepare,
  reads,
  rejection,
  service,
  store,
} from '../support/items-service-setup';

describe('reads', () => {
  it('gets the latest version, any version, and the version list', async () => {
    const { version: v1 } = await service.submit(A, prepare(article()));
    const { version: v2 } = await service.correct(A, v1.itemId, 1, prepare(article({ title: 'v2' })));
    const { version: v3 } = await service.retract(A, v1.itemId, 2);

    expect(await reads.get(A, v1.itemId)).toEqual(v3);
    expect(await reads.getVersion(A, v1.itemId, 2)).toEqual({ version: v2, latest: false });
    expect(await reads.getVersion(A, v1.itemId, 3)).toEqual({ version: v3, latest: true });
    expect(await reads.listVersions(A, v1.itemId)).toEqual({
      versions: [
        { version: 1, pubstatus: 'usable', receivedAt: v1.receivedAt, publicBefore: false },
        { version: 2, pubstatus: 'usable', receivedAt: v2.receivedAt, publicBefore: true },
        { version: 3, pubstatus: 'canceled', receivedAt: v3.receivedAt, publicBefore: true },
      ],
      latestVersion: 3,
    });
  });

  it('pages the version list with a cursor bound to the caller and the item', async () => {
    const { version: v1 } = await service.submit(A, prepare(article()));
    for (let n = 1; n < 5; n++) {
      await service.correct(A, v1.itemId, n, prepare(article({ title: `v${n + 1}` })));
    }
    const first = await reads.listVersions(A, v1.itemId, { limit: '2' });
    expect(first.versions.map((v) => v.version)).toEqual([1, 2]);
    expect(first.latestVersion).toBe(5);
    const second = await reads.listVersions(A, v1.itemId, { limit: '2', cursor: first.cursor! });
    expect(second.versions.map((v) => v.version)).toEqual([3, 4]);
    const last = await reads.listVersions(A, v1.itemId, { limit: '2', cursor: second.cursor! });
    expect(last.versions.map((v) => v.version)).toEqual([5]);
    expect(last.cursor).toBeUndefined();
    // Exactly a page's worth left: no cursor to an empty page.
    expect((await reads.listVersions(A, v1.itemId, { limit: '5' })).cursor).toBeUndefined();

    // The cursor is refused for another item of the same partner, and for another partner.
    const { version: other } = await service.submit(A, prepare(article({ uri: 'urn:partner-a:story:2' })));
    const onOther = await rejection(reads.listVersions(A, other.itemId, { cursor: first.cursor! }));
    expect(onOther).toBeInstanceOf(ValidationError);
    expect((onOther as ValidationError).errors).toEqual([
      { pointer: '/cursor', message: 'not a cursor this listing issued to you' },
    ]);
    const { cursor: itemsCursor } = await reads.listItems(A, { limit: '1' });
    expect(itemsCursor).toBeDefined();
    expect(await rejection(reads.listVersions(A, v1.itemId, { cursor: itemsCursor! }))).toBeInstanceOf(
      ValidationError,
    );
    const foreign = CURSORS.encode('versions', B.partnerId, { i: v1.itemId, v: 2 });
    expect(await rejection(reads.listVersions(A, v1.itemId, { cursor: foreign }))).toBeInstanceOf(
      ValidationError,
    );
  });

  it.each(['0', '201', 'x', '-1', '1.5'])('refuses limit=%s with a pointer', async (limit) => {
    const { version } = await service.submit(A, prepare(article()));
    const error = await rejection(reads.listVersions(A, version.itemId, { limit }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).errors?.[0]?.pointer).toBe('/limit');
  });

  it.each([0, 2, 1.5, -1])('answers 404 for version %s of a one-version item', async (n) => {
    const { version } = await service.submit(A, prepare(article()));
    expect(await rejection(reads.getVersion(A, version.itemId, n))).toBeInstanceOf(NotFoundError);
  });
});

describe('the version cap', () => {
  it(`refuses a correction past ${MAX_ITEM_VERSIONS - 1} versions with a version-limit problem, and still retracts`, async () => {
    const { version: v1 } = await service.submit(A, prepare(article()));
    for (let n = 1; n < MAX_ITEM_VERSIONS - 1; n++) {
      await service.correct(A, v1.itemId, n, prepare(article({ title: `v${n + 1}` })));
    }
    expect((await store.getHead(v1.itemId))?.version).toBe(MAX_ITEM_VERSIONS - 1);
    const refused = await rejection(
      service.correct(A, v1.itemId, MAX_ITEM_VERSIONS - 1, prepare(article({ title: 'one too many' }))),
    );
    expect(refused).toBeInstanceOf(VersionLimitError);
    expect(refused).toMatchObject({
      status: 409,
      slug: 'version-limit',
      errors: [{ pointer: '' }],
      extensions: { itemId: v1.itemId, version: MAX_ITEM_VERSIONS - 1, maxVersions: MAX_ITEM_VERSIONS },
    });
    expect((await store.getHead(v1.itemId))?.version).toBe(MAX_ITEM_VERSIONS - 1);

    const { outcome, version: last } = await service.retract(A, v1.itemId, MAX_ITEM_VERSIONS - 1);
    expect(outcome).toBe('retracted');
    expect(last.version).toBe(MAX_ITEM_VERSIONS);
    // The whole history pages through in 5 pages of the largest limit.
    let cursor: string | undefined;
    let pages = 0;
    let seen = 0;
    do {
      const page = await reads.listVersions(A, v1.itemId, { limit: '200', ...(cursor && { cursor }) });
      seen += page.versions.length;
      cursor = page.cursor;
      pages++;
    } while (cursor !== undefined);
    expect({ pages, seen }).toEqual({ pages: 5, seen: MAX_ITEM_VERSIONS });
  });
});

describe('tenant isolation', () => {
  it("answers another partner's item exactly like a missing one (404, same detail), on every operation", async () => {
    const { version } = await service.submit(A, prepare(article()));
    const id = version.itemId;
    const missing = 'itm_00000000000000000000009999';

    const attempts: ((itemId: string) => Promise<unknown>)[] = [
      (itemId) => reads.get(B, itemId),
      (itemId) => reads.getVersion(B, itemId, 1),
      (itemId) => reads.listVersions(B, itemId),
      (itemId) => reads.translation(B, itemId, 'en'),
      (itemId) => service.correct(B, itemId, 1, prepare(article({ title: 'hijack' }))),
      (itemId) => service.retract(B, itemId, 1),
    ];
    for (const attempt of attempts) {
      const foreign = await rejection(attempt(id));
      const absent = await rejection(attempt(missing));
      expect(foreign).toBeInstanceOf(NotFoundError);
      expect(absent).toBeInstanceOf(NotFoundError);
      expect((foreign as Error).message).toBe((absent as Error).message);
    }
    expect(await store.listVersions(id)).toHaveLength(1);
  });
});
