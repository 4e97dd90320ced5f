import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { OPENAPI_PATH } from '#scripts/generate-openapi.ts';
import { PROBLEM_TYPES, type ProblemSlug, problemTypeUri, routeSpecs } from '#shared/contracts/api/index.ts';

/** The committed document, as renderers, code generators and partners read it. */
const document = JSON.parse(readFileSync(OPENAPI_PATH, 'utf8'));

type MediaType = { schema: object; example?: unknown; examples?: Record<string, { value: unknown }> };
type Operation = {
  tags?: string[];
  requestBody?: { content: Record<string, MediaType> };
  responses: Record<string, { content?: Record<string, MediaType> }>;
};
const operations = Object.entries(document.paths as Record<string, Record<string, Operation>>).flatMap(
  ([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, op })),
);

function refs(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) for (const child of node) refs(child, found);
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') found.push(value);
      else refs(value, found);
    }
  }
  return found;
}

function resolvePointer(pointer: string): unknown {
  return pointer
    .slice(2)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<unknown>((node, token) => (node as Record<string, unknown> | undefined)?.[token], document);
}

describe('the OpenAPI document (docs/openapi.json)', () => {
  it('is valid OpenAPI 3.1 by an independent validator of the specification schema', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('is self-contained: every $ref points inside the document and resolves', () => {
    const all = refs(document);
    expect(all.length).toBeGreaterThan(50);
    for (const ref of all) {
      expect(ref, ref).toMatch(/^#\//);
      expect(resolvePointer(ref), ref).toBeDefined();
    }
  });

  it('names the servers, the security scheme and a tag for every operation', () => {
    expect(document.servers.map((s: { url: string }) => s.url)).toEqual([
      'https://{apiId}.execute-api.{region}.amazonaws.com',
      'http://localhost:{port}',
    ]);
    expect(document.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(document.security).toEqual([{ apiKey: [] }]);
    const declared = new Set(document.tags.map((t: { name: string }) => t.name));
    expect(operations.length).toBe(routeSpecs().length);
    for (const { key, op } of operations) {
      expect(op.tags, key).toHaveLength(1);
      expect(declared.has(op.tags![0]), key).toBe(true);
    }
  });

  it('gives the seed article as the example of POST /v1/items', () => {
    const seed = JSON.parse(
      readFileSync(new URL('../../../examples/seed-article.json', import.meta.url), 'utf8'),
    );
    const body = document.paths['/v1/items'].post.requestBody.content['application/json'];
    expect(body.examples.seed.value).toEqual(seed);
  });

  it('has examples that are valid against their own schemas', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ $id: 'https://diplowire.test/openapi.json', components: document.components });
    let checked = 0;
    const check = (where: string, media: MediaType) => {
      const validate = ajv.compile({
        $ref: `https://diplowire.test/openapi.json${(media.schema as { $ref: string }).$ref}`,
      });
      const values = [
        ...(media.example === undefined ? [] : [media.example]),
        ...Object.values(media.examples ?? {}).map((e) => e.value),
      ];
      for (const value of values) {
        expect(validate(value) ? [] : validate.errors, where).toEqual([]);
        checked += 1;
      }
    };
    for (const { key, op } of operations) {
      for (const [type, media] of Object.entries(op.requestBody?.content ?? {}))
        check(`${key} ${type}`, media);
      for (const [status, response] of Object.entries(op.responses)) {
        for (const [type, media] of Object.entries(response.content ?? {}))
          check(`${key} ${status} ${type}`, media);
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('lists every problem type the API emits, and every problem response carries an example of its type', () => {
    const slugs = Object.keys(PROBLEM_TYPES) as ProblemSlug[];
    expect(document.components.schemas.Problem.properties.type.enum).toEqual(slugs.map(problemTypeUri));
    const seen = new Set<string>();
    for (const { key, op } of operations) {
      for (const [status, response] of Object.entries(op.responses)) {
        const problem = response.content?.['application/problem+json'];
        if (!problem) continue;
        const examples = Object.values(problem.examples ?? {}).map(
          (e) => e.value as { type: string; status: number },
        );
        expect(examples.length, `${key} ${status}`).toBeGreaterThan(0);
        for (const example of examples) {
          expect(example.status, `${key} ${status}`).toBe(Number(status));
          seen.add(example.type);
        }
      }
    }
    // 405 answers methods no operation has, so no operation documents it; the type's enum does.
    const perOperation = slugs.filter((slug) => slug !== 'method-not-allowed').map(problemTypeUri);
    expect([...seen].sort()).toEqual(perOperation.sort());
  });
});
