import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { bundleOptions } from '#infra/constructs/diplowire-function.ts';

/**
 * Every bundle stays within 300 KB, read strictly as 300,000 bytes (not KiB): a Lambda's cold start
 * grows with what it loads. The event contracts are written in zod, but zod (~450 KB minified) must
 * never reach a Lambda: runtime code validates details with the generated standalone validators and
 * imports the contracts' types only. Bundled with the options CDK bundles them with (bundleOptions).
 */
const MAX_BUNDLE_BYTES = 300_000;
const root = resolve(import.meta.dirname, '../..');
const handlers = readdirSync(join(root, 'functions'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

async function bundle(fn: string) {
  const result = await build({
    ...bundleOptions(join(root, 'functions', fn, 'handler.ts'), join(root, '.bundle-check', fn)),
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  // index.mjs and any chunk split off it: a function's bundle is all of them.
  const size = result.outputFiles.reduce((total, file) => total + file.contents.length, 0);
  return { inputs: Object.keys(result.metafile.inputs), size };
}

describe('Lambda bundles', () => {
  it('finds the functions', () => {
    expect(handlers).toEqual(expect.arrayContaining(['outbox-publisher', 'translator']));
  });

  it.each(handlers)(
    'functions/%s/handler.ts bundles without zod, within 300,000 bytes',
    async (fn) => {
      const { inputs, size } = await bundle(fn);
      expect(inputs.length).toBeGreaterThan(0);
      console.info(`functions/${fn}/handler.ts: ${size} bytes minified (${(size / 1024).toFixed(1)} KiB)`);
      expect(
        inputs.filter((input) => input.includes('node_modules/zod/')),
        `functions/${fn} bundles zod: import zod schemas only with \`import type\`, validate with shared/contracts/events/validate`,
      ).toEqual([]);
      expect(
        size,
        `functions/${fn} is ${size} bytes, over the ${MAX_BUNDLE_BYTES}-byte budget`,
      ).toBeLessThanOrEqual(MAX_BUNDLE_BYTES);
    },
    60_000,
  );
});
