import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Catches the next stale reference: every repository path the README and docs/ cite must exist.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TOP_LEVEL = ['shared', 'functions', 'infra', 'local', 'tests', 'bench', 'scripts', 'docs', '.ci'];
const DOCS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
if (existsSync(join(ROOT, 'local/README.md'))) DOCS.push('local/README.md');

/** Repository paths a Markdown file cites: `code` spans naming a top-level directory, and relative links. */
function citedPaths(markdown: string, file: string): string[] {
  const cited = new Set<string>();
  for (const [, span] of markdown.matchAll(/`([^`\n]+)`/g)) {
    const path = span!.trim().replace(/[#:].*$/, '');
    if (!TOP_LEVEL.some((dir) => path.startsWith(`${dir}/`))) continue;
    // Placeholders and patterns (`functions/<name>/handler.ts`, `tests/{unit,e2e}`, `*.test.ts`) are not paths.
    if (/[<>{}*…\s]/.test(path)) continue;
    cited.add(path);
  }
  for (const [, target] of markdown.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/i.test(target!) || target!.startsWith('#')) continue;
    const path = target!.replace(/#.*$/, '');
    cited.add(join(dirname(file), path).replaceAll('\\', '/'));
  }
  return [...cited];
}

describe('paths cited in the README and docs/', () => {
  it.each(DOCS)('%s cites only paths that exist', (file) => {
    const missing = citedPaths(readFileSync(join(ROOT, file), 'utf8'), file).filter(
      (path) => !existsSync(resolve(ROOT, path)),
    );
    expect(missing).toEqual([]);
  });

  it('finds code-span paths and relative links, and skips placeholders, URLs and anchors', () => {
    const markdown =
      'See `shared/domain/item.ts`, `functions/<name>/handler.ts`, `tests/{unit,e2e}`, `npm test`, ' +
      '[ops](operations.md#alarms), [x](https://example.org/a.md), [here](#top) and `local/cli.ts:12`.';
    expect(citedPaths(markdown, 'docs/x.md').sort()).toEqual(
      ['docs/operations.md', 'local/cli.ts', 'shared/domain/item.ts'].sort(),
    );
  });
});

describe('claims in docs/ that follow from the code', () => {
  it('docs/data-model.md counts and names the tables that table-design.ts declares', async () => {
    const design = await import('#shared/adapters/dynamodb/table-design.ts');
    const tables = (Object.values(design) as unknown[]).filter(
      (value): value is { logicalName: string } =>
        typeof value === 'object' && value !== null && 'logicalName' in value && 'partitionKey' in value,
    );
    const text = readFileSync(join(ROOT, 'docs/data-model.md'), 'utf8');
    const words = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
    const claimed = /^(\w+) DynamoDB tables/im.exec(text)?.[1]?.toLowerCase();
    expect(claimed === undefined ? undefined : words.indexOf(claimed)).toBe(tables.length);
    for (const { logicalName } of tables) expect(text.toLowerCase()).toContain(logicalName.toLowerCase());
  });
});
