/** Reading items, their versions, their translations and the item list through the items API handlers. */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoTranslationStore } from '#shared/adapters/dynamodb/translation-store.ts';
import { ItemList, ItemTranslation, Problem } from '#shared/contracts/api/schemas.ts';
import { newId } from '#shared/domain/ids.ts';
import { httpEvent, lambdaContext, partnerContext, responseHeader } from '../support/api-events';
import {
  client,
  created,
  documents,
  expectProblem,
  getItem,
  getTranslation,
  getVersion,
  item,
  partnerA,
  partnerB,
  put,
  read,
  send,
  tableName,
} from '../support/items-api';
import { recordTranslation } from '../support/translations';

const seedBytes = readFileSync(new URL('../fixtures/seed/kuwait-belgium-call.ar.txt', import.meta.url));
const seed = seedBytes.toString('utf8');

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
