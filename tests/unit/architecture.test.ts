import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layer boundaries of the developers' guide, checked on every import in the repository:
 * the domain does no I/O and knows no SDK, the product never imports the local cloud, the local
 * cloud never imports the product, and function entry points are imported only by infra and tests.
 */
const root = resolve(import.meta.dirname, '../..');

function sourceFiles(folder: string): string[] {
  return readdirSync(join(root, folder), { withFileTypes: true, recursive: true })
    .filter(
      (entry) => entry.isFile() && /\.(ts|mts|js|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts'),
    )
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .filter((file) => !file.includes('node_modules') && !file.includes('/generated/'));
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/**
 * Each import of a file: the specifier and, for a relative one or a package.json `imports` alias
 * (`#shared/...`), the repository path it points at.
 */
function importsOf(file: string): { specifier: string; target?: string }[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(IMPORT)].map((match) => {
    const specifier = (match[1] ?? match[2]) as string;
    if (specifier.startsWith('.'))
      return { specifier, target: relative(root, resolve(root, dirname(file), specifier)) };
    if (specifier.startsWith('#')) return { specifier, target: specifier.slice(1) };
    return { specifier };
  });
}

function violations(
  folders: string[],
  forbidden: (imported: { specifier: string; target?: string }) => boolean,
): string[] {
  return folders.flatMap((folder) =>
    sourceFiles(folder).flatMap((file) =>
      importsOf(file)
        .filter(forbidden)
        .map(({ specifier }) => `${file} imports ${specifier}`),
    ),
  );
}

const under = (folder: string) => (imported: { target?: string }) =>
  imported.target !== undefined && (imported.target === folder || imported.target.startsWith(`${folder}/`));

/** Node built-ins that do I/O or reach the process; the domain gets its I/O through ports. */
const IO_MODULES =
  /^(node:)?(fs|fs\/promises|net|dns|http|https|http2|child_process|worker_threads|dgram|tls|os|process)$/;

/**
 * Known exceptions, each with its reason. The tests fail on any other violation, and on an
 * exception that is no longer needed, so this list only shrinks.
 */
const ALLOWED = new Set([
  // BlockList and isIP only: pure address parsing and matching, no socket is opened.
  'shared/domain/webhooks/url-policy.ts imports node:net',
]);

function unexpected(found: string[]): string[] {
  return found.filter((violation) => !ALLOWED.has(violation));
}

/** A string or template literal that starts an API path, or a quoted header name used as a key. */
const HTTP_LITERAL =
  /['"`]\/v\d+\/|['"](webhook-[a-z]+|location|content-type|etag|allow|retry-after)['"]\s*:/gi;

describe('layer boundaries', () => {
  it('every allowed exception still exists (delete the ones that were fixed)', () => {
    const all = [
      ...violations(['shared/domain'], (imported) => IO_MODULES.test(imported.specifier)),
      ...violations(['local'], (imported) => under('shared')(imported)),
    ];
    expect([...ALLOWED].filter((allowed) => !all.includes(allowed))).toEqual([]);
  });

  it('finds the files it checks', () => {
    expect(sourceFiles('shared/domain').length).toBeGreaterThan(20);
    expect(sourceFiles('local').length).toBeGreaterThan(20);
    expect(importsOf('functions/items-write/handler.ts').length).toBeGreaterThan(3);
  });

  it('shared/domain imports no adapters, no SDK and no I/O module', () => {
    expect(
      unexpected(
        violations(
          ['shared/domain'],
          (imported) =>
            under('shared/adapters')(imported) ||
            under('functions')(imported) ||
            imported.specifier.startsWith('@aws-sdk/') ||
            imported.specifier.startsWith('@aws-lambda-powertools/') ||
            imported.specifier.startsWith('@middy/') ||
            IO_MODULES.test(imported.specifier),
        ),
      ),
    ).toEqual([]);
  });

  it('shared/domain builds no HTTP paths or headers: API paths come from shared/contracts/api/paths.ts, webhook headers from shared/adapters/webhooks/', () => {
    // String and template literals only (comments may name a route or a header).
    const found = sourceFiles('shared/domain').flatMap((file) =>
      [...readFileSync(join(root, file), 'utf8').matchAll(HTTP_LITERAL)].map(
        ([literal]) => `${file}: ${literal}`,
      ),
    );
    expect(found).toEqual([]);
  });

  it('the HTTP-literal check would see a path or a header built in the domain', () => {
    expect('return `/v1/items/` + itemId;'.match(HTTP_LITERAL)).toHaveLength(1);
    expect("{ 'webhook-id': id }".match(HTTP_LITERAL)).toHaveLength(1);
    expect('headers: { "Location": path }'.match(HTTP_LITERAL)).toHaveLength(1);
    expect('/** the `webhook-id` header of GET /v1/items */'.match(HTTP_LITERAL)).toBeNull();
  });

  it('nothing in shared/, functions/ or infra/ imports local/ (scripts for the local cloud may)', () => {
    expect(violations(['shared', 'functions', 'infra'], under('local'))).toEqual([]);
  });

  it('local/ imports nothing from shared/, functions/ or infra/', () => {
    expect(
      unexpected(
        violations(['local'], (imported) =>
          ['shared', 'functions', 'infra'].some((folder) => under(folder)(imported)),
        ),
      ),
    ).toEqual([]);
  });

  it('only infra/ (entry paths) and tests import functions/ from outside it', () => {
    expect(violations(['shared', 'local', 'scripts', 'bench'], under('functions'))).toEqual([]);
  });

  it('crosses top-level folders only through the package.json imports aliases (#shared/..., never ../../shared)', () => {
    const tops = ['shared', 'functions', 'infra', 'local', 'tests', 'bench', 'scripts', 'clients'];
    const escaping = tops.flatMap((top) =>
      violations([top], (imported) => imported.specifier.startsWith('.') && !under(top)(imported)),
    );
    expect(escaping).toEqual([]);
  });
});
