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

  it('bundles each function into minified ESM with the AWS SDK inside and no source map', () => {
    const assets = readdirSync(outdir).filter((f) => f.startsWith('asset.'));
    const functions = readdirSync(outdir)
      .filter((f) => f.endsWith('.template.json'))
      .flatMap((f) => Object.values(template(f.replace('.template.json', '')).Resources))
      .filter((r) => r.Type === 'AWS::Lambda::Function');
    // One asset per function: nothing shares or skips bundling.
    expect(assets).toHaveLength(functions.length);
    for (const asset of assets) {
      // index.mjs, plus chunks where code splitting put a module loaded by import() (bundleOptions).
      const files = readdirSync(join(outdir, asset));
      expect(files).toContain('index.mjs');
      expect(
        files.filter((f) => f !== 'index.mjs' && !/^[a-z]+(?:-[a-z]+)*-[A-Z0-9]{8}\.mjs$/.test(f)),
      ).toEqual([]);
      for (const file of files) {
        const code = readFileSync(join(outdir, asset, file), 'utf8');
        // No CommonJS `require` left to resolve at run time: esbuild's shim for one throws
        // "Dynamic require of ... is not supported" in an ESM bundle without a createRequire banner.
        expect(code).not.toContain('Dynamic require of');
        // Every static import left is a Node built-in or a chunk of the same bundle: the SDK and all
        // dependencies are bundled. Import statements only: a bundle may hold `":from":` as an
        // expression attribute name.
        const imports = [
          ...code.matchAll(/(?:^|[;}\n])\s*(?:import|export)\b[^;"']*?\bfrom\s*["']([^"']+)["']/g),
        ].map((m) => m[1]);
        expect(
          imports.filter(
            (specifier) =>
              !specifier?.startsWith('node:') && !files.includes(specifier?.replace(/^\.\//, '') ?? ''),
          ),
        ).toEqual([]);
        expect(imports).not.toContain('node:module');
        expect(code).not.toContain('sourceMappingURL');
        // Minified: a handful of very long lines (only template literals keep their newlines).
        expect(code.length / code.split('\n').length).toBeGreaterThan(1000);
      }
    }
  });

  it('loads the SQS SDK on first use in the dispatcher and the subscriptions API, at init in the fan-out', () => {
    const assetOf = (stack: string, prefix: string) => {
      const [, resource] = Object.entries(template(stack).Resources).find(
        ([logicalId, r]) => r.Type === 'AWS::Lambda::Function' && logicalId.startsWith(prefix),
      )!;
      const key = String((resource.Properties?.Code as { S3Key?: unknown } | undefined)?.S3Key);
      return join(outdir, `asset.${key.replace(/\.zip$/, '')}`);
    };
    // The SQS JSON protocol's target prefix: in the SQS SDK's schemas only.
    const SQS_CODE = 'AmazonSQS';
    /** The code a cold start evaluates: index.mjs and the chunks it imports statically. */
    const initCode = (dir: string) => {
      const index = readFileSync(join(dir, 'index.mjs'), 'utf8');
      const chunks = [...index.matchAll(/from\s*"\.\/([^"]+)"/g)].map((m) => m[1]!);
      return [index, ...chunks.map((c) => readFileSync(join(dir, c), 'utf8'))].join('\n');
    };
    for (const dir of [
      assetOf('Diplowire-dev-Subscribers', 'WebhookDispatcher'),
      assetOf('Diplowire-dev-Api', 'SubscriptionsApi'),
    ]) {
      const lazy = readdirSync(dir).filter((f) => f.startsWith('sqs-'));
      expect(lazy).toHaveLength(1);
      expect(readFileSync(join(dir, lazy[0]!), 'utf8')).toContain(SQS_CODE);
      expect(initCode(dir)).not.toContain(SQS_CODE);
      expect(initCode(dir)).toContain(`import("./${lazy[0]}")`);
    }
    const fanout = assetOf('Diplowire-dev-Subscribers', 'WebhookFanout');
    expect(readdirSync(fanout)).toEqual(['index.mjs']);
    expect(initCode(fanout)).toContain(SQS_CODE);
  });

  it('keeps every bundle within the 300 KB minified budget (issue 2), the AWS SDK included', () => {
    const sizes = readdirSync(outdir)
      .filter((f) => f.endsWith('.template.json'))
      .flatMap((f) => Object.entries(template(f.replace('.template.json', '')).Resources))
      .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
      .map(([logicalId, r]) => {
        const key = String((r.Properties?.Code as { S3Key?: unknown } | undefined)?.S3Key);
        // The whole bundle: index.mjs and its chunks.
        const dir = join(outdir, `asset.${key.replace(/\.zip$/, '')}`);
        const bytes = readdirSync(dir).reduce((total, file) => total + statSync(join(dir, file)).size, 0);
        return { logicalId, bytes };
      });
    expect(sizes.length).toBeGreaterThanOrEqual(8);
    expect(sizes.filter(({ bytes }) => bytes > 300_000)).toEqual([]);
  });
});
