import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, removeOutdir } from './support/synth';

/**
 * `npx cdk synth` exactly as an operator runs it, but with no AWS credentials or configuration
 * at all: no AWS_* / CDK_DEFAULT_* variables and an empty HOME (no ~/.aws). It bundles the four
 * functions with the local esbuild, so this is also where the bundles are checked.
 */
let outdir: string;
let home: string;
let result: ReturnType<typeof spawnSync>;

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'diplowire-cli-synth-'));
  home = mkdtempSync(join(tmpdir(), 'diplowire-empty-home-'));
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(AWS_|CDK_DEFAULT_)/.test(name)),
  );
  result = spawnSync('npx', ['cdk', 'synth', '--quiet', '--output', outdir], {
    cwd: REPO_ROOT,
    env: { ...env, HOME: home, CI: 'true' },
    encoding: 'utf8',
    timeout: 540_000,
  });
}, 600_000);

afterAll(() => {
  removeOutdir(outdir);
  removeOutdir(home);
});

const template = (stack: string) =>
  JSON.parse(readFileSync(join(outdir, `${stack}.template.json`), 'utf8')) as {
    Resources: Record<string, { Type: string; Properties?: { Code?: unknown } }>;
    Parameters?: Record<string, unknown>;
  };

describe('npx cdk synth without AWS credentials', () => {
  it('exits 0', () => {
    expect(result.error).toBeUndefined();
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
  });

  it('writes both dev stacks (the default stage) to the output directory, not cdk.out', () => {
    expect(existsSync(join(outdir, 'manifest.json'))).toBe(true);
    expect(existsSync(join(outdir, 'Diplowire-dev-Data.template.json'))).toBe(true);
    expect(existsSync(join(outdir, 'Diplowire-dev-Api.template.json'))).toBe(true);
    expect(readdirSync(outdir).some((f) => f.startsWith('Diplowire-prod-'))).toBe(false);
  });

  it('includes the CDK bookkeeping: AWS::CDK::Metadata and the BootstrapVersion parameter', () => {
    const types = new Set(Object.values(template('Diplowire-dev-Data').Resources).map((r) => r.Type));
    expect(types.has('AWS::CDK::Metadata')).toBe(true);
    expect(template('Diplowire-dev-Data').Parameters).toHaveProperty('BootstrapVersion');
  });

  it('bundles each function into one minified ESM file with the AWS SDK inside and no source map', () => {
    const assets = readdirSync(outdir).filter((f) => f.startsWith('asset.'));
    const functions = readdirSync(outdir)
      .filter((f) => f.endsWith('.template.json'))
      .flatMap((f) => Object.values(template(f.replace('.template.json', '')).Resources))
      .filter((r) => r.Type === 'AWS::Lambda::Function');
    // One asset per function: nothing shares or skips bundling.
    expect(assets).toHaveLength(functions.length);
    for (const asset of assets) {
      expect(readdirSync(join(outdir, asset))).toEqual(['index.mjs']);
      const code = readFileSync(join(outdir, asset, 'index.mjs'), 'utf8');
      // No CommonJS `require` left to resolve at run time: esbuild's shim for one throws
      // "Dynamic require of ... is not supported" in an ESM bundle without a createRequire banner.
      expect(code).not.toContain('Dynamic require of');
      // Every static import left is a Node built-in: the SDK and all dependencies are bundled.
      // Import statements only: a bundle may hold `":from":` as an expression attribute name.
      const imports = [
        ...code.matchAll(/(?:^|[;}\n])\s*(?:import|export)\b[^;"']*?\bfrom\s*["']([^"']+)["']/g),
      ].map((m) => m[1]);
      expect(imports.length).toBeGreaterThan(0);
      expect(imports.filter((specifier) => !specifier?.startsWith('node:'))).toEqual([]);
      expect(imports).not.toContain('node:module');
      expect(code).not.toContain('sourceMappingURL');
      // Minified: a handful of very long lines (only template literals keep their newlines).
      expect(code.length / code.split('\n').length).toBeGreaterThan(1000);
    }
  });

  it('keeps every bundle within the 300 KB minified budget (issue 2), the AWS SDK included', () => {
    const sizes = readdirSync(outdir)
      .filter((f) => f.endsWith('.template.json'))
      .flatMap((f) => Object.entries(template(f.replace('.template.json', '')).Resources))
      .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
      .map(([logicalId, r]) => {
        const key = String((r.Properties?.Code as { S3Key?: unknown } | undefined)?.S3Key);
        const file = join(outdir, `asset.${key.replace(/\.zip$/, '')}`, 'index.mjs');
        return { logicalId, bytes: statSync(file).size };
      });
    expect(sizes.length).toBeGreaterThanOrEqual(8);
    expect(sizes.filter(({ bytes }) => bytes > 300_000)).toEqual([]);
  });
});
