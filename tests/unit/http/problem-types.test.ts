import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { PROBLEM_DOCS_PATH, renderProblemDocs } from '#scripts/generate-problem-docs.ts';
import * as httpErrors from '#shared/adapters/http/errors.ts';
import { internalErrorResponse } from '#shared/adapters/http/problem-details.ts';
import {
  PROBLEM_DOCS_ROUTE,
  PROBLEM_TYPES,
  type ProblemSlug,
  problemTypeUri,
} from '#shared/contracts/api/problem-types.ts';
import * as domainErrors from '#shared/domain/errors.ts';
import { DiplowireError } from '#shared/domain/errors.ts';
import { httpEvent, lambdaContext } from '../../support/api-events';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The modules that declare the typed errors the API answers with. */
const ERROR_MODULES = {
  'shared/domain/errors.ts': domainErrors,
  'shared/adapters/http/errors.ts': httpErrors,
};

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) return name === 'generated' ? [] : sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}
const PRODUCT_SOURCES = [...sourceFiles('shared'), ...sourceFiles('functions')];

/** Every problem the code can emit: one per concrete typed error, plus the internal error. */
function emittedProblems(): { slug: string; status: number; title: string }[] {
  const problems: { slug: string; status: number; title: string }[] = Object.values(ERROR_MODULES).flatMap(
    (module) =>
      (Object.values(module) as unknown[])
        .filter(
          (value): value is new (detail: string) => DiplowireError =>
            typeof value === 'function' && value.prototype instanceof DiplowireError,
        )
        .map((ErrorClass) => new ErrorClass('detail'))
        .map(({ slug, status, title }) => ({ slug, status, title })),
  );
  const internal = JSON.parse(internalErrorResponse('/v1/items').body) as {
    type: string;
    status: number;
    title: string;
  };
  problems.push({
    slug: internal.type.replace('/problems/', ''),
    status: internal.status,
    title: internal.title,
  });
  return problems;
}

describe('problem types', () => {
  it('declares every typed error in the modules this test enumerates', () => {
    const declaring = PRODUCT_SOURCES.filter((file) =>
      /extends DiplowireError\b/.test(readFileSync(join(ROOT, file), 'utf8')),
    );
    expect(declaring.sort()).toEqual(Object.keys(ERROR_MODULES).sort());
  });

  it('builds every type URI from the registry: no other code spells one out', () => {
    const spelled = PRODUCT_SOURCES.filter(
      (file) =>
        file !== 'shared/contracts/api/problem-types.ts' &&
        /['"`]\/problems\//.test(readFileSync(join(ROOT, file), 'utf8')),
    );
    expect(spelled).toEqual([]);
  });

  it('registers exactly the problems the code can emit, with their status and title', () => {
    const emitted = emittedProblems();
    // A subclass of a typed error (ItemExistsError is a ConflictError) emits its parent's problem.
    expect([...new Set(emitted.map((p) => p.slug))].sort()).toEqual(Object.keys(PROBLEM_TYPES).sort());
    for (const { slug, status, title } of emitted) {
      expect({ status, title }, slug).toEqual({
        status: PROBLEM_TYPES[slug as ProblemSlug].status,
        title: PROBLEM_TYPES[slug as ProblemSlug].title,
      });
    }
  });

  it('documents each in docs/problems.md under an anchor named after its slug (run npm run contracts)', () => {
    const markdown = readFileSync(PROBLEM_DOCS_PATH, 'utf8');
    expect(markdown).toBe(renderProblemDocs());
    for (const { slug } of emittedProblems()) {
      expect(markdown, slug).toContain(`<a id="${slug}"></a>`);
      expect(markdown, slug).toContain(`](#${slug})`);
    }
    expect(relative(ROOT, PROBLEM_DOCS_PATH)).toBe('docs/problems.md');
  });
});

describe('GET /problems/{slug}: the API documents each type where its URI points', () => {
  let handler: typeof import('#functions/items-read/handler.ts')['handler'];
  let stdout: MockInstance<typeof process.stdout.write>;
  beforeAll(async () => {
    process.env.ITEMS_TABLE_NAME ??= 'items-unit-test';
    process.env.PARTNERS_TABLE_NAME ??= 'partners-unit-test';
    process.env.AWS_REGION ??= 'us-east-1';
    ({ handler } = await import('#functions/items-read/handler.ts'));
  });
  beforeEach(() => {
    stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(() => stdout.mockRestore());

  const get = (slug: string) =>
    handler(
      httpEvent({ routeKey: PROBLEM_DOCS_ROUTE, pathParameters: { slug }, authorizer: null }),
      lambdaContext(),
    );

  it('serves a page for every emitted type, without an API key', async () => {
    for (const { slug } of emittedProblems()) {
      const response = await get(slug);
      expect(response.statusCode, slug).toBe(200);
      expect(response.headers?.['content-type']).toBe('text/html; charset=utf-8');
      expect(response.body).toContain(`<code>${problemTypeUri(slug as ProblemSlug)}</code>`);
      expect(response.body).toContain(PROBLEM_TYPES[slug as ProblemSlug].title);
    }
  });

  it('answers an unknown slug with a not-found problem', async () => {
    const response = await get('no-such-problem');
    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body)).toMatchObject({ type: problemTypeUri('not-found'), status: 404 });
  });
});
