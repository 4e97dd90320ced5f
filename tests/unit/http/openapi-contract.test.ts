import { readFileSync } from 'node:fs';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { OPENAPI_PATH, renderOpenApi } from '#scripts/generate-openapi.ts';
import {
  buildOpenApiDocument,
  METHOD_FALLBACK_ROUTES,
  ROUTE_DOCS,
  ROUTES,
  type RouteKey,
  routeSpecs,
} from '#shared/contracts/api/index.ts';

let handledRoutes: { function: string; keys: string[] }[] = [];

beforeAll(async () => {
  // The handlers read their table and queue at module load; nothing here talks to AWS.
  process.env.ITEMS_TABLE_NAME ??= 'items-unit-test';
  process.env.WEBHOOKS_TABLE_NAME ??= 'webhooks-unit-test';
  process.env.PARTNERS_TABLE_NAME ??= 'partners-unit-test';
  process.env.DELIVERY_QUEUE_URL ??= 'https://sqs.us-east-1.amazonaws.com/123456789012/deliveries-unit-test';
  process.env.AWS_REGION ??= 'us-east-1';
  const write = await import('#functions/items-write/handler.ts');
  const read = await import('#functions/items-read/handler.ts');
  const subscriptions = await import('#functions/subscriptions-api/handler.ts');
  const feed = await import('#functions/feed-api/handler.ts');
  handledRoutes = [
    { function: 'feed-api', keys: Object.keys(feed.routes) },
    { function: 'items-write', keys: Object.keys(write.routes) },
    { function: 'items-read', keys: Object.keys(read.routes) },
    { function: 'subscriptions-api', keys: Object.keys(subscriptions.routes) },
  ];
});

describe('the API contract', () => {
  it('docs/openapi.json is the committed output of buildOpenApiDocument() (run scripts/generate-openapi.ts)', () => {
    expect(readFileSync(OPENAPI_PATH, 'utf8')).toBe(renderOpenApi());
  });

  it('is an OpenAPI 3.1 document whose every $ref inside it resolves', () => {
    const document = buildOpenApiDocument();
    expect(document.openapi).toBe('3.1.0');
    const refs = JSON.stringify(document).match(/"\$ref":"#\/components\/schemas\/\w+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) {
      const id = ref.slice(ref.lastIndexOf('/') + 1, -1);
      expect(document.components.schemas, id).toHaveProperty(id);
    }
  });

  it('carries the vendored ninjs 2.2 schema as the request body, inside the document', () => {
    const schemas = buildOpenApiDocument().components.schemas as Record<
      string,
      { $ref?: string; title?: string }
    >;
    expect(schemas.NinjsDocument?.$ref).toBe('#/components/schemas/Ninjs');
    expect(schemas.Ninjs?.title).toContain('ninjs - News in JSON - version 2.2');
  });

  it('keys every route by its own method and path', () => {
    for (const route of routeSpecs()) expect(route.key).toBe(`${route.method} ${route.path}`);
  });

  it('documents every route a handler serves, and every route is served by the function the table names', () => {
    const paths = buildOpenApiDocument().paths;
    const served = handledRoutes.flatMap(({ function: fn, keys }) => keys.map((key) => ({ fn, key })));
    expect(served.map(({ key }) => key).sort()).toEqual(Object.keys(ROUTES).sort());
    for (const { fn, key } of served) {
      const route = ROUTES[key as RouteKey];
      expect(route.function, key).toBe(fn);
      const [method, path] = key.split(' ') as [string, string];
      expect(paths[path]?.[method.toLowerCase()], key).toBeDefined();
    }
  });

  it('documents the language of a translation as a BCP 47 path parameter', () => {
    const paths = buildOpenApiDocument().paths as Record<string, Record<string, { parameters?: object[] }>>;
    expect(paths['/v1/items/{id}/translations/{lang}']?.get?.parameters).toEqual([
      expect.objectContaining({
        name: 'id',
        in: 'path',
        schema: expect.objectContaining({ pattern: expect.stringMatching(/^\^itm_/) }),
      }),
      expect.objectContaining({
        name: 'lang',
        in: 'path',
        schema: { type: 'string', pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$' },
      }),
    ]);
  });

  it('has a 405 fallback for every documented path and for nothing else', () => {
    const documented = Object.keys(buildOpenApiDocument().paths).sort();
    expect(Object.values(METHOD_FALLBACK_ROUTES).sort()).toEqual(documented);
  });

  it('requires If-Match exactly where an item version is changed', () => {
    const paths = buildOpenApiDocument().paths as Record<
      string,
      Record<string, { parameters?: { name: string }[] }>
    >;
    for (const route of routeSpecs()) {
      const names = paths[route.path]?.[route.method.toLowerCase()]?.parameters?.map((p) => p.name) ?? [];
      // Subscriptions have no versions: DELETE /v1/subscriptions/{id} needs no precondition.
      const changesItemVersion =
        route.path.startsWith('/v1/items') && (route.method === 'PUT' || route.method === 'DELETE');
      expect(names.includes('If-Match'), route.key).toBe(changesItemVersion);
    }
  });
});

describe('route documentation', () => {
  it('documents every route of the table, and nothing else', () => {
    expect(Object.keys(ROUTE_DOCS).sort()).toEqual(Object.keys(ROUTES).sort());
  });

  it('stays out of what the API functions bundle (only the route table ships)', async () => {
    const result = await build({
      entryPoints: [new URL('../../../shared/adapters/http/index.ts', import.meta.url).pathname],
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'node',
      external: ['@aws-lambda-powertools/*', '@middy/*'],
      write: false,
    });
    const bundle = result.outputFiles[0]!.text;
    expect(bundle).toContain('webhooks:manage');
    expect(bundle).not.toContain(ROUTE_DOCS['POST /v1/items'].summary);
    expect(bundle).not.toContain('operationId');
  });
});
