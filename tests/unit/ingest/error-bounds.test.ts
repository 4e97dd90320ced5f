import type { ErrorObject } from 'ajv';
import { describe, expect, it } from 'vitest';
import { problemResponse } from '#shared/adapters/http/problem-details.ts';
import { Problem } from '#shared/contracts/api/schemas.ts';
import { profileRules } from '#shared/contracts/generated/ninjs-validator.js';
import { MAX_REPORTED_ERRORS, ValidationError } from '#shared/domain/errors.ts';
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

/** The fastest of a few runs, in ms (the minimum is the least disturbed by a busy machine). */
function fastestRun(action: () => unknown, runs = 3): number {
  let best = Number.POSITIVE_INFINITY;
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    action();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

describe('error filtering', () => {
  it('keeps the summaries and the unevaluated members, drops the alternatives’ details', () => {
    const errors = fieldErrorsFrom(rawErrors(2), profileRules);
    expect(errors.map((e) => e.pointer)).toEqual(['/subject/0', '/subject/1', '/a0', '/a1', '']);
  });

  it('grows linearly: four times the errors take nowhere near sixteen times as long', () => {
    const small = rawErrors(10_000);
    const large = rawErrors(40_000);
    fieldErrorsFrom(small, profileRules); // warm-up (JIT)
    const ratio =
      fastestRun(() => fieldErrorsFrom(large, profileRules)) /
      fastestRun(() => fieldErrorsFrom(small, profileRules));
    // Linear work gives about 4; the quadratic filters it replaced gave 16 and more.
    expect(ratio).toBeLessThan(10);
  }, 120_000);
});
