import { describe, expect, it } from 'vitest';
import { withoutAnnotations } from '#scripts/generate-ninjs-validator.ts';

describe('withoutAnnotations (schemas as compiled into the generated validator)', () => {
  it('drops title, description and $comment, but keeps members that are named like them', () => {
    const schema = {
      title: 'T',
      description: 'D',
      $comment: 'C',
      type: 'object',
      properties: { description: { type: 'string', description: 'a member named description' } },
      oneOf: [{ required: ['title'], title: 'alternative' }],
    };
    expect(withoutAnnotations(schema)).toEqual({
      type: 'object',
      properties: { description: { type: 'string' } },
      oneOf: [{ required: ['title'] }],
    });
  });

  it('keeps enum and const values untouched even when they look like annotations', () => {
    const schema = { enum: [{ title: 'x' }], properties: { a: { const: { description: 'y' } } } };
    expect(withoutAnnotations(schema)).toEqual(schema);
  });

  it('refuses a keyword it does not know, so no subschema goes unwalked', () => {
    expect(() => withoutAnnotations({ properties: { a: { prefixItems: [{ title: 'x' }] } } })).toThrow(
      /unknown keyword prefixItems at #\/properties\/a/,
    );
  });

  it.each([
    ['enum', { enum: ['a'], oneOf: [{ const: 'a' }] }],
    ['$ref', { $ref: '#/$defs/x', anyOf: [{ required: ['a'] }] }],
    ['type', { type: 'string', oneOf: [{ const: 'a' }, { const: 'b' }] }],
  ])('refuses %s beside oneOf/anyOf, which ajv would report before the alternatives', (keyword, schema) => {
    expect(() => withoutAnnotations(schema)).toThrow(
      new RegExp(`${keyword.replace('$', '\\$')} beside oneOf/anyOf`),
    );
  });

  it('accepts type object with object keywords beside oneOf (ajv reports its type error after)', () => {
    const schema = { type: 'object', properties: { a: {} }, oneOf: [{ required: ['a'] }] };
    expect(withoutAnnotations(schema)).toEqual(schema);
  });
});
