import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * local/ is a package of its own (local/package.json, local/README.md): it declares every package it
 * imports, at the versions the repository pins, and reaches nothing outside its folder.
 */
const root = join(import.meta.dirname, '../../..');
const localDir = join(root, 'local');
type Manifest = { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
const manifest = JSON.parse(readFileSync(join(localDir, 'package.json'), 'utf8')) as Manifest & {
  exports: Record<string, string>;
};
const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Manifest;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.(ts|mjs)$/.test(entry.name) ? [path] : [];
  });
}

const specifiers = sources(localDir).flatMap((file) =>
  [
    ...readFileSync(file, 'utf8').matchAll(/(?:from|import\(|require\.resolve\(|\.resolve\()\s*'([^']+)'/g),
  ].map((match) => ({ file: relative(root, file), specifier: match[1]! })),
);

const packageOf = (specifier: string) =>
  specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;

describe('the local cloud package', () => {
  it('declares every package it imports, at the version the repository pins', () => {
    const declared = { ...manifest.dependencies, ...manifest.devDependencies };
    const rootPins = { ...rootManifest.dependencies, ...rootManifest.devDependencies };
    const imported = new Set(
      specifiers
        .map(({ specifier }) => specifier)
        .filter((s) => !s.startsWith('.') && !s.startsWith('node:') && s !== 'timeout')
        .map((s) => (s === 'aws-lambda' ? '@types/aws-lambda' : packageOf(s))),
    );
    expect(imported.size).toBeGreaterThan(3);
    for (const name of imported) {
      expect(declared[name], `${name} in local/package.json`).toBeDefined();
      expect(declared[name], name).toBe(rootPins[name]);
    }
  });

  it('imports nothing from outside local/ (the product, scripts, tests)', () => {
    const escaping = specifiers.filter(({ file, specifier }) => {
      if (!specifier.startsWith('.')) return specifier.startsWith('#');
      return relative(localDir, join(root, file, '..', specifier)).startsWith('..');
    });
    expect(escaping).toEqual([]);
  });

  it('exports its public API from index.ts', async () => {
    expect(manifest.exports['.']).toBe('./index.ts');
    const api = await import('#local/index.ts');
    expect(Object.keys(api).sort()).toEqual(
      ['ensureSynth', 'runLocalCli', 'startLocalCloud', 'writePrivateFile'].sort(),
    );
  });
});
