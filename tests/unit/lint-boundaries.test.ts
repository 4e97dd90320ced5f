import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The layer boundaries are a lint rule (biome `noRestrictedImports`, per-folder `overrides` in
 * biome.json), so an editor flags a wrong import as it is typed. This runs the repository's biome
 * with its biome.json over probe files placed where they would live, and checks which imports
 * it refuses. (tests/unit/architecture.test.ts checks the same boundaries on the real tree.)
 */
const root = resolve(import.meta.dirname, '../..');
const biome = join(root, 'node_modules/.bin/biome');

/** [file the import is written in, specifier, refused?] */
const PROBES: Array<[string, string, boolean]> = [
  ['shared/domain/probe.ts', '#shared/adapters/env.ts', true],
  ['shared/domain/webhooks/probe.ts', '../../adapters/webhooks/signing', true],
  ['shared/domain/probe.ts', '@aws-sdk/client-dynamodb', true],
  ['shared/domain/probe.ts', '@aws-lambda-powertools/logger', true],
  ['shared/domain/probe.ts', 'node:fs', true],
  ['shared/domain/probe.ts', '#local/index.ts', true],
  ['shared/domain/probe.ts', '#functions/items-write/handler.ts', true],
  ['shared/domain/probe.ts', './ids', false],
  ['shared/domain/probe.ts', '../contracts/api/paths', false],
  ['shared/adapters/probe.ts', '../domain/ids', false],
  ['shared/adapters/probe.ts', '#local/index.ts', true],
  ['functions/probe/handler.ts', '#local/index.ts', true],
  ['functions/probe/handler.ts', '#shared/adapters/env.ts', false],
  ['infra/probe.ts', '#functions/items-write/handler.ts', true],
  ['infra/probe.ts', '#local/index.ts', true],
  ['clients/probe.ts', '#local/index.ts', true],
  ['local/probe.ts', '#shared/domain/ids.ts', true],
  ['local/eventbridge/probe.ts', '#functions/items-write/handler.ts', true],
  ['local/eventbridge/probe.ts', '../support/loopback', false],
  ['scripts/probe.ts', '#local/index.ts', false],
  ['scripts/probe.ts', '#functions/items-write/handler.ts', true],
  ['bench/probe.ts', '#local/index.ts', false],
];

let dir: string;
let refused: Set<string>;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lint-boundaries-'));
  copyFileSync(join(root, 'biome.json'), join(dir, 'biome.json'));
  PROBES.forEach(([file, specifier], index) => {
    const path = join(dir, file.replace(/\.ts$/, `-${index}.ts`));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `import { probe } from '${specifier}';\n\nexport const value = probe;\n`);
  });
  let output: string;
  try {
    output = execFileSync(biome, ['lint', '--reporter=json', '--max-diagnostics=none', '.'], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    output = (error as { stdout: string }).stdout; // biome exits 1 when it reports errors
  }
  const report = JSON.parse(output) as {
    diagnostics: Array<{ category: string; location: { path: string } }>;
  };
  refused = new Set(
    report.diagnostics
      .filter((d) => d.category === 'lint/style/noRestrictedImports')
      .map((d) => d.location.path),
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('biome noRestrictedImports enforces the layer boundaries', () => {
  it.each(PROBES.map((probe, index) => [...probe, index] as const))(
    '%s importing %s: refused=%s',
    (file, _specifier, expected, index) => {
      expect(refused.has(file.replace(/\.ts$/, `-${index}.ts`))).toBe(expected);
    },
  );
});
