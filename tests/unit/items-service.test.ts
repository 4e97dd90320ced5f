/** The items service's writes: submitting, correcting and retracting versions, with their preconditions. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  ItemExistsError,
  PreconditionFailedError,
  PreconditionRequiredError,
  ValidationError,
} from '#shared/domain/errors.ts';
import { itemIdFor } from '#shared/domain/ids.ts';
import { contentHashOf } from '#shared/domain/ingest/canonical-json.ts';

import { A, article, B, prepare, rejection, service, sortKeys, store } from '../support/items-service-setup';

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
