/**
 * Bundled in place of `node:stream/web` (infra/constructs/diplowire-function.ts). middy imports its
 * `ReadableStream` only to recognise a streamed response, which no Diplowire handler returns, and
 * loading `node:stream/web` at init costs CPU on every cold start (about 7 ms measured alone here).
 * The `instanceof` check stays exact: it defers to the global class, which Node loads only if asked.
 */
export const ReadableStream = {
  [Symbol.hasInstance]: (value: unknown): boolean => value instanceof globalThis.ReadableStream,
};
