/**
 * Shared by the generators of standalone ajv validators (ninjs items, event details): Lambdas
 * import generated validation code instead of shipping the ajv compiler (or zod) and compiling
 * schemas at cold start.
 */
import Ajv2020, { type Options } from 'ajv/dist/2020';
import standaloneCode from 'ajv/dist/standalone';
import addFormats from 'ajv-formats';

/**
 * An ajv 2020 instance that emits ESM source, with the ajv-formats formats. Every error is
 * collected (`allErrors`) so callers can report all problems at once.
 */
export function createStandaloneAjv(options: Omit<Options, 'code'> = {}): Ajv2020 {
  const ajv = new Ajv2020({
    allErrors: true,
    strict: true,
    ...options,
    code: { source: true, esm: true, lines: true },
  });
  addFormats(ajv);
  return ajv;
}

/** The only CommonJS module the generated code may load: the ajv-formats format functions. */
const FORMATS_MODULE = 'ajv-formats/dist/formats';

/**
 * ajv's ESM output still `require`s the ajv-formats functions. Import them instead, in a way that
 * reads the CommonJS exports the same under Node (namespace.default is module.exports), Vite and
 * esbuild (named exports). Any other runtime helper would need its own interop, so refuse it.
 */
export function requiresToImports(code: string): string {
  const specifiers = new Set([...code.matchAll(/require\("([^"]+)"\)/g)].map((match) => match[1]!));
  for (const specifier of specifiers) {
    if (specifier !== FORMATS_MODULE)
      throw new Error(`unexpected runtime dependency in generated code: ${specifier}`);
  }
  const body = code
    .replace(/^"use strict";/, '')
    .split(`require("${FORMATS_MODULE}")`)
    .join('ajvFormats');
  if (specifiers.size === 0) return body;
  return [
    `import * as ajvFormatsModule from "${FORMATS_MODULE}.js";`,
    'const ajvFormats = ajvFormatsModule.default ?? ajvFormatsModule;',
    body,
  ].join('\n');
}

/** Standalone ESM code exporting one validator per entry of `exports` (export name -> schema id). */
export function standaloneEsm(ajv: Ajv2020, exports: Record<string, string>): string {
  return requiresToImports(standaloneCode(ajv, exports));
}
