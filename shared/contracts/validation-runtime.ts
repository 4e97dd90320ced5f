import type { ErrorObject } from 'ajv';

/**
 * What the generated validators (`generated/*.js`) call at run time. `scripts/standalone-validators.ts`
 * compacts ajv's standalone code: each error site becomes one `reportError` call, and the message is
 * built here from the params, in ajv 8's wording (the generator checks it against ajv's own).
 */

type Params = Record<string, unknown>;

/** ajv's default message for each keyword our schemas use. */
export const errorMessages: Readonly<Record<string, (params: Params) => string>> = {
  type: (p) => `must be ${p.type}`,
  required: (p) => `must have required property '${p.missingProperty}'`,
  additionalProperties: () => 'must NOT have additional properties',
  unevaluatedProperties: () => 'must NOT have unevaluated properties',
  enum: () => 'must be equal to one of the allowed values',
  const: () => 'must be equal to constant',
  format: (p) => `must match format "${p.format}"`,
  pattern: (p) => `must match pattern "${p.pattern}"`,
  minimum: (p) => `must be ${p.comparison} ${p.limit}`,
  maximum: (p) => `must be ${p.comparison} ${p.limit}`,
  minItems: (p) => `must NOT have fewer than ${p.limit} items`,
  maxItems: (p) => `must NOT have more than ${p.limit} items`,
  minLength: (p) => `must NOT have fewer than ${p.limit} characters`,
  maxLength: (p) => `must NOT have more than ${p.limit} characters`,
  contains: (p) => `must contain at least ${p.minContains} valid item(s)`,
  not: () => 'must NOT be valid',
  anyOf: () => 'must match a schema in anyOf',
  oneOf: () => 'must match exactly one schema in oneOf',
};

/**
 * Appends one ajv error to the list, which may still be null. The schema path comes without its
 * leading "#" and with each "/properties/" written as "$"; the keyword is its last segment (ajv's
 * errors always end so). Params literals are shared constants, so each error gets its own copy.
 */
export function reportError(
  list: ErrorObject[] | null,
  instancePath: string,
  compactSchemaPath: string,
  params: Params,
): ErrorObject[] {
  const schemaPath = `#${compactSchemaPath.replaceAll('$', '/properties/')}`;
  const keyword = schemaPath.slice(schemaPath.lastIndexOf('/') + 1);
  const message = errorMessages[keyword]?.(params);
  const error: ErrorObject = { instancePath, schemaPath, keyword, params: { ...params }, message };
  if (list === null) return [error];
  list.push(error);
  return list;
}

/** Appends the errors of a called validator to the list, which may still be null. */
export function appendErrors(list: ErrorObject[] | null, errors: ErrorObject[]): ErrorObject[] {
  return list === null ? errors : list.concat(errors);
}
