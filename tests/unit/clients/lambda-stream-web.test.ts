import { Readable } from 'node:stream';
import { ReadableStream as WebReadableStream } from 'node:stream/web';
import { describe, expect, it } from 'vitest';
import { ReadableStream } from '#shared/adapters/clients/lambda-stream-web.ts';

// The stand-in Lambda bundles get for `node:stream/web` (middy only asks `instanceof ReadableStream`).
describe('the lazy node:stream/web stand-in', () => {
  it('recognises a web ReadableStream, as the real class does', () => {
    const stream = new WebReadableStream();
    expect(stream instanceof ReadableStream).toBe(true);
    expect(new globalThis.ReadableStream() instanceof ReadableStream).toBe(true);
  });

  it('refuses what is not one: a Node stream, a string, an object, null', () => {
    for (const value of [Readable.from(['x']), 'body', { getReader() {} }, null]) {
      expect(value instanceof ReadableStream).toBe(false);
    }
  });
});
