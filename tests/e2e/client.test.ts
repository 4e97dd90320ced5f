/** The typed partner client (clients/typescript) against the local cloud, over real HTTP. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type components, createDiplowireClient, type DiplowireClient } from '#clients/typescript/index.ts';
import { createPartnerWithCli, seedArticle } from './support/helpers';
import { killLeftoverDynamoDb, type RunningCloud, startCloud } from './support/local-cloud';
import { synthesize } from './support/synth';

let dataDir: string;
let cloud: RunningCloud;
let client: DiplowireClient;

beforeAll(async () => {
  const cdkOut = await synthesize();
  dataDir = mkdtempSync(join(tmpdir(), 'diplowire-e2e-client-'));
  cloud = await startCloud({ dataDir, cdkOut, fresh: true });
  const partner = await createPartnerWithCli(dataDir, 'client');
  client = createDiplowireClient({ baseUrl: cloud.endpoints.api, apiKey: partner.apiKey });
}, 600_000);

afterAll(async () => {
  await cloud?.stop();
  if (dataDir) {
    await killLeftoverDynamoDb(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  }
});

describe('the typed client on the local cloud', () => {
  it('submits the seed article, reads it back and lists its versions', async () => {
    const article = seedArticle() as components['schemas']['NinjsDocument'];
    const created = await client.POST('/v1/items', { body: article });
    expect(created.response.status).toBe(201);
    const id = created.data!.id;
    expect(created.data!.version).toBe(1);

    const read = await client.GET('/v1/items/{id}', { params: { path: { id } } });
    expect(read.response.status).toBe(200);
    expect(read.data?.uri).toBe(article.uri);

    const versions = await client.GET('/v1/items/{id}/versions', { params: { path: { id } } });
    expect(versions.data?.versions.map((v) => v.version)).toEqual([1]);
    expect(versions.data?.cursor).toBeUndefined();

    // A correction, then the versions a page at a time with the cursor.
    const corrected = await client.PUT('/v1/items/{id}', {
      params: { path: { id }, header: { 'If-Match': '"1"' } },
      body: { ...article, headlines: [{ value: 'تصحيح' }] },
    });
    expect(corrected.response.status).toBe(200);
    const first = await client.GET('/v1/items/{id}/versions', {
      params: { path: { id }, query: { limit: 1 } },
    });
    expect(first.data?.versions.map((v) => [v.version, v.release.state])).toEqual([[1, 'public']]);
    const next = await client.GET('/v1/items/{id}/versions', {
      params: { path: { id }, query: { limit: 1, cursor: first.data!.cursor! } },
    });
    expect(next.data?.versions.map((v) => v.version)).toEqual([2]);
    expect(next.data?.cursor).toBeUndefined();
  });

  it('returns problems typed as problems', async () => {
    const missing = await client.GET('/v1/items/{id}', {
      params: { path: { id: `itm_${'0'.repeat(26)}` } },
    });
    expect(missing.response.status).toBe(404);
    expect(missing.error?.type).toBe('/problems/not-found');
  });
});
