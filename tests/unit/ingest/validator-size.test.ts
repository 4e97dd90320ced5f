import { readFileSync } from 'node:fs';
import { build, transformSync } from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * Every Lambda that validates items must stay within 300 KB minified, the AWS SDK (~150 KB) included,
 * so the generated validator gets about a fifth of it. Before the schema compaction it was 340 KB
 * minified on its own, and 104 KB before its error sites were compacted (now about 49 KB). If this fails: do not raise the budget lightly; look at what grew (a schema, an ajv
 * option) with `npx tsx scripts/generate-ninjs-validator.ts` and esbuild's metafile.
 */
const GENERATED_MODULE_BUDGET = 52_000;
/** The whole ingest domain as a Lambda bundles it: the validator plus ajv-formats and our code. */
const INGEST_BUNDLE_BUDGET = 64_000;

const root = new URL('../../../', import.meta.url);

describe('generated ninjs validator size (300 KB Lambda bundle budget)', () => {
  it(`minifies to at most ${GENERATED_MODULE_BUDGET} bytes`, () => {
    const code = readFileSync(new URL('shared/contracts/generated/ninjs-validator.js', root), 'utf8');
    const minified = Buffer.byteLength(transformSync(code, { minify: true }).code);
    expect(
      minified,
      `ninjs-validator.js minifies to ${minified} bytes, over its ${GENERATED_MODULE_BUDGET}-byte share of the 300 KB Lambda budget`,
    ).toBeLessThanOrEqual(GENERATED_MODULE_BUDGET);
  });

  it(`keeps the bundled ingest domain within ${INGEST_BUNDLE_BUDGET} bytes`, async () => {
    const result = await build({
      entryPoints: [new URL('shared/domain/ingest/index.ts', root).pathname],
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'node',
      write: false,
    });
    const size = result.outputFiles[0]?.contents.length ?? 0;
    expect(size).toBeGreaterThan(0);
    expect(
      size,
      `shared/domain/ingest bundles to ${size} bytes, over ${INGEST_BUNDLE_BUDGET}: Lambdas that validate items would break the 300 KB budget`,
    ).toBeLessThanOrEqual(INGEST_BUNDLE_BUDGET);
  });
});
