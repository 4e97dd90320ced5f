import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it, type MockInstance, vi } from 'vitest';
import { DynamoTranslationStore } from '#shared/adapters/dynamodb/translation-store.ts';
import type { HttpLambdaHandler } from '#shared/adapters/http/index.ts';
import {
  ItemList,
  ItemReceipt,
  ItemTranslation,
  Problem,
  VersionList,
} from '#shared/contracts/api/schemas.ts';
import { newId } from '#shared/domain/ids.ts';
import { MAX_BODY_BYTES } from '#shared/domain/ingest/index.ts';
import {
  type HttpEventInput,
  httpEvent,
  lambdaContext,
  partnerContext,
  responseHeader,
} from '../support/api-events';
import { localDynamoClient, uniqueTableName } from '../support/dynamodb';
import { createItemsTable, createPartnersTable } from '../support/tables';
import { recordTranslation } from '../support/translations';

const tableName = uniqueTableName('api-handlers');
const partnersTableName = uniqueTableName('api-handlers-partners');
const client = localDynamoClient();
const documents = DynamoDBDocumentClient.from(client);
const seedBytes = readFileSync(new URL('../fixtures/seed/kuwait-belgium-call.ar.txt', import.meta.url));
const seed = seedBytes.toString('utf8');

const awsEnv = () => ({
  AWS_ENDPOINT_URL_DYNAMODB: inject('dynamodbEndpoint'),
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  POWERTOOLS_METRICS_NAMESPACE: 'Diplowire',
  POWERTOOLS_SERVICE_NAME: 'items-api',
});

let write: HttpLambdaHandler;
let read: HttpLambdaHandler;

beforeAll(async () => {
  await createItemsTable(client, tableName);
  await createPartnersTable(client, partnersTableName);
  // Set before importing: the handlers read config and build their clients at module load.
  Object.assign(process.env, awsEnv(), {
    ITEMS_TABLE_NAME: tableName,
    PARTNERS_TABLE_NAME: partnersTableName,
  });
  write = (await import('#functions/items-write/handler.ts')).handler;
  read = (await import('#functions/items-read/handler.ts')).handler;
});

afterAll(() => client.destroy());

// Logs and EMF metrics go to stdout (errors to stderr): keep them for assertions and out of the report.
let streams: MockInstance<typeof process.stdout.write>[] = [];
beforeEach(() => {
  streams = [process.stdout, process.stderr].map((stream) =>
    vi.spyOn(stream, 'write').mockImplementation(() => true),
  );
  return () => {
    for (const stream of streams) stream.mockRestore();
  };
});
const logged = () => streams.flatMap((stream) => stream.mock.calls.map((call) => String(call[0]))).join('');

// --- requests -------------------------------------------------------------------------------

const partnerA = partnerContext(newId('ptn'));
const partnerB = partnerContext(newId('ptn'));

interface Sent {
  status: number;
  headers: Record<string, string>;
  raw: string;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are checked against the contract schemas below
  body: any;
}

async function send(handler: HttpLambdaHandler, input: HttpEventInput): Promise<Sent> {
  const response = await handler(httpEvent(input), lambdaContext());
  expect(typeof response.body).toBe('string');
  return {
    status: response.statusCode,
    headers: response.headers,
    raw: response.body,
    body: JSON.parse(response.body),
  };
}

function item(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    uri: `urn:diplowire:test:${randomUUID()}`,
    language: 'ar',
    headlines: [{ value: 'الكويت وبلجيكا تبحثان العلاقات الثنائية' }],
    bodies: [{ role: 'main', contenttype: 'text/plain', value: 'نص الخبر' }],
    ...overrides,
  };
}

interface Options {
  partner?: Record<string, unknown> | null;
  headers?: Record<string, string>;
}

const jsonHeaders = (options: Options) => ({ 'content-type': 'application/json', ...options.headers });

const post = (body: string | undefined, options: Options = {}) =>
  send(write, {
    routeKey: 'POST /v1/items',
    headers: jsonHeaders(options),
    ...(body !== undefined && { body }),
    authorizer: options.partner === undefined ? partnerA : options.partner,
  });

const put = (id: string, body: string, ifMatch: string | undefined, options: Options = {}) =>
  send(write, {
    routeKey: 'PUT /v1/items/{id}',
    pathParameters: { id },
    headers: { ...jsonHeaders(options), ...(ifMatch !== undefined && { 'if-match': ifMatch }) },
    body,
    authorizer: options.partner === undefined ? partnerA : options.partner,
  });

const del = (id: string, ifMatch: string | undefined, options: Options = {}) =>
  send(write, {
    routeKey: 'DELETE /v1/items/{id}',
    pathParameters: { id },
    headers: { ...options.headers, ...(ifMatch !== undefined && { 'if-match': ifMatch }) },
    authorizer: options.partner === undefined ? partnerA : options.partner,
  });

const getItem = (id: string, options: Options = {}) =>
  send(read, {
    routeKey: 'GET /v1/items/{id}',
    pathParameters: { id },
    authorizer: options.partner === undefined ? partnerA : options.partner,
  });

const getVersions = (id: string, options: Options & { query?: Record<string, string> } = {}) =>
  send(read, {
    routeKey: 'GET /v1/items/{id}/versions',
    pathParameters: { id },
    ...(options.query && { queryStringParameters: options.query }),
    authorizer: options.partner === undefined ? partnerA : options.partner,
  });

const getVersion = (id: string, version: string, options: Options = {}) =>
  send(read, {
    routeKey: 'GET /v1/items/{id}/versions/{version}',
    pathParameters: { id, version },
    authorizer: options.partner === undefined ? partnerA : options.partner,
  });

const getTranslation = (id: string, lang: string, options: Options = {}) =>
  send(read, {
    routeKey: 'GET /v1/items/{id}/translations/{lang}',
    pathParameters: { id, lang },
    authorizer: options.partner === undefined ? partnerA : options.partner,
  });

async function created(document = item()) {
  const response = await post(JSON.stringify(document));
  expect(response.status).toBe(201);
  return { id: ItemReceipt.parse(response.body).id, document };
}

function expectProblem(response: Sent, status: number, slug: string) {
  expect(response.status, response.raw).toBe(status);
  expect(responseHeader(response, 'content-type')).toBe('application/problem+json');
  const problem = Problem.parse(response.body);
  expect(problem).toMatchObject({ type: `/problems/${slug}`, status });
  return problem;
}

// --- tests ----------------------------------------------------------------------------------

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

describe('the owner is always the authenticated partner', () => {
  it('refuses partnerId in the body as an unknown field', async () => {
    const problem = expectProblem(
      await post(JSON.stringify(item({ partnerId: partnerB.partnerId }))),
      400,
      'validation-error',
    );
    expect(problem.errors?.map((error) => error.pointer)).toContain('/partnerId');
  });

  it('ignores ninjs fields and headers that name another partner', async () => {
    const document = item({
      copyrightholder: partnerB.partnerId,
      infosources: [{ name: String(partnerB.partnerId), role: 'owner' }],
    });
    const response = await post(JSON.stringify(document), {
      headers: { 'x-partner-id': String(partnerB.partnerId) },
    });
    expect(response.status).toBe(201);
    const { id } = ItemReceipt.parse(response.body);
    expect((await getItem(id)).status).toBe(200);
    expectProblem(await getItem(id, { partner: partnerB }), 404, 'not-found');
    const row = await documents.send(
      new GetCommand({ TableName: tableName, Key: { PK: `ITEM#${id}`, SK: 'V#000000001' } }),
    );
    expect(row.Item?.partnerId).toBe(partnerA.partnerId);
  });

  it('401 with a Bearer challenge when the authorizer context has no partner', async () => {
    for (const response of [
      await post(JSON.stringify(item()), { partner: null }),
      await getItem(newId('itm'), { partner: {} }),
    ]) {
      expectProblem(response, 401, 'unauthorized');
      expect(responseHeader(response, 'www-authenticate')).toBe('Bearer');
    }
    const invalidKey = await post(JSON.stringify(item()), { partner: { authError: 'invalid-key' } });
    expectProblem(invalidKey, 401, 'unauthorized');
    expect(responseHeader(invalidKey, 'www-authenticate')).toBe('Bearer error="invalid_token"');
  });

  it('403 when the key lacks the scope of the route', async () => {
    const readOnly = partnerContext(String(partnerA.partnerId), 'items:read');
    const response = await post(JSON.stringify(item()), { partner: readOnly });
    expectProblem(response, 403, 'insufficient-scope');
  });

  it("answers 404 on every item route for another partner's item, exactly as for an unknown id", async () => {
    const { id, document } = await created();
    const other = { partner: partnerB };
    const unknownId = newId('itm');
    const attempts = [
      [() => getItem(id, other), () => getItem(unknownId, other)],
      [() => getVersions(id, other), () => getVersions(unknownId, other)],
      [() => getVersion(id, '1', other), () => getVersion(unknownId, '1', other)],
      [
        () => put(id, JSON.stringify(document), '"1"', other),
        () => put(unknownId, JSON.stringify(document), '"1"', other),
      ],
      [() => del(id, '"1"', other), () => del(unknownId, '"1"', other)],
    ] as const;
    for (const [theirs, nobodys] of attempts) {
      const [forOther, forUnknown] = [await theirs(), await nobodys()];
      const problem = expectProblem(forOther, 404, 'not-found');
      expect(problem.detail).toBe(Problem.parse(forUnknown.body).detail);
      expect(forOther.raw).not.toContain(String(partnerA.partnerId));
    }
    // Nothing changed for the owner.
    expect((await getVersions(id)).body.versions).toHaveLength(1);
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

describe('GET', () => {
  it('returns the seed article exactly as stored, byte for byte', async () => {
    const document = item({
      uri: `urn:diplowire:seed:kuwait-belgium-call:${randomUUID()}`,
      headlines: [{ value: seed.split('\n')[0] }],
      bodies: [{ role: 'main', contenttype: 'text/plain', value: seed }],
    });
    const { id } = await created(document);
    const response = await getItem(id);
    expect(response.status).toBe(200);
    expect(responseHeader(response, 'content-type')).toBe('application/json; charset=utf-8');

    const stored = await documents.send(
      new GetCommand({ TableName: tableName, Key: { PK: `ITEM#${id}`, SK: 'V#000000001' } }),
    );
    expect(response.raw).toBe(stored.Item?.document);
    expect(response.raw).toBe(JSON.stringify(document));
    expect(Buffer.from(response.body.bodies[0].value, 'utf8').equals(seedBytes)).toBe(true);
    expect((await getVersion(id, '1')).raw).toBe(response.raw);
  });

  it('answers HEAD like GET without content: the ETag of the latest version; 404 for another partner', async () => {
    const { id } = await created();
    const head = (authorizer: Record<string, unknown>) =>
      read(
        httpEvent({ routeKey: 'HEAD /v1/items/{id}', method: 'HEAD', pathParameters: { id }, authorizer }),
        lambdaContext(),
      );
    const ok = await head(partnerA);
    expect(ok.statusCode).toBe(200);
    expect(responseHeader(ok, 'etag')).toBe('"1"');
    expect(ok.body).toBe('');
    const other = await head(partnerB);
    expect(other.statusCode).toBe(404);
    expect(other.body).toBe('');
  });

  it('answers 404 for versions that do not exist or cannot exist, and for ids that cannot exist', async () => {
    const { id } = await created();
    for (const version of ['2', '0', '-1', 'latest', '01']) {
      expectProblem(await getVersion(id, version), 404, 'not-found');
    }
    expectProblem(await getItem('not-an-item-id'), 404, 'not-found');
    expectProblem(await getItem(`itm_${'Z'.repeat(3000)}`), 404, 'not-found');
  });
});

describe('GET /v1/items/{id}/translations/{lang}', () => {
  // Rows written exactly as the translator writes them: claim, then record the outcome.
  const translations = new DynamoTranslationStore(client, tableName);

  async function storeTranslation(
    itemId: string,
    version: number,
    language: string,
    outcome: { status: 'translated' | 'skipped'; reason?: string; headline?: string },
    partnerId = partnerA.partnerId as string,
  ) {
    const translated = outcome.status === 'translated';
    await recordTranslation(translations, {
      itemId,
      version,
      language,
      partnerId,
      uri: `urn:diplowire:test:${itemId}`,
      provider: translated ? 'aws' : 'none',
      status: outcome.status,
      ...(outcome.reason !== undefined && { reason: outcome.reason }),
      headlines: translated ? [{ value: outcome.headline ?? 'Kuwait and Belgium discuss ties' }] : [],
      ...(translated ? {} : { bodies: [] }),
      charactersBilled: translated ? 42 : 0,
      translatedAt: '2025-01-31T12:00:00.000Z',
    });
  }

  it("returns the stored translation of the caller's item, for the tag or any of its regional forms", async () => {
    const { id } = await created();
    await storeTranslation(id, 1, 'en', {
      status: 'translated',
      headline: 'Kuwait and Belgium discuss ties',
    });
    const response = await getTranslation(id, 'en');
    expect(response.status, response.raw).toBe(200);
    expect(responseHeader(response, 'content-type')).toBe('application/json; charset=utf-8');
    expect(ItemTranslation.strict().parse(response.body)).toEqual({
      itemId: id,
      version: 1,
      language: 'en',
      sourceLanguage: 'ar',
      provider: 'aws',
      status: 'translated',
      headlines: [{ value: 'Kuwait and Belgium discuss ties' }],
      bodies: [{ role: 'main', contenttype: 'text/plain', value: 'The news text' }],
      charactersBilled: 42,
      translatedAt: '2025-01-31T12:00:00.000Z',
      links: { item: `/v1/items/${id}`, version: `/v1/items/${id}/versions/1` },
    });
    // Stored under the provider code: en-GB and EN name the same translation.
    expect((await getTranslation(id, 'en-GB')).body).toEqual(response.body);
    expect((await getTranslation(id, 'EN')).body).toEqual(response.body);
  });

  it('prefers the latest translated version over a later skipped one, and shows a skip when nothing was translated', async () => {
    const { id } = await created();
    await storeTranslation(id, 1, 'en', { status: 'skipped', reason: 'no translation provider' });
    const skipped = await getTranslation(id, 'en');
    expect(skipped.status, skipped.raw).toBe(200);
    expect(skipped.body).toMatchObject({
      version: 1,
      status: 'skipped',
      provider: 'none',
      reason: 'no translation provider',
      headlines: [],
      bodies: [],
      charactersBilled: 0,
    });

    // Version 2 (a correction) was skipped, version 1 translated: the translation is the answer.
    const { id: corrected, document } = await created();
    const correction = await put(
      corrected,
      JSON.stringify({ ...document, headlines: [{ value: 'تصحيح' }] }),
      '"1"',
    );
    expect(correction.status, correction.raw).toBe(200);
    await storeTranslation(corrected, 1, 'en', { status: 'translated', headline: 'Version one' });
    await storeTranslation(corrected, 2, 'en', {
      status: 'skipped',
      reason: 'unsupported language pair ar->en',
    });
    expect((await getTranslation(corrected, 'en')).body).toMatchObject({
      version: 1,
      status: 'translated',
      headlines: [{ value: 'Version one' }],
    });
  });

  it("answers 404 for another partner's item, exactly as for an unknown item", async () => {
    const { id } = await created();
    await storeTranslation(id, 1, 'en', { status: 'translated' });
    const foreign = expectProblem(await getTranslation(id, 'en', { partner: partnerB }), 404, 'not-found');
    const unknown = expectProblem(await getTranslation(newId('itm'), 'en'), 404, 'not-found');
    expect(foreign.detail).toBe(unknown.detail);
    expect(JSON.stringify(foreign)).not.toContain('Kuwait');
  });

  it('answers 404 when there is no translation into that language', async () => {
    const { id } = await created();
    expectProblem(await getTranslation(id, 'en'), 404, 'not-found');
    await storeTranslation(id, 1, 'en', { status: 'translated' });
    expectProblem(await getTranslation(id, 'fr'), 404, 'not-found');
  });

  it('answers 404 for a language tag that cannot exist, before reading anything', async () => {
    const { id } = await created();
    await storeTranslation(id, 1, 'en', { status: 'translated' });
    for (const lang of ['english', 'e', '12', 'en_US', 'en--GB', `en-${'x'.repeat(300)}`]) {
      expectProblem(await getTranslation(id, lang), 404, 'not-found');
    }
  });

  it('401 without a partner and 403 without items:read', async () => {
    const { id } = await created();
    expectProblem(await getTranslation(id, 'en', { partner: null }), 401, 'unauthorized');
    const writeOnly = partnerContext(partnerA.partnerId as string, 'items:write');
    expectProblem(await getTranslation(id, 'en', { partner: writeOnly }), 403, 'insufficient-scope');
  });
});

describe('routing', () => {
  it('405 with Allow for a method a known path does not support', async () => {
    const cases = [
      ['ANY /v1/items', 'PATCH', '/v1/items', 'POST, GET, HEAD'],
      ['ANY /v1/items/{id}', 'PATCH', `/v1/items/${newId('itm')}`, 'PUT, DELETE, GET, HEAD'],
      ['ANY /v1/items/{id}/versions', 'POST', `/v1/items/${newId('itm')}/versions`, 'GET, HEAD'],
      ['ANY /v1/items/{id}/versions/{version}', 'PUT', `/v1/items/${newId('itm')}/versions/1`, 'GET, HEAD'],
      [
        'ANY /v1/items/{id}/translations/{lang}',
        'DELETE',
        `/v1/items/${newId('itm')}/translations/en`,
        'GET, HEAD',
      ],
      [
        'ANY /v1/subscriptions/{id}',
        'PUT',
        '/v1/subscriptions/sub_00000000000000000000000000',
        'GET, DELETE, HEAD',
      ],
    ] as const;
    for (const [routeKey, method, rawPath, allow] of cases) {
      const response = await send(read, { routeKey, method, rawPath, authorizer: partnerA });
      expect(expectProblem(response, 405, 'method-not-allowed').instance).toBe(rawPath);
      expect(responseHeader(response, 'allow')).toBe(allow);
    }
  });

  it('404 for an unknown route', async () => {
    const response = await send(read, { routeKey: 'ANY /{proxy+}', method: 'GET', rawPath: '/v2/items' });
    expect(expectProblem(response, 404, 'not-found').instance).toBe('/v2/items');
  });
});

describe('an internal fault', () => {
  it('is a 500 that reveals nothing, and is logged', async () => {
    // A second copy of the handler modules, configured with a table that does not exist.
    vi.resetModules();
    const previous = process.env.ITEMS_TABLE_NAME;
    process.env.ITEMS_TABLE_NAME = 'diplowire-missing-table';
    const broken = (await import('#functions/items-write/handler.ts')).handler;
    process.env.ITEMS_TABLE_NAME = previous;

    const response = await send(broken, {
      routeKey: 'POST /v1/items',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(item()),
      authorizer: partnerA,
    });
    const problem = expectProblem(response, 500, 'internal-error');
    expect(problem.detail).toBe('An internal error occurred. It has been logged.');
    for (const leak of ['missing-table', 'ResourceNotFound', 'Exception', 'dynamodb', 'stack', 'Error']) {
      expect(response.raw).not.toContain(leak);
    }
    expect(logged()).toContain('Unhandled error');
    expect(logged()).toContain('ResourceNotFoundException');
    expect(logged()).toContain('"InternalError"');
  });
});

describe('GET /v1/items', () => {
  const list = (query: Record<string, string>, partner = partnerB) =>
    send(read, { routeKey: 'GET /v1/items', queryStringParameters: query, authorizer: partner });

  it("answers a page of the caller's items (none yet for a new partner) without caching", async () => {
    const page = await list({});
    expect(page.status).toBe(200);
    expect(ItemList.parse(page.body)).toEqual({ items: [] });
    expect(page.headers['cache-control']).toBe('private, no-cache');
  });

  it('answers bad parameters and a forged cursor with problem+json naming each', async () => {
    const bad = await list({ limit: '201', held: 'maybe', cursor: 'forged.cursor' });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toBe('application/problem+json');
    expect(
      Problem.parse(bad.body)
        .errors?.map((e: { pointer: string }) => e.pointer)
        .sort(),
    ).toEqual(['/cursor', '/held', '/limit']);
  });
});
