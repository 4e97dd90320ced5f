/**
 * Runtime validation of event details, free of zod: it runs the standalone ajv validators that
 * `scripts/generate-event-schemas.ts` compiles from the committed JSON Schemas (which zod
 * generates). Lambdas import this module; zod stays a build- and test-time tool.
 */
import type { ErrorObject } from 'ajv';
import { eventDetailValidators } from '../generated/event-validators';
import type { DetailByType, DetailType } from './index';

/** One problem with a detail: a JSON pointer into the detail and what is wrong there. */
export interface DetailIssue {
  pointer: string;
  message: string;
}

export type DetailValidation<T extends DetailType> =
  | { valid: true; detail: DetailByType[T] }
  | { valid: false; issues: DetailIssue[] };

/** Whether a detail-type has a contract (and so a validator). */
export function isDetailType(value: unknown): value is DetailType {
  return typeof value === 'string' && Object.hasOwn(eventDetailValidators, value);
}

const escapeToken = (token: string) => token.replaceAll('~', '~0').replaceAll('/', '~1');

/** Where a oneOf branch's errors live: `#/oneOf/1/required` -> `#/oneOf`. */
const ONE_OF_BRANCH = /^(.*\/oneOf)\/\d+\//;

/**
 * ajv errors as issues: a missing property points at the property itself ("is required"), the
 * errors of failed oneOf branches fold into the oneOf's own issue, and duplicates are dropped.
 */
export function issuesOf(errors: readonly ErrorObject[]): DetailIssue[] {
  const missingByOneOf = new Map<string, string[]>();
  for (const error of errors) {
    const oneOf = ONE_OF_BRANCH.exec(error.schemaPath)?.[1];
    if (oneOf === undefined) continue;
    const key = `${error.instancePath} ${oneOf}`;
    const missing = missingByOneOf.get(key) ?? [];
    if (error.keyword === 'required') missing.push(String(error.params.missingProperty));
    missingByOneOf.set(key, missing);
  }
  const issues = new Map<string, DetailIssue>();
  for (const error of errors) {
    if (ONE_OF_BRANCH.test(error.schemaPath)) continue;
    let issue: DetailIssue;
    if (error.keyword === 'required') {
      const property = String(error.params.missingProperty);
      issue = { pointer: `${error.instancePath}/${escapeToken(property)}`, message: 'is required' };
    } else if (error.keyword === 'oneOf') {
      const missing = missingByOneOf.get(`${error.instancePath} ${error.schemaPath}`) ?? [];
      issue = {
        pointer: error.instancePath,
        message:
          missing.length > 1
            ? `must have exactly one of ${missing.join(', ')} (has none)`
            : (error.message ?? 'must match exactly one schema in oneOf'),
      };
    } else {
      issue = { pointer: error.instancePath, message: error.message ?? `fails ${error.keyword}` };
    }
    issues.set(`${issue.pointer} ${issue.message}`, issue);
  }
  return [...issues.values()];
}

/** `/version must be >= 1; /itemId is required`, each pointer prefixed with `prefix` (e.g. `/detail`). */
export function describeIssues(issues: readonly DetailIssue[], prefix = ''): string {
  return issues
    .map((issue) => `${prefix}${issue.pointer || (prefix ? '' : '/')} ${issue.message}`)
    .join('; ');
}

/** Validates a detail against the current contract of its detail-type. */
export function validateEventDetail<T extends DetailType>(
  detailType: T,
  detail: unknown,
): DetailValidation<T> {
  const validate = eventDetailValidators[detailType];
  if (validate(detail)) return { valid: true, detail };
  return { valid: false, issues: issuesOf(validate.errors ?? []) };
}

/** A detail breaks its contract. */
export class InvalidEventDetailError extends Error {
  constructor(
    readonly detailType: DetailType,
    readonly issues: readonly DetailIssue[],
  ) {
    super(`Invalid ${detailType} detail: ${describeIssues(issues)}`);
    this.name = 'InvalidEventDetailError';
  }
}

/** The detail, typed, when it meets its contract; throws `InvalidEventDetailError` otherwise. */
export function assertEventDetail<T extends DetailType>(detailType: T, detail: unknown): DetailByType[T] {
  const result = validateEventDetail(detailType, detail);
  if (!result.valid) throw new InvalidEventDetailError(detailType, result.issues);
  return result.detail;
}
