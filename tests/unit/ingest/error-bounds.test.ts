import type { ErrorObject } from 'ajv';
import { describe, expect, it } from 'vitest';
import { problemResponse } from '#shared/adapters/http/problem-details.ts';
import { Problem } from '#shared/contracts/api/schemas.ts';
import { profileRules } from '#shared/contracts/generated/ninjs-validator.js';
import { type FieldError, MAX_REPORTED_ERRORS, ValidationError } from '#shared/domain/errors.ts';
import { MAX_BODY_BYTES } from '#shared/domain/ingest/index.ts';
import { fieldErrorsFrom } from '#shared/domain/ingest/schema.ts';
import { submitJson, thrownBy, validItem } from './support';

/** Distinct short member names: `a0`, `a1`, … in base 36. */
const memberName = (i: number) => `a${i.toString(36)}`;

/**
 * The worst case the review found: tens of thousands of unknown members at the root (each an
 * "unevaluated" error) together with tens of thousands of real errors (numbers where subjects must be objects),
 * filling the 256 KiB body.
 */
function floodBody(unknownMembers: number, badKeywords: number): string {
  const item = validItem(badKeywords > 0 ? { subjects: new Array(badKeywords).fill(0) } : {});
  for (let i = 0; i < unknownMembers; i++) item[memberName(i)] = 0;
  return JSON.stringify(item);
}

describe('a body with tens of thousands of field errors', () => {
  const unknownMembers = 20_000;
  const badKeywords = 40_000;
  const body = floodBody(unknownMembers, badKeywords);

  it('fits the body limit (so it reaches validation)', () => {
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_BODY_BYTES);
  });

  it('gets a 400 whose error list is capped, counting what was left out', () => {
    const error = thrownBy(() => submitJson(body), ValidationError);
    expect(error.errors).toHaveLength(MAX_REPORTED_ERRORS);
    // One per unknown member, one per bad subject, and the limit on the number of subjects.
    const total = unknownMembers + badKeywords + 1;
    expect(error.message).toContain(`(${total} errors)`);
    expect(error.extensions).toEqual({ omittedErrors: total - MAX_REPORTED_ERRORS });

    const response = problemResponse(error, '/v1/items');
    expect(response.statusCode).toBe(400);
    const problem = JSON.parse(response.body);
    expect(Problem.safeParse(problem).success).toBe(true);
    expect(problem.errors).toHaveLength(MAX_REPORTED_ERRORS);
    expect(problem.omittedErrors).toBe(total - MAX_REPORTED_ERRORS);
    expect(response.body.length).toBeLessThan(20_000);
  }, 60_000);

  it('reports every error below the cap, without omittedErrors', () => {
    const error = thrownBy(() => submitJson(floodBody(3, 0)), ValidationError);
    expect(error.errors?.map((e) => e.pointer)).toEqual(['/a0', '/a1', '/a2']);
    expect(error.extensions).toBeUndefined();
  });

  it('keeps the OpenAPI contract in step with the cap', () => {
    const tooMany = new Array(MAX_REPORTED_ERRORS + 1).fill({ pointer: '', message: 'x' });
    const problem = { type: '/problems/validation-error', title: 't', status: 400, detail: 'd' };
    expect(Problem.safeParse({ ...problem, errors: tooMany.slice(1) }).success).toBe(true);
    expect(Problem.safeParse({ ...problem, errors: tooMany }).success).toBe(false);
  });
});

/**
 * Raw ajv errors shaped like the worst cases: `n` unevaluated root members, `n` real errors, each
 * real error under a oneOf summary of its own element, and a root anyOf summary at the end.
 */
function rawErrors(n: number): ErrorObject[] {
  const errors: ErrorObject[] = [];
  const error = (instancePath: string, schemaPath: string, keyword: string, params = {}) =>
    errors.push({ instancePath, schemaPath, keyword, params } as ErrorObject);
  for (let i = 0; i < n; i++) {
    error(`/subject/${i}/name`, '#/properties/subject/items/oneOf/0/type', 'type', { type: 'string' });
    error(`/subject/${i}`, '#/properties/subject/items/oneOf', 'oneOf');
  }
  for (let i = 0; i < n; i++) {
    error('', '#/unevaluatedProperties', 'unevaluatedProperties', { unevaluatedProperty: memberName(i) });
  }
  error('', '#/anyOf/0/required', 'required', { missingProperty: 'headlines' });
  error('', '#/anyOf', 'anyOf');
  return errors;
}

/**
 * The work `fieldErrorsFrom` does, counted exactly whatever the machine's load: every property read
 * of an input error (a walk back over earlier errors reads their paths again and again) and every
 * prefix test of a path or pointer (`startsWith`, which the pairwise filters it replaced ran on
 * every pair of errors).
 */
function workOf(errors: ErrorObject[]): { fieldErrors: FieldError[]; work: number } {
  let work = 0;
  const handler: ProxyHandler<ErrorObject> = {
    get(target, property, receiver) {
      work++;
      return Reflect.get(target, property, receiver);
    },
  };
  const counted = errors.map((error) => new Proxy(error, handler));
  const startsWith = String.prototype.startsWith;
  String.prototype.startsWith = function (this: string, ...args: [string, number?]) {
    work++;
    return startsWith.apply(this, args);
  };
  try {
    return { fieldErrors: fieldErrorsFrom(counted, profileRules), work };
  } finally {
    String.prototype.startsWith = startsWith;
  }
}

describe('error filtering', () => {
  it('keeps the summaries and the unevaluated members, drops the alternatives’ details', () => {
    const errors = fieldErrorsFrom(rawErrors(2), profileRules);
    expect(errors.map((e) => e.pointer)).toEqual(['/subject/0', '/subject/1', '/a0', '/a1', '']);
  });

  it('grows linearly: four times the errors cost four times the work, not sixteen', () => {
    const readsFor = (n: number) => {
      const { fieldErrors, work } = workOf(rawErrors(n));
      // The real errors (one per subject) and the unevaluated members all survive the filter.
      expect(fieldErrors).toHaveLength(2 * n + 1);
      return work;
    };
    const small = readsFor(2_500);
    const large = readsFor(10_000);
    // A constant number of reads per error: linear work gives a ratio of 4 (the fixed cost of the
    // profile rules makes it a little less); the quadratic filters it replaced gave 16 and more.
    expect(large / small).toBeGreaterThan(3.5);
    expect(large / small).toBeLessThan(4.5);
    expect(large / 10_000).toBeLessThan(100);
  });
});
