import { describe, expect, it } from 'vitest';
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '#shared/domain/errors.ts';
import { MAX_BODY_BYTES, prepareSubmission } from '#shared/domain/ingest/index.ts';
import { fieldErrorsOf, submitJson, thrownBy, validItem } from './support';

const body = JSON.stringify(validItem());

describe('content type', () => {
  it.each([
    'application/json',
    'application/json; charset=utf-8',
    'Application/JSON; Charset=UTF-8',
    'application/json;charset="utf-8"',
    'application/ninjs+json',
    'application/vnd.diplowire.item+json; charset=utf-8',
  ])('accepts %s', (contentType) => {
    expect(submitJson(body, contentType).document.uri).toBe('urn:diplowire:test:item-1');
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['text/plain', 'text/plain'],
    ['text/json', 'text/json'],
    ['application/xml', 'application/xml'],
    ['application/json-seq', 'application/json-seq'],
    ['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded'],
  ])('refuses a %s content type with 415', (_label, contentType) => {
    const error = thrownBy(
      () => prepareSubmission({ body, isBase64Encoded: false, contentType }),
      UnsupportedMediaTypeError,
    );
    expect(error.status).toBe(415);
  });

  it.each(['iso-8859-1', 'utf-16', 'us-ascii'])('refuses charset=%s with 415', (charset) => {
    const error = thrownBy(
      () => submitJson(body, `application/json; charset=${charset}`),
      UnsupportedMediaTypeError,
    );
    expect(error.message).toContain(charset);
  });

  it('checks the content type before the body', () => {
    thrownBy(
      () => prepareSubmission({ body: undefined, isBase64Encoded: false, contentType: 'text/plain' }),
      UnsupportedMediaTypeError,
    );
  });
});

describe('missing body', () => {
  it.each([
    ['undefined', undefined],
    ['empty', ''],
  ])('refuses an %s body with 400 at the root pointer', (_label, missing) => {
    const errors = fieldErrorsOf(() =>
      prepareSubmission({ body: missing, isBase64Encoded: false, contentType: 'application/json' }),
    );
    expect(errors).toEqual([{ pointer: '', message: expect.stringContaining('required') }]);
  });
});

/** A valid item whose JSON is exactly `bytes` bytes of UTF-8, mostly Arabic (2 bytes a letter). */
function itemJsonOfBytes(bytes: number): string {
  const empty = JSON.stringify(validItem({ bodies: [{ value: '' }] }));
  const room = bytes - Buffer.byteLength(empty);
  const arabic = 'ب'.repeat(Math.floor(room / 2));
  const padding = 'x'.repeat(room - Buffer.byteLength(arabic));
  return JSON.stringify(validItem({ bodies: [{ value: `${arabic}${padding}` }] }));
}

describe('size limit (UTF-8 bytes, not UTF-16 code units)', () => {
  it('is 256 KiB', () => {
    expect(MAX_BODY_BYTES).toBe(256 * 1024);
  });

  it('accepts a body of exactly MAX_BODY_BYTES bytes of Arabic text', () => {
    const json = itemJsonOfBytes(MAX_BODY_BYTES);
    expect(Buffer.byteLength(json)).toBe(MAX_BODY_BYTES);
    // .length counts UTF-16 code units and would see barely half the size.
    expect(json.length).toBeLessThan(MAX_BODY_BYTES * 0.6);
    const prepared = submitJson(json);
    expect(prepared.document.bodies?.[0]?.value).toBe(JSON.parse(json).bodies[0].value);
  });

  it('refuses one byte more with 413', () => {
    const json = itemJsonOfBytes(MAX_BODY_BYTES + 1);
    expect(Buffer.byteLength(json)).toBe(MAX_BODY_BYTES + 1);
    const error = thrownBy(() => submitJson(json), PayloadTooLargeError);
    expect(error.status).toBe(413);
    expect(error.message).toContain(String(MAX_BODY_BYTES + 1));
  });

  it('counts the decoded bytes of a base64 body', () => {
    const exact = Buffer.from(itemJsonOfBytes(MAX_BODY_BYTES)).toString('base64');
    const over = Buffer.from(itemJsonOfBytes(MAX_BODY_BYTES + 1)).toString('base64');
    expect(exact.length).toBeGreaterThan(MAX_BODY_BYTES);
    const submitBase64 = (encoded: string) =>
      prepareSubmission({ body: encoded, isBase64Encoded: true, contentType: 'application/json' });
    expect(submitBase64(exact).document.uri).toBe('urn:diplowire:test:item-1');
    thrownBy(() => submitBase64(over), PayloadTooLargeError);
  });
});

describe('base64 and UTF-8', () => {
  it('decodes a base64 body as UTF-8', () => {
    const prepared = prepareSubmission({
      body: Buffer.from(body, 'utf8').toString('base64'),
      isBase64Encoded: true,
      contentType: 'application/json',
    });
    expect(prepared.document.headlines?.[0]?.value).toBe('عنوان الخبر');
  });

  it.each([
    ['a lone continuation byte', [0x80]],
    ['a truncated two-byte sequence', [0xd8]],
    ['an overlong encoding of "/"', [0xc0, 0xaf]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
  ])('refuses %s with 400', (_label, bad) => {
    const [before, after] = body.split('نص');
    const bytes = Buffer.concat([Buffer.from(before!), Buffer.from(bad), Buffer.from(after!)]);
    const error = thrownBy(
      () =>
        prepareSubmission({
          body: bytes.toString('base64'),
          isBase64Encoded: true,
          contentType: 'application/json',
        }),
      ValidationError,
    );
    expect(error.message).toMatch(/UTF-8/);
    expect(error.errors).toEqual([{ pointer: '', message: expect.stringContaining('UTF-8') }]);
  });

  it('refuses a leading byte order mark instead of silently dropping it', () => {
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body)]);
    const error = thrownBy(
      () =>
        prepareSubmission({
          body: withBom.toString('base64'),
          isBase64Encoded: true,
          contentType: 'application/json',
        }),
      ValidationError,
    );
    expect(error.message).toMatch(/not valid JSON/);
  });
});

describe('JSON syntax', () => {
  it('refuses malformed JSON with the parser position at the root pointer', () => {
    const error = thrownBy(() => submitJson('{"uri": "urn:x", }'), ValidationError);
    expect(error.message).toMatch(/not valid JSON.*position 17/);
    expect(error.errors).toEqual([
      { pointer: '', message: expect.stringMatching(/^malformed JSON: .*position 17/) },
    ]);
  });

  it.each([
    ['an array', '[]'],
    ['a string', '"item"'],
    ['null', 'null'],
    ['a number', '42'],
  ])('refuses %s at the top level', (label, json) => {
    expect(fieldErrorsOf(() => submitJson(json))).toEqual([
      { pointer: '', message: `must be a JSON object, not ${label}` },
    ]);
  });
});
