/** Creating, correcting and retracting items through the items API handlers, and the ingest refusals. */
import { describe, expect, it } from 'vitest';
import { ItemReceipt, VersionList } from '#shared/contracts/api/schemas.ts';
import { MAX_BODY_BYTES } from '#shared/domain/ingest/index.ts';
import { responseHeader } from '../support/api-events';
import {
  created,
  del,
  expectProblem,
  getItem,
  getVersion,
  getVersions,
  item,
  logged,
  partnerA,
  post,
  put,
  send,
  write,
} from '../support/items-api';

describe('POST /v1/items', () => {
  it('creates version 1 (201, Location, ETag), then answers the same content with 200 and the same id', async () => {
    const document = item();
    const first = await post(JSON.stringify(document));
    expect(first.status).toBe(201);
    expect(responseHeader(first, 'content-type')).toBe('application/json; charset=utf-8');
    const receipt = ItemReceipt.parse(first.body);
    expect(receipt).toMatchObject({ uri: document.uri, version: 1, pubstatus: 'usable', warnings: [] });
    expect(receipt.id).toMatch(/^itm_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(receipt.links).toEqual({
      self: `/v1/items/${receipt.id}`,
      versions: `/v1/items/${receipt.id}/versions`,
    });
    expect(responseHeader(first, 'location')).toBe(`/v1/items/${receipt.id}`);
    expect(responseHeader(first, 'etag')).toBe('"1"');

    const again = await post(JSON.stringify(document));
    expect(again.status).toBe(200);
    expect(ItemReceipt.parse(again.body)).toEqual(receipt);
    expect(responseHeader(again, 'etag')).toBe('"1"');
    expect(logged()).toContain('"ItemCreated"');
    expect(logged()).toContain('"ItemUnchanged"');
  });

  it('answers different content under the same uri with 409 and the existing item in Location', async () => {
    const { id, document } = await created();
    const response = await post(JSON.stringify({ ...document, headlines: [{ value: 'عنوان آخر' }] }));
    const problem = expectProblem(response, 409, 'conflict');
    expect(responseHeader(response, 'location')).toBe(`/v1/items/${id}`);
    expect(problem).toMatchObject({ itemId: id, version: 1, instance: '/v1/items' });
  });

  it('accepts a base64-encoded body, as API Gateway may deliver it', async () => {
    const document = item();
    const response = await send(write, {
      routeKey: 'POST /v1/items',
      headers: { 'content-type': 'application/ninjs+json' },
      body: Buffer.from(JSON.stringify(document), 'utf8').toString('base64'),
      isBase64Encoded: true,
      authorizer: partnerA,
    });
    expect(response.status).toBe(201);
    expect(response.body.uri).toBe(document.uri);
  });

  it('removes bidi controls and says so in the 201 body', async () => {
    const document = item({ headlines: [{ value: 'عاجل \u202Eخبر' }] });
    const response = await post(JSON.stringify(document));
    expect(response.status).toBe(201);
    const receipt = ItemReceipt.parse(response.body);
    expect(receipt.warnings).toEqual([
      { pointer: '/headlines/0/value', code: 'bidi-control-removed', message: expect.any(String) },
    ]);
    const stored = await getItem(receipt.id);
    expect(stored.body.headlines[0].value).toBe('عاجل خبر');
  });
});

describe('the ingest refusals, as problem+json', () => {
  it('400 on malformed JSON', async () => {
    const problem = expectProblem(await post('{"uri": "urn:x", '), 400, 'validation-error');
    expect(problem.errors).toEqual([{ pointer: '', message: expect.stringContaining('malformed JSON') }]);
  });

  it('415 on a content type that is not JSON', async () => {
    expectProblem(
      await post(JSON.stringify(item()), { headers: { 'content-type': 'text/plain' } }),
      415,
      'unsupported-media-type',
    );
  });

  it('400 on a missing body', async () => {
    const problem = expectProblem(await post(undefined), 400, 'validation-error');
    expect(problem.errors?.[0]?.pointer).toBe('');
  });

  it('413 on a body over the limit', async () => {
    const body = JSON.stringify(item({ bodies: [{ value: 'x'.repeat(MAX_BODY_BYTES) }] }));
    expectProblem(await post(body), 413, 'payload-too-large');
  });

  it('400 with a pointer per schema violation', async () => {
    const problem = expectProblem(
      await post(JSON.stringify(item({ headlines: 'not an array', language: 42 }))),
      400,
      'validation-error',
    );
    const pointers = problem.errors?.map((error) => error.pointer) ?? [];
    expect(pointers).toEqual(expect.arrayContaining(['/headlines', '/language']));
  });

  it('400 on an unknown top-level field', async () => {
    const problem = expectProblem(
      await post(JSON.stringify(item({ colour: 'red' }))),
      400,
      'validation-error',
    );
    expect(problem.errors?.map((error) => error.pointer)).toContain('/colour');
  });

  it('400 on pubstatus canceled (retracting is DELETE)', async () => {
    const problem = expectProblem(
      await post(JSON.stringify(item({ pubstatus: 'canceled' }))),
      400,
      'validation-error',
    );
    expect(problem.errors?.map((error) => error.pointer)).toContain('/pubstatus');
  });
});

describe('PUT /v1/items/{id}', () => {
  it('stores nothing when the content is identical', async () => {
    const { id, document } = await created();
    const response = await put(id, JSON.stringify(document), '"1"');
    expect(response.status).toBe(200);
    expect(ItemReceipt.parse(response.body).version).toBe(1);
    expect(responseHeader(response, 'etag')).toBe('"1"');
    expect((await getVersions(id)).body.versions).toHaveLength(1);
  });

  it('stores a correction as a new version with a new ETag', async () => {
    const { id, document } = await created();
    const corrected = { ...document, headlines: [{ value: 'تصحيح: عنوان جديد' }] };
    const response = await put(id, JSON.stringify(corrected), '"1"');
    expect(response.status).toBe(200);
    expect(ItemReceipt.parse(response.body)).toMatchObject({ id, version: 2, pubstatus: 'usable' });
    expect(responseHeader(response, 'etag')).toBe('"2"');
    const latest = await getItem(id);
    expect(latest.body).toEqual(corrected);
    expect(responseHeader(latest, 'etag')).toBe('"2"');
    expect(logged()).toContain('"ItemCorrected"');
  });

  it('428 without If-Match or with *, 412 on a stale, weak or malformed one', async () => {
    const { id, document } = await created();
    const changed = JSON.stringify({ ...document, bodies: [{ value: 'نص مصحح' }] });
    expectProblem(await put(id, changed, undefined), 428, 'precondition-required');
    expectProblem(await put(id, changed, '*'), 428, 'precondition-required');
    expect((await put(id, changed, '"1"')).status).toBe(200);
    const stale = expectProblem(await put(id, JSON.stringify(document), '"1"'), 412, 'precondition-failed');
    expect(stale).toMatchObject({ version: 2 });
    expectProblem(await put(id, JSON.stringify(document), 'W/"2"'), 412, 'precondition-failed');
    expectProblem(await put(id, JSON.stringify(document), '2'), 412, 'precondition-failed');
    expect((await getVersions(id)).body.versions).toHaveLength(2);
  });

  it('400 when the correction changes the uri', async () => {
    const { id, document } = await created();
    const response = await put(id, JSON.stringify({ ...document, uri: `${document.uri}-moved` }), '"1"');
    const problem = expectProblem(response, 400, 'validation-error');
    expect(problem.errors).toEqual([{ pointer: '/uri', message: expect.any(String) }]);
  });

  it('validates the body like POST does', async () => {
    const { id } = await created();
    expectProblem(await put(id, '{', '"1"'), 400, 'validation-error');
    expectProblem(
      await put(id, '{}', '"1"', { headers: { 'content-type': 'text/xml' } }),
      415,
      'unsupported-media-type',
    );
  });
});

describe('DELETE /v1/items/{id}', () => {
  it('retracts as a canceled version that keeps the content, listed with every version', async () => {
    const { id, document } = await created();
    expectProblem(await del(id, undefined), 428, 'precondition-required');
    expectProblem(await del(id, '"2"'), 412, 'precondition-failed');

    const response = await del(id, '"1"');
    expect(response.status).toBe(200);
    expect(ItemReceipt.parse(response.body)).toMatchObject({
      id,
      version: 2,
      pubstatus: 'canceled',
      warnings: [],
    });
    expect(responseHeader(response, 'etag')).toBe('"2"');
    expect(logged()).toContain('"ItemRetracted"');

    const latest = await getItem(id);
    expect(latest.body).toEqual({ ...document, pubstatus: 'canceled' });

    const versions = await getVersions(id);
    expect(versions.status).toBe(200);
    const list = VersionList.parse(versions.body);
    expect(list.itemId).toBe(id);
    expect(list.versions.map(({ version, pubstatus }) => [version, pubstatus])).toEqual([
      [1, 'usable'],
      [2, 'canceled'],
    ]);
    expect(list.versions[0]?.links.self).toBe(`/v1/items/${id}/versions/1`);
    expect(responseHeader(versions, 'etag')).toBe('"2"');

    const first = await getVersion(id, '1');
    expect(first.body).toEqual(document);
    expect(responseHeader(first, 'etag')).toBe('"1"');

    // A page at a time: the cursor continues after version 1; the last page has none.
    const page1 = VersionList.parse((await getVersions(id, { query: { limit: '1' } })).body);
    expect(page1.versions.map((v) => [v.version, v.release.state])).toEqual([[1, 'public']]);
    expect(page1.cursor).toEqual(expect.any(String));
    const page2 = await getVersions(id, { query: { limit: '1', cursor: page1.cursor! } });
    expect(responseHeader(page2, 'etag')).toBe('"2"');
    expect(VersionList.parse(page2.body)).toMatchObject({ versions: [{ version: 2 }] });
    expect(VersionList.parse(page2.body).cursor).toBeUndefined();
    // A tampered cursor, or a bad limit: 400 with pointers, never a 500.
    const [payload, mac] = page1.cursor!.split('.') as [string, string];
    const forged = `${payload}.${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`;
    const tampered = await getVersions(id, { query: { cursor: forged, limit: '0' } });
    expectProblem(tampered, 400, 'validation-error');
    expect(tampered.body.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual([
      '/cursor',
      '/limit',
    ]);

    // A retried DELETE is a no-op; a correction of a retracted item is a conflict.
    const retry = await del(id, '"1"');
    expect(retry.status).toBe(200);
    expect(retry.body.version).toBe(2);
    expectProblem(await put(id, JSON.stringify(document), '"2"'), 409, 'conflict');
  });
});
