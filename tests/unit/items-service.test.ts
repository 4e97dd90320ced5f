import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  ConflictError,
  NotFoundError,
  PreconditionFailedError,
  PreconditionRequiredError,
  ValidationError,
} from '../../shared/domain/errors';
import { isId, newId } from '../../shared/domain/ids';
import { contentHashOf } from '../../shared/domain/ingest/canonical-json';
import type {
  ItemHead,
  ItemVersion,
  NinjsDocument,
  PreparedItem,
  VersionSummary,
} from '../../shared/domain/item';
import { ItemsService } from '../../shared/domain/items-service';
import type { ItemStore } from '../../shared/domain/ports';

/** An ItemStore with the port's semantics (atomic claim, optimistic append), kept in maps. */
class InMemoryItemStore implements ItemStore {
  readonly claims = new Map<string, string>();
  readonly heads = new Map<string, ItemHead>();
  readonly versions = new Map<string, ItemVersion[]>();
  writes = 0;
  /** Lets a test slip a concurrent change in between the service's read and its write. */
  beforeAppend?: () => void;

  async createItem(first: ItemVersion): Promise<{ created: true } | { created: false; existing: ItemHead }> {
    const claim = `${first.partnerId}\n${first.uri}`;
    const claimed = this.claims.get(claim);
    if (claimed !== undefined) return { created: false, existing: structuredClone(this.heads.get(claimed)!) };
    this.writes++;
    this.claims.set(claim, first.itemId);
    this.heads.set(first.itemId, {
      itemId: first.itemId,
      partnerId: first.partnerId,
      uri: first.uri,
      version: 1,
      pubstatus: first.pubstatus,
      language: first.language,
      contentHash: first.contentHash,
      createdAt: first.receivedAt,
      updatedAt: first.receivedAt,
    });
    this.versions.set(first.itemId, [structuredClone(first)]);
    return { created: true };
  }

  async appendVersion(next: ItemVersion): Promise<boolean> {
    this.beforeAppend?.();
    const head = this.heads.get(next.itemId);
    if (!head || head.version !== next.version - 1) return false;
    this.writes++;
    Object.assign(head, {
      version: next.version,
      pubstatus: next.pubstatus,
      language: next.language,
      contentHash: next.contentHash,
      updatedAt: next.receivedAt,
    });
    this.versions.get(next.itemId)!.push(structuredClone(next));
    return true;
  }

  async getHead(itemId: string): Promise<ItemHead | undefined> {
    const head = this.heads.get(itemId);
    return head && structuredClone(head);
  }

  async getVersion(itemId: string, version: number): Promise<ItemVersion | undefined> {
    const found = this.versions.get(itemId)?.find((v) => v.version === version);
    return found && structuredClone(found);
  }

  async listVersions(itemId: string): Promise<VersionSummary[]> {
    return (this.versions.get(itemId) ?? []).map(({ version, pubstatus, receivedAt }) => ({
      version,
      pubstatus,
      receivedAt,
    }));
  }
}

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

const A = { partnerId: 'ptn_A' };
const B = { partnerId: 'ptn_B' };

let store: InMemoryItemStore;
let service: ItemsService;
let tick: number;
let ids: number;

beforeEach(() => {
  store = new InMemoryItemStore();
  tick = 0;
  ids = 0;
  service = new ItemsService({
    store,
    clock: () => new Date(Date.UTC(2025, 2, 1, 12, 0, 0, tick++)),
    newItemId: () => `itm_${String(++ids).padStart(26, '0')}`,
  });
});

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
      itemId: 'itm_00000000000000000000000001',
      version: 1,
      partnerId: 'ptn_A',
      uri: 'urn:partner-a:story:1',
      language: 'ar',
      pubstatus: 'usable',
      receivedAt: '2025-03-01T12:00:00.000Z',
      contentHash: contentHashOf(article()),
      document: article(),
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

    expect(again).toEqual({ outcome: 'unchanged', version: created.version });
    expect(store.writes).toBe(writes);
  });

  it('compares a resubmission with the latest version, not the first', async () => {
    const created = await service.submit(A, prepare(article()));
    const corrected = await service.correct(A, created.version.itemId, 1, prepare(article({ title: 'v2' })));

    const again = await service.submit(A, prepare(article({ title: 'v2' })));
    expect(again).toEqual({ outcome: 'unchanged', version: corrected.version });
    const error = await rejection(service.submit(A, prepare(article())));
    expect(error).toBeInstanceOf(ConflictError);
  });

  it('rejects different content under an existing uri with 409 pointing at PUT', async () => {
    const { version } = await service.submit(A, prepare(article()));

    const error = await rejection(service.submit(A, prepare(article({ title: 'changed' }))));

    expect(error).toBeInstanceOf(ConflictError);
    const conflict = error as ConflictError;
    expect(conflict.status).toBe(409);
    expect(conflict.message).toContain(`PUT /v1/items/${version.itemId}`);
    expect(conflict.message).toContain('If-Match');
    expect(conflict.extensions).toEqual({ itemId: version.itemId, version: 1 });
    expect(conflict.headers).toEqual({ Location: `/v1/items/${version.itemId}` });
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
      void store.appendVersion({ ...version, version: 2, contentHash: 'other' });
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

    expect(result).toEqual({ outcome: 'unchanged', version });
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

    expect(await service.get(A, v1.itemId)).toEqual(v3);
    expect(await service.getVersion(A, v1.itemId, 2)).toEqual(v2);
    expect(await service.listVersions(A, v1.itemId)).toEqual([
      { version: 1, pubstatus: 'usable', receivedAt: v1.receivedAt },
      { version: 2, pubstatus: 'usable', receivedAt: v2.receivedAt },
      { version: 3, pubstatus: 'canceled', receivedAt: v3.receivedAt },
    ]);
  });

  it.each([0, 2, 1.5, -1])('answers 404 for version %s of a one-version item', async (n) => {
    const { version } = await service.submit(A, prepare(article()));
    expect(await rejection(service.getVersion(A, version.itemId, n))).toBeInstanceOf(NotFoundError);
  });
});

describe('tenant isolation', () => {
  it("answers another partner's item exactly like a missing one (404, same detail), on every operation", async () => {
    const { version } = await service.submit(A, prepare(article()));
    const id = version.itemId;
    const missing = 'itm_00000000000000000000009999';

    const attempts: ((itemId: string) => Promise<unknown>)[] = [
      (itemId) => service.get(B, itemId),
      (itemId) => service.getVersion(B, itemId, 1),
      (itemId) => service.listVersions(B, itemId),
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

describe('default item ids (newId)', () => {
  it('gives itm_ + 26 Crockford base32 characters to items created without an id factory', async () => {
    const real = new ItemsService({ store: new InMemoryItemStore() });
    const { version } = await real.submit(A, prepare(article()));
    expect(version.itemId).toMatch(/^itm_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(isId(version.itemId, 'itm')).toBe(true);
    expect(isId(version.itemId, 'ptn')).toBe(false);
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
