import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createDiplowireClient } from '#clients/typescript/index.ts';
import { CLIENT_SCHEMA_PATH, renderClientSchema } from '#scripts/generate-client.ts';

describe('the typed partner client', () => {
  it('has the types generated from the current docs/openapi.json (run npm run contracts)', async () => {
    expect(readFileSync(CLIENT_SCHEMA_PATH, 'utf8')).toBe(await renderClientSchema());
  });

  it('sends the API key and the typed request to the base URL', async () => {
    const seen: Request[] = [];
    const client = createDiplowireClient({
      baseUrl: 'https://api.diplowire.test/',
      apiKey: 'dwk_test',
      fetch: async (request) => {
        seen.push(request as Request);
        return new Response(
          JSON.stringify({ type: '/problems/not-found', title: 'Not found', status: 404 }),
          {
            status: 404,
            headers: { 'content-type': 'application/problem+json' },
          },
        );
      },
    });
    const { data, error, response } = await client.GET('/v1/items/{id}', {
      params: { path: { id: 'itm_01JD8X0000000000000000000A' } },
    });
    expect(response.status).toBe(404);
    expect(data).toBeUndefined();
    expect(error).toMatchObject({ type: '/problems/not-found', status: 404 });
    expect(seen[0]?.url).toBe('https://api.diplowire.test/v1/items/itm_01JD8X0000000000000000000A');
    expect(seen[0]?.headers.get('authorization')).toBe('Bearer dwk_test');
  });

  it('refuses, at compile time, paths and bodies the API does not have', () => {
    const client = createDiplowireClient({ baseUrl: 'https://api.diplowire.test', apiKey: 'dwk_test' });
    // Never called: `tsc --noEmit` (npm test) fails when these stop being type errors.
    const typeChecks = () => {
      // @ts-expect-error no such path
      void client.GET('/v1/nothing');
      // @ts-expect-error a subscription needs a url
      void client.POST('/v1/subscriptions', { body: { events: ['NewsItemPublished'] } });
    };
    expect(typeChecks).toBeTypeOf('function');
  });
});
