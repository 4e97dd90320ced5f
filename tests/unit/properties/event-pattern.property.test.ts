/**
 * Properties of the local EventBridge's pattern matcher (issue 10): for any pattern text and any event,
 * parsing either succeeds or throws InvalidEventPatternError (never anything else), matching never
 * throws, and matching is a pure function (the same answer every time, nothing mutated).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { flattenEvent, InvalidEventPatternError, matches, parsePattern } from '#local/eventbridge/pattern.ts';

const key = fc.constantFrom('source', 'detail-type', 'detail', 'a', 'b', 'c', '$or', 'x.y', '');
const scalar = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.constant(null),
);
const operator = fc.oneof(
  fc.record({ prefix: fc.string({ maxLength: 4 }) }),
  fc.record({ suffix: fc.string({ maxLength: 4 }) }),
  fc.record({ 'anything-but': fc.oneof(scalar, fc.array(scalar, { maxLength: 3 })) }),
  fc.record({ numeric: fc.tuple(fc.constantFrom('<', '<=', '=', '>', '>=', 'x'), fc.integer()) }),
  fc.record({ exists: fc.boolean() }),
  fc.record({ wildcard: fc.string({ maxLength: 6 }) }),
  fc.record({ 'equals-ignore-case': fc.string({ maxLength: 4 }) }),
  fc.record({ cidr: fc.constantFrom('10.0.0.0/8', '::1/128', 'nonsense') }),
);
const pattern = fc.letrec((tie) => ({
  node: fc.dictionary(key, fc.oneof(fc.array(fc.oneof(scalar, operator), { maxLength: 4 }), tie('node')), {
    maxKeys: 3,
  }),
})).node;
const event = fc.dictionary(key, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 });

describe('event-pattern matcher (property)', () => {
  it('parses any pattern or refuses it with InvalidEventPatternError; matching never throws and is stable', () => {
    fc.assert(
      fc.property(fc.oneof(pattern, fc.jsonValue({ maxDepth: 3 })), event, (candidate, input) => {
        let compiled: ReturnType<typeof parsePattern>;
        try {
          compiled = parsePattern(JSON.stringify(candidate) ?? 'null');
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidEventPatternError);
          return;
        }
        const before = JSON.stringify(input);
        const first = matches(compiled, input);
        expect(typeof first).toBe('boolean');
        expect(matches(compiled, input)).toBe(first);
        expect(matches(compiled, flattenEvent(input))).toBe(first);
        expect(JSON.stringify(input)).toBe(before);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses any text that is not JSON with InvalidEventPatternError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (text) => {
        try {
          parsePattern(text);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidEventPatternError);
        }
      }),
    );
  });
});
