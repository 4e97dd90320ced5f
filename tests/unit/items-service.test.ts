import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { CursorCodec } from '#shared/domain/cursors.ts';
import {
  ConflictError,
  ItemExistsError,
  NotFoundError,
  PreconditionFailedError,
  PreconditionRequiredError,
  ValidationError,
  VersionLimitError,
} from '#shared/domain/errors.ts';
import { isId, itemIdFor, newId } from '#shared/domain/ids.ts';
import { contentHashOf } from '#shared/domain/ingest/canonical-json.ts';
import { MAX_ITEM_VERSIONS, type NinjsDocument, type PreparedItem } from '#shared/domain/item.ts';
import { ItemsReadService } from '#shared/domain/items-read-service.ts';
import { ItemsService } from '#shared/domain/items-service.ts';
import { InMemoryItemStore } from '../support/in-memory-item-store';

function prepare(document: NinjsDocument): PreparedItem {
  return { document, contentHash: contentHashOf(document), warnings: [] };
}

function article(overrides: Partial<NinjsDocument> = {}): NinjsDocument {
  return {
    uri: 'urn:partner-a:story:1',
    language: 'ar',
    headlines: [{ value: 'اتصال هاتفي بين وزيري خارجية الكويت وبلجيكا' }],
    ...overrides,
  };
}

const CURSORS = new CursorCodec(new Uint8Array(32).fill(7));
const A = { partnerId: 'ptn_A' };
const B = { partnerId: 'ptn_B' };

let store: InMemoryItemStore;
let service: ItemsService;
let reads: ItemsReadService;
let tick: number;

beforeEach(() => {
  store = new InMemoryItemStore();
  tick = 0;
  service = new ItemsService({
    store,
    clock: () => new Date(Date.UTC(2025, 2, 1, 12, 0, 0, tick++)),
  });
  reads = new ItemsReadService({ store, translations: new NoTranslations(), cursors: async () => CURSORS });
});

/** Translations are the translator's; these tests only need the tenant check before them. */
class NoTranslations {
  async get() {
    return undefined;
  }
  async getVersion() {
    return undefined;
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected a rejection'),
    (error: unknown) => error,
  );
}

describe('submit', () => {
  it('creates version 1 with metadata from the document and the clock', async () => {
    const { outcome, version } = await service.submit(A, prepare(article()));

    expect(outcome).toBe('created');
    expect(version).toEqual({
      itemId: itemIdFor('ptn_A', 'urn:partner-a:story:1'),
      version: 1,
      partnerId: 'ptn_A',
      uri: 'urn:partner-a:story:1',
      language: 'ar',
      pubstatus: 'usable',
      receivedAt: '2025-03-01T12:00:00.000Z',
      contentHash: contentHashOf(article()),
      document: article(),
      publicBefore: false,
    });
    expect(await store.getVersion(version.itemId, 1)).toEqual(version);
  });

  it('keeps an explicit pubstatus', async () => {
    const { version } = await service.submit(A, prepare(article({ pubstatus: 'withheld' })));
    expect(version.pubstatus).toBe('withheld');
  });

  it('answers an identical resubmission with the latest version and writes nothing', async () => {
    const created = await service.submit(A, prepare(article()));
    const writes = store.writes;

    const again = await service.submit(A, prepare(article()));

    expect(again).toEqual({ outcome: 'unchanged', version: created.version, warnings: [] });
    expect(store.writes).toBe(writes);
  });

  it('compares a resubmission with the latest version, not the first', async () => {
    const created = await service.submit(A, prepare(article()));
    const corrected = await service.correct(A, created.version.itemId, 1, prepare(article({ title: 'v2' })));

    const again = await service.submit(A, prepare(article({ title: 'v2' })));
    expect(again).toEqual({ outcome: 'unchanged', version: corrected.version, warnings: [] });
    const error = await rejection(service.submit(A, prepare(article())));
    expect(error).toBeInstanceOf(ConflictError);
  });

  it('rejects different content under an existing uri with 409 pointing at PUT', async () => {
    const { version } = await service.submit(A, prepare(article()));

    const error = await rejection(service.submit(A, prepare(article({ title: 'changed' }))));

    expect(error).toBeInstanceOf(ItemExistsError);
    const conflict = error as ItemExistsError;
    expect(conflict.status).toBe(409);
    // The domain names the item; the HTTP layer turns it into Location (tests/unit/http).
    expect(conflict.itemId).toBe(version.itemId);
    expect(conflict.message).toContain(version.itemId);
    expect(conflict.message).toMatch(/PUT .*If-Match: "1"/);
    expect(conflict.extensions).toEqual({ itemId: version.itemId, version: 1 });
    expect(await store.listVersions(version.itemId)).toHaveLength(1);
  });

  it('says a retracted item cannot be changed when its uri is resubmitted with other content', async () => {
    const { version } = await service.submit(A, prepare(article()));
    await service.retract(A, version.itemId, 1);

    const error = await rejection(service.submit(A, prepare(article({ title: 'revived' }))));

    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).message).toContain('retracted');
    expect((error as ConflictError).extensions).toEqual({ itemId: version.itemId, version: 2 });
  });

  it('lets two partners use the same uri independently', async () => {
    const a = await service.submit(A, prepare(article()));
    const b = await service.submit(B, prepare(article({ title: 'different' })));
    expect(b.outcome).toBe('created');
    expect(b.version.itemId).not.toBe(a.version.itemId);
  });
});

describe('correct', () => {
  it('appends a new version when If-Match is the latest version', async () => {
    const { version: v1 } = await service.submit(A, prepare(article()));
    const changed = article({ language: 'en', headlines: [{ value: 'Kuwait and Belgium ministers speak' }] });

    const { outcome, version } = await service.correct(A, v1.itemId, 1, prepare(changed));

    expect(outcome).toBe('corrected');
    expect(version).toEqual({
      ...v1,
      version: 2,
      language: 'en',
      receivedAt: '2025-03-01T12:00:00.001Z',
      contentHash: contentHashOf(changed),
      document: changed,
      // Version 1 was public when version 2 was accepted.
      publicBefore: true,
    });
    expect((await store.getHead(v1.itemId))?.version).toBe(2);
  });

  it('requires If-Match (428)', async () => {
    const { version } = await service.submit(A, prepare(article()));
    const error = await rejection(
      service.correct(A, version.itemId, undefined, prepare(article({ title: 'x' }))),
    );
    expect(error).toBeInstanceOf(PreconditionRequiredError);
  });

  it('rejects a stale If-Match (412) and writes nothing', async () => {
    const { version } = await service.submit(A, prepare(article()));
    await service.correct(A, version.itemId, 1, prepare(article({ title: 'v2' })));

    const error = await rejection(service.correct(A, version.itemId, 1, prepare(article({ title: 'v3' }))));

    expect(error).toBeInstanceOf(PreconditionFailedError);
    expect((error as PreconditionFailedError).extensions).toEqual({ itemId: version.itemId, version: 2 });
    expect(await store.listVersions(version.itemId)).toHaveLength(2);
  });

  it('answers 412 when another writer wins between the read and the write', async () => {
    const { version } = await service.submit(A, prepare(article()));
    store.beforeAppend = () => {
      store.beforeAppend = undefined;
      const base = { itemId: version.itemId, version: 1, createdAt: version.receivedAt };
      void store.appendVersion({ ...version, version: 2, contentHash: 'other' }, base);
    };

    const error = await rejection(service.correct(A, version.itemId, 1, prepare(article({ title: 'mine' }))));

    expect(error).toBeInstanceOf(PreconditionFailedError);
    expect((await store.getVersion(version.itemId, 2))?.contentHash).toBe('other');
  });

  it('refuses to change the uri (400, pointer /uri)', async () => {
    const { version } = await service.submit(A, prepare(article()));

    const error = await rejection(
      service.correct(A, version.itemId, 1, prepare(article({ uri: 'urn:partner-a:story:2' }))),
    );

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).errors?.map((e) => e.pointer)).toEqual(['/uri']);
  });

  it('answers identical content with the current version and writes nothing', async () => {
    const { version } = await service.submit(A, prepare(article()));
    const writes = store.writes;

    const result = await service.correct(A, version.itemId, 1, prepare(article()));

    expect(result).toEqual({ outcome: 'unchanged', version, warnings: [] });
    expect(store.writes).toBe(writes);
  });

  it('refuses to correct a retracted item (409)', async () => {
    const { version } = await service.submit(A, prepare(article()));
    await service.retract(A, version.itemId, 1);

    const error = await rejection(service.correct(A, version.itemId, 2, prepare(article({ title: 'back' }))));

    expect(error).toBeInstanceOf(ConflictError);
    expect(await store.listVersions(version.itemId)).toHaveLength(2);
  });
});

describe('retract', () => {
  it('appends a canceled version that keeps the last content', async () => {
    const { version: v1 } = await service.submit(A, prepare(article()));
    const { version: v2 } = await service.correct(A, v1.itemId, 1, prepare(article({ title: 'v2' })));

    const { outcome, version } = await service.retract(A, v1.itemId, 2);

    expect(outcome).toBe('retracted');
    const document = { ...v2.document, pubstatus: 'canceled' };
    expect(version).toEqual({
      ...v2,
      version: 3,
      pubstatus: 'canceled',
      receivedAt: '2025-03-01T12:00:00.002Z',
      document,
      contentHash: createHash('sha256')
        .update(JSON.stringify(sortKeys(document)))
        .digest('hex'),
    });
    expect(await store.getHead(v1.itemId)).toMatchObject({ version: 3, pubstatus: 'canceled' });
  });

  it('answers a repeated retraction with the retracted version, even with the old If-Match', async () => {
    const { version } = await service.submit(A, prepare(article()));
    const first = await service.retract(A, version.itemId, 1);
    const writes = store.writes;

    await expect(service.retract(A, version.itemId, 1)).resolves.toEqual({
      outcome: 'unchanged',
      version: first.version,
    });
    expect(store.writes).toBe(writes);
  });

  it('requires If-Match (428) and a current one (412)', async () => {
    const { version } = await service.submit(A, prepare(article()));
    await service.correct(A, version.itemId, 1, prepare(article({ title: 'v2' })));

    expect(await rejection(service.retract(A, version.itemId, undefined))).toBeInstanceOf(
      PreconditionRequiredError,
    );
    expect(await rejection(service.retract(A, version.itemId, 1))).toBeInstanceOf(PreconditionFailedError);
    expect((await store.getHead(version.itemId))?.pubstatus).toBe('usable');
  });
});

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

describe('item ids', () => {
  it('derives the item id from (partner, uri): itm_ + 26 Crockford base32 characters of SHA-256', () => {
    // Golden values (computed independently with Python's hashlib and base32): the id is a
    // storage key, so it must never change.
    expect(itemIdFor('ptn_A', 'urn:partner-a:story:1')).toBe('itm_HM19P99Z97FMQBVRXFFBVGBAVB');
    expect(itemIdFor('ptn_01HZX3K0000000000000000000', 'https://example.com/news/2025/03/01/كويت#1')).toBe(
      'itm_YDVV822AY3HV0H5CMZJ1MG5F38',
    );
    const id = itemIdFor('ptn_A', 'urn:x');
    expect(isId(id, 'itm')).toBe(true);
    expect(isId(id, 'ptn')).toBe(false);
    expect(itemIdFor('ptn_A', 'urn:x')).toBe(id);
    expect(itemIdFor('ptn_B', 'urn:x')).not.toBe(id);
    expect(itemIdFor('ptn_A', 'urn:y')).not.toBe(id);
    // The separator keeps (partner, uri) pairs apart even when their concatenations agree.
    expect(itemIdFor('ptn_Aurn', ':x')).not.toBe(itemIdFor('ptn_A', 'urn:x'));
  });

  it('gives every submission of one uri by one partner the same item id, and lets tests override it', async () => {
    const first = await service.submit(A, prepare(article()));
    expect(first.version.itemId).toBe(itemIdFor('ptn_A', 'urn:partner-a:story:1'));
    expect((await service.submit(B, prepare(article()))).version.itemId).toBe(
      itemIdFor('ptn_B', 'urn:partner-a:story:1'),
    );

    const overridden = new ItemsService({ store: new InMemoryItemStore(), itemIdFor: () => 'itm_fixed' });
    expect((await overridden.submit(A, prepare(article()))).version.itemId).toBe('itm_fixed');
  });

  it('encodes the millisecond time first, so ids sort by creation time', () => {
    expect(newId('ptn', 0).slice(4, 14)).toBe('0000000000');
    expect(newId('ptn', 2 ** 48 - 1).slice(4, 14)).toBe('7ZZZZZZZZZ');
    const times = [1_700_000_000_000, 1_700_000_000_001, 1_700_000_000_032, 1_800_000_000_000];
    const ids = times.map((t) => newId('itm', t));
    expect([...ids].sort()).toEqual(ids);
    expect(() => newId('itm', 2 ** 48)).toThrow(RangeError);
  });

  it('fills the last 80 bits at random', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newId('itm', 1_700_000_000_000)));
    expect(ids.size).toBe(1000);
  });
});

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => [k, sortKeys(v)]),
    );
  }
  return value;
}
