import { describe, expect, it } from 'vitest';
import { InvalidEventPatternError, matches, parsePattern } from '#local/eventbridge/pattern.ts';

const match = (pattern: string | object, event: object) => matches(parsePattern(pattern), event);
const reason = (pattern: string | object): string => {
  try {
    parsePattern(pattern);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidEventPatternError);
    return (error as InvalidEventPatternError).reason;
  }
  return expect.fail('pattern should have been rejected');
};

describe('exact values', () => {
  it('compares numbers by value but never a number with a string', () => {
    expect(match({ n: [300] }, { n: 300.0 })).toBe(true);
    expect(match({ n: [3e2] }, { n: 300 })).toBe(true);
    expect(match({ n: [300] }, { n: '300' })).toBe(false);
    expect(match({ n: ['300'] }, { n: 300 })).toBe(false);
  });

  it('distinguishes booleans and null from their spellings', () => {
    expect(match({ b: [true] }, { b: true })).toBe(true);
    expect(match({ b: [true] }, { b: 'true' })).toBe(false);
    expect(match({ b: [null] }, { b: null })).toBe(true);
    expect(match({ b: [null] }, {})).toBe(false);
  });

  it('compares IP literals by address', () => {
    expect(match({ ip: ['2001:db8::1'] }, { ip: '2001:0db8:0:0:0:0:0:1' })).toBe(true);
    expect(match({ ip: ['10.0.0.1'] }, { ip: '10.0.0.2' })).toBe(false);
  });
});

describe('arrays and nesting', () => {
  it('matches when any element of an event array matches', () => {
    expect(match({ tags: ['b'] }, { tags: ['a', 'b'] })).toBe(true);
    expect(match({ tags: ['c'] }, { tags: ['a', 'b'] })).toBe(false);
  });

  it('requires fields of objects in one event array to come from the same element', () => {
    const event = {
      items: [
        { kind: 'a', n: 1 },
        { kind: 'b', n: 2 },
      ],
    };
    expect(match({ items: { kind: ['a'], n: [1] } }, event)).toBe(true);
    expect(match({ items: { kind: ['a'], n: [2] } }, event)).toBe(false);
  });

  it('does not match a leaf condition against an object value', () => {
    expect(match({ detail: [{ exists: true }] }, { detail: { a: 1 } })).toBe(false);
  });
});

describe('exists', () => {
  it('exists:false matches missing fields, empty arrays and object-valued fields, not nulls', () => {
    expect(match({ a: [{ exists: false }] }, {})).toBe(true);
    expect(match({ a: [{ exists: false }] }, { a: [] })).toBe(true);
    expect(match({ a: [{ exists: false }] }, { a: { b: 1 } })).toBe(true);
    expect(match({ a: [{ exists: false }] }, { a: null })).toBe(false);
    expect(match({ a: [{ exists: true }] }, { a: null })).toBe(true);
  });
});

describe('string operators', () => {
  it('prefix, suffix and equals-ignore-case only apply to strings', () => {
    expect(match({ v: [{ prefix: '1' }] }, { v: 12 })).toBe(false);
    expect(match({ v: [{ suffix: { 'equals-ignore-case': '.PNG' } }] }, { v: 'a.png' })).toBe(true);
    expect(match({ v: [{ prefix: { 'equals-ignore-case': 'dipLO' } }] }, { v: 'DIPLOWIRE' })).toBe(true);
    expect(match({ v: [{ 'equals-ignore-case': 'ÉTÉ' }] }, { v: 'été' })).toBe(true);
  });

  it('anything-but passes other types and null, but not missing fields', () => {
    expect(match({ v: [{ 'anything-but': 'x' }] }, { v: 5 })).toBe(true);
    expect(match({ v: [{ 'anything-but': 'x' }] }, { v: null })).toBe(true);
    expect(match({ v: [{ 'anything-but': 'x' }] }, {})).toBe(false);
    expect(match({ v: [{ 'anything-but': [1, 2] }] }, { v: 2.0 })).toBe(false);
    expect(match({ v: [{ 'anything-but': { wildcard: '*.tmp' } }] }, { v: 'a.tmp' })).toBe(false);
  });
});

describe('wildcard', () => {
  it('treats escaped stars and backslashes literally', () => {
    expect(match({ v: [{ wildcard: 'a\\*b' }] }, { v: 'a*b' })).toBe(true);
    expect(match({ v: [{ wildcard: 'a\\*b' }] }, { v: 'axxb' })).toBe(false);
    expect(match({ v: [{ wildcard: 'a\\\\*' }] }, { v: 'a\\zzz' })).toBe(true);
  });

  it('reports invalid escapes and consecutive stars at AWS byte positions', () => {
    expect(reason({ v: [{ wildcard: 'ab\\c' }] })).toBe('Invalid escape character at pos 3');
    expect(reason({ v: [{ wildcard: 'é**' }] })).toBe('Consecutive wildcard characters at pos 3');
    expect(reason({ v: [{ wildcard: 'trailing\\' }] })).toBe('Invalid escape character at pos 9');
  });

  it('rejects patterns AWS considers too complex', () => {
    expect(reason({ v: [{ wildcard: `*${'a'.repeat(20)}` }] })).toMatch(/^Rule is too complex/);
  });
});

describe('numeric and cidr', () => {
  it('handles open and closed bounds', () => {
    const p = { n: [{ numeric: ['>', 0, '<=', 5] }] };
    expect([0, 0.5, 5, 5.01].map((n) => match(p, { n }))).toEqual([false, true, true, false]);
    expect(match({ n: [{ numeric: ['=', 3.5] }] }, { n: 3.5 })).toBe(true);
  });

  it('matches addresses in a CIDR block without clearing host bits of the base, like AWS', () => {
    expect(match({ ip: [{ cidr: '10.0.0.0/8' }] }, { ip: '10.255.1.1' })).toBe(true);
    expect(match({ ip: [{ cidr: '10.0.0.128/24' }] }, { ip: '10.0.0.5' })).toBe(false);
    expect(match({ ip: [{ cidr: '10.0.0.0/8' }] }, { ip: '2001:db8::1' })).toBe(false);
    expect(reason({ ip: [{ cidr: '10.0.0.0/32' }] })).toBe('IPv4 mask bits must be < 32');
  });
});

describe('$or and raw JSON', () => {
  it('forks alternatives and keeps sibling fields in every branch', () => {
    const p = { source: ['s'], $or: [{ a: [1] }, { b: [2] }] };
    expect(match(p, { source: 's', b: 2 })).toBe(true);
    expect(match(p, { source: 't', b: 2 })).toBe(false);
    expect(reason({ $or: [{ a: [1] }] })).toBe('There must have at least 2 Objects in $or relationship.');
  });

  it('lets a duplicate key replace the earlier condition at the same path only', () => {
    const p = '{"d": {"x": ["1"]}, "d": {"y": ["2"]}, "z": ["old"], "z": ["new"]}';
    expect(match(p, { d: { x: '1', y: '2' }, z: 'new' })).toBe(true);
    expect(match(p, { d: { x: '0', y: '2' }, z: 'new' })).toBe(false);
    expect(match(p, { d: { x: '1', y: '2' }, z: 'old' })).toBe(false);
  });

  it('reports JSON syntax errors in Jackson wording and structural errors in AWS wording', () => {
    expect(reason('{"a": [tru]}')).toMatch(/^Unrecognized token 'tru'/);
    expect(reason('{"a": ["\\q"]}')).toMatch(/^Unrecognized character escape 'q' \(code 113\)/);
    expect(reason('{}')).toBe('Empty objects are not allowed');
    expect(reason({ a: [[1]] })).toBe('Match value must be String, number, true, false, or null');
    expect(reason({ a: [{ prefix: 'x', suffix: 'y' }] })).toBe('Only one key allowed in match expression');
  });
});
