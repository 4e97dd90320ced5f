import { describe, expect, it } from 'vitest';
import { PayloadTooLargeError } from '#shared/domain/errors.ts';
import { LIMITS, MAX_BODY_BYTES, prepareDocument } from '#shared/domain/ingest/index.ts';
import { fieldErrorsOf, submit, submitJson, thrownBy, validItem } from './support';

/** `count` UTF-8 bytes of Arabic (2 bytes a letter; `count` must be even). */
const arabicBytes = (count: number) => 'ع'.repeat(count / 2);
const subjects = (count: number) => Array.from({ length: count }, (_, index) => ({ name: `s${index}` }));

describe('LIMITS', () => {
  it('ties the body limit to MAX_BODY_BYTES', () => {
    expect(LIMITS.bodyBytes).toBe(MAX_BODY_BYTES);
  });
});

describe('array limits', () => {
  it.each([
    ['subjects', LIMITS.arrayItems.subjects],
    ['places', LIMITS.arrayItems.places],
    ['people', LIMITS.arrayItems.people],
    ['organisations', LIMITS.arrayItems.organisations],
  ])('accepts exactly the %s limit and refuses one more', (field, limit) => {
    expect(prepareDocument(validItem({ [field]: subjects(limit) })).document[field]).toHaveLength(limit);
    expect(fieldErrorsOf(() => prepareDocument(validItem({ [field]: subjects(limit + 1) })))).toEqual([
      { pointer: `/${field}`, message: `has ${limit + 1} items; the limit is ${limit}` },
    ]);
  });

  it('limits headlines and bodies to 20', () => {
    const many = Array.from({ length: 21 }, () => ({ value: 'x' }));
    expect(fieldErrorsOf(() => prepareDocument(validItem({ headlines: many, bodies: many })))).toEqual([
      { pointer: '/headlines', message: 'has 21 items; the limit is 20' },
      { pointer: '/bodies', message: 'has 21 items; the limit is 20' },
    ]);
  });

  it('limits arrays nested in associations by their own name', () => {
    const association = {
      name: 'related',
      uri: 'urn:x:2',
      subjects: subjects(LIMITS.arrayItems.subjects + 1),
    };
    expect(fieldErrorsOf(() => prepareDocument(validItem({ associations: [association] })))).toEqual([
      { pointer: '/associations/0/subjects', message: expect.stringContaining('the limit is 200') },
    ]);
  });

  it('applies the default limit to arrays it does not name (GeoJSON)', () => {
    const ring = Array.from({ length: LIMITS.defaultArrayItems + 1 }, (_, index) => [index % 90, 0]);
    const item = validItem({
      places: [{ name: 'area', geojson: { type: 'LineString', coordinates: ring } }],
    });
    expect(fieldErrorsOf(() => prepareDocument(item))).toEqual([
      {
        pointer: '/places/0/geojson/coordinates',
        message: `has ${LIMITS.defaultArrayItems + 1} items; the limit is ${LIMITS.defaultArrayItems}`,
      },
    ]);
  });

  it('does not take a member named like an Object.prototype property for a named limit', () => {
    const item = validItem({ rightsinfo: { encodedrights: 'x', constructor: [1, 2, 3] } });
    expect(prepareDocument(item).document.rightsinfo).toEqual({ encodedrights: 'x', constructor: [1, 2, 3] });
  });
});

describe('string limits in UTF-8 bytes', () => {
  it.each([
    ['a headline', 'headline', (value: string) => ({ headlines: [{ value }] }), '/headlines/0/value'],
    ['a title', 'title', (value: string) => ({ title: value }), '/title'],
    ['any other string', 'other', (value: string) => ({ by: value }), '/by'],
  ] as const)(
    'accepts %s of exactly its limit in Arabic bytes and refuses 2 bytes more',
    (_label, kind, make, pointer) => {
      const limit = LIMITS.stringBytes[kind];
      expect(prepareDocument(validItem(make(arabicBytes(limit)))).warnings).toEqual([]);
      expect(fieldErrorsOf(() => prepareDocument(validItem(make(arabicBytes(limit + 2)))))).toEqual([
        { pointer, message: `is ${limit + 2} bytes of UTF-8; the ${kind} limit is ${limit} bytes` },
      ]);
      // Counted in UTF-16 code units, the oversized string would look well within the limit.
      expect(arabicBytes(limit + 2).length).toBeLessThan(limit);
    },
  );

  it('limits uri members to 2048 bytes', () => {
    const uri = `urn:x:${'a'.repeat(LIMITS.stringBytes.uri)}`;
    const item = validItem({ uri, subjects: [{ name: 's', uri: `http://x.example/${'a'.repeat(2100)}` }] });
    expect(fieldErrorsOf(() => prepareDocument(item))).toEqual([
      { pointer: '/uri', message: expect.stringContaining('the uri limit is 2048 bytes') },
      { pointer: '/subjects/0/uri', message: expect.stringContaining('the uri limit is 2048 bytes') },
    ]);
  });

  it('limits language to 35 bytes', () => {
    const language = `en-${'abcdefgh-'.repeat(4)}abc`;
    expect(language.length).toBeGreaterThan(LIMITS.stringBytes.language);
    const errors = fieldErrorsOf(() => prepareDocument(validItem({ language })));
    expect(errors).toContainEqual({
      pointer: '/language',
      message: expect.stringContaining('the language limit is 35'),
    });
  });

  it('allows a body value far above the other-string limit', () => {
    const value = arabicBytes(LIMITS.stringBytes.other * 4);
    expect(submit(validItem({ bodies: [{ value }] })).document.bodies?.[0]?.value).toBe(value);
  });

  it('limits member names', () => {
    const name = 'k'.repeat(LIMITS.stringBytes.memberName + 1);
    const item = validItem({ rightsinfo: { encodedrights: 'x', [name]: 1 } });
    expect(fieldErrorsOf(() => prepareDocument(item))).toEqual([
      { pointer: `/rightsinfo/${name}`, message: expect.stringContaining('memberName limit of 256 bytes') },
    ]);
  });

  it('measures after normalisation: removed bidi controls do not count', () => {
    const limit = LIMITS.stringBytes.headline;
    const value = `${'\u202E'}${'a'.repeat(limit)}`;
    expect(
      prepareDocument(validItem({ headlines: [{ value }] })).document.headlines?.[0]?.value,
    ).toHaveLength(limit);
  });
});

describe('nesting depth', () => {
  const nested = (levels: number): unknown => {
    let value: unknown = 'leaf';
    for (let level = 0; level < levels; level += 1) value = [value];
    return value;
  };

  it(`refuses more than ${LIMITS.depth} levels, before any other check`, () => {
    const item = validItem({ rightsinfo: { encodedrights: 'x', deep: nested(LIMITS.depth) }, unknown: 1 });
    expect(fieldErrorsOf(() => prepareDocument(item))).toEqual([
      { pointer: '', message: `nesting depth exceeds the depth limit of ${LIMITS.depth}` },
    ]);
  });

  it(`accepts exactly ${LIMITS.depth} levels`, () => {
    // The item is level 1 and rightsinfo level 2, so the arrays may add LIMITS.depth - 2.
    const item = validItem({ rightsinfo: { encodedrights: 'x', deep: nested(LIMITS.depth - 2) } });
    expect(prepareDocument(item).document.uri).toBe('urn:diplowire:test:item-1');
  });

  it('survives a hostile 100 000-level body without overflowing the stack', () => {
    const json = `{"uri":"urn:x:1","deep":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    expect(Buffer.byteLength(json)).toBeLessThan(MAX_BODY_BYTES);
    const errors = fieldErrorsOf(() => submitJson(json));
    expect(errors[0]?.message).toContain('depth limit');
  });

  it('refuses a cyclic value given to prepareDocument', () => {
    const item = validItem();
    item.self = item;
    expect(fieldErrorsOf(() => prepareDocument(item))[0]?.message).toContain('depth limit');
  });
});

describe('prepareDocument size', () => {
  it('refuses a parsed value whose JSON exceeds MAX_BODY_BYTES with 413', () => {
    const value = arabicBytes(MAX_BODY_BYTES);
    thrownBy(() => prepareDocument(validItem({ bodies: [{ value }] })), PayloadTooLargeError);
  });
});

describe('size after NFC normalisation', () => {
  /** U+1D160 (a musical note) is 4 bytes of UTF-8; its NFC form (U+1D158 U+1D165 U+1D16E) is 12. */
  const growing = (bytesBefore: number) => '\u{1D160}'.repeat(bytesBefore / 4);

  it('refuses with 413 an item that fits before NFC and not after (each field within its own limit)', () => {
    const value = growing(44_000);
    expect(Buffer.byteLength(value.normalize('NFC'))).toBe(132_000);
    const body = JSON.stringify(validItem({ bodies: [{ value }, { value }] }));
    expect(Buffer.byteLength(body)).toBeLessThan(MAX_BODY_BYTES / 2);
    const error = thrownBy(() => submitJson(body), PayloadTooLargeError);
    expect(error.message).toMatch(/once normalised to Unicode NFC/);
    expect(error.errors?.[0]?.pointer).toBe('');
  });

  it('accepts the same growth while the normalised item stays within the limit', () => {
    const value = growing(28_000);
    const prepared = submit(validItem({ bodies: [{ value }, { value }] }));
    expect(prepared.document.bodies?.[0]?.value).toBe(value.normalize('NFC'));
  });
});
