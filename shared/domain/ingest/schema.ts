import type { ErrorObject } from 'ajv';
import { profileRules, validateDiplowireProfile } from '../../contracts/generated/ninjs-validator';
import type { FieldError } from '../errors';
import { childPointer } from './json-pointer';

/**
 * Field errors against the official ninjs 2.2 schema and the Diplowire profile (one generated,
 * standalone validator). A failing profile rule is reported once, with its own message, in place of
 * the raw errors at the same field.
 */
export function schemaErrorsOf(document: unknown): FieldError[] {
  if (validateDiplowireProfile(document)) return [];
  return fieldErrorsFrom(validateDiplowireProfile.errors ?? [], profileRules);
}

/** A profile rule: its ajv schemaPath prefix, and the one field error that replaces its raw errors. */
export interface ProfileRuleError extends FieldError {
  schemaPath: string;
}

/**
 * The field errors for the raw ajv errors (`allErrors`, in ajv's order) of a failed validation.
 * Exported for tests that compare validators compiled in different ways.
 */
export function fieldErrorsFrom(
  raw: readonly ErrorObject[],
  rules: readonly ProfileRuleError[],
): FieldError[] {
  const failedRules = rules.filter((rule) =>
    raw.some((error) => isWithin(error.schemaPath, rule.schemaPath)),
  );
  const rulePointers = new Set(failedRules.map((rule) => rule.pointer));
  const others = withoutAlternativeDetails(
    raw.filter((error) => !failedRules.some((rule) => isWithin(error.schemaPath, rule.schemaPath))),
  ).map(toFieldError);
  const fieldErrors = [
    ...failedRules.map(({ pointer, message }) => ({ pointer, message })),
    ...withoutUnevaluatedNoise(others).filter((error) => !rulePointers.has(error.pointer)),
  ];
  return unique(fieldErrors);
}

function isWithin(schemaPath: string, prefix: string): boolean {
  return schemaPath === prefix || schemaPath.startsWith(`${prefix}/`);
}

/**
 * A failed oneOf/anyOf also reports why each alternative failed, which for GeoJSON is dozens of
 * errors; keep only the summary. An alternative that is a `$ref` is compiled as its own function,
 * whose errors carry paths relative to the referenced schema (`#/required`), not under the summary's,
 * so details are found by position: ajv reports the alternatives' errors as one run right before the
 * summary, at or below its instance. That holds because no oneOf/anyOf in our schemas has a sibling
 * keyword that ajv checks before it (the generator refuses such a schema). At the document root,
 * where every error is at or below, only inline alternatives (under the summary's schemaPath) count.
 */
function withoutAlternativeDetails(errors: ErrorObject[]): ErrorObject[] {
  const details = new Set<number>();
  // Where each summary's run of details starts: an enclosing summary jumps over that run (already
  // marked, and all within its own instance) instead of walking it again, which keeps this linear.
  const runStart = new Map<number, number>();
  // Root summaries by schemaPath (their last index): at the root every earlier error is "at or
  // below", so instead of each summary walking back over all of them, each error looks its own
  // schemaPath's prefixes up once (schema depth, not body size).
  const rootSummaries = new Map<string, number>();
  errors.forEach((summary, index) => {
    if (summary.keyword !== 'oneOf' && summary.keyword !== 'anyOf') return;
    if (summary.instancePath === '') {
      rootSummaries.set(summary.schemaPath, index);
      return;
    }
    let before = index - 1;
    while (before >= 0 && isWithinPointer(errors[before]!.instancePath, summary.instancePath)) {
      details.add(before);
      const start = runStart.get(before);
      before = (start ?? before) - 1;
    }
    runStart.set(index, before + 1);
  });
  if (rootSummaries.size > 0) {
    errors.forEach((error, index) => {
      if (isInlineAlternativeOfLaterRootSummary(error.schemaPath, index, rootSummaries)) details.add(index);
    });
  }
  return errors.filter((_, index) => !details.has(index));
}

/** Whether a root summary after `index` has a schemaPath that `schemaPath` is (or is within). */
function isInlineAlternativeOfLaterRootSummary(
  schemaPath: string,
  index: number,
  rootSummaries: ReadonlyMap<string, number>,
): boolean {
  for (let prefix = schemaPath; ; prefix = prefix.slice(0, prefix.lastIndexOf('/'))) {
    const summaryIndex = rootSummaries.get(prefix);
    if (summaryIndex !== undefined && summaryIndex > index) return true;
    if (prefix.lastIndexOf('/') < 0) return false;
  }
}

function isWithinPointer(pointer: string, prefix: string): boolean {
  return prefix === '' || pointer === prefix || pointer.startsWith(`${prefix}/`);
}

function toFieldError(error: ErrorObject): FieldError & { unevaluated?: true } {
  const { instancePath, keyword, params } = error;
  if (keyword === 'required') {
    return { pointer: childPointer(instancePath, params.missingProperty), message: 'is required' };
  }
  if (keyword === 'additionalProperties') {
    return {
      pointer: childPointer(instancePath, params.additionalProperty),
      message: 'is not an allowed member here',
    };
  }
  if (keyword === 'unevaluatedProperties') {
    const message = instancePath === '' ? 'is not a ninjs 2.2 field' : 'is not an allowed member here';
    return { pointer: childPointer(instancePath, params.unevaluatedProperty), message, unevaluated: true };
  }
  if (keyword === 'oneOf') {
    return {
      pointer: instancePath,
      message: 'must match exactly one of the forms the ninjs 2.2 schema allows here',
    };
  }
  if (keyword === 'format') {
    return { pointer: instancePath, message: `must be a valid ${params.format}` };
  }
  return { pointer: instancePath, message: error.message ?? `fails the ${keyword} rule` };
}

/**
 * JSON Schema drops annotations of a failing subschema, so a known member with a bad value is also
 * reported as "unevaluated"; keep only the real error. Linear: the pointers of the real errors and
 * all their ancestors go into one set, which each unevaluated error looks itself up in.
 */
function withoutUnevaluatedNoise(errors: (FieldError & { unevaluated?: true })[]): FieldError[] {
  const atOrAboveRealErrors = new Set<string>();
  for (const error of errors) {
    if (error.unevaluated) continue;
    for (let pointer = error.pointer; !atOrAboveRealErrors.has(pointer); ) {
      atOrAboveRealErrors.add(pointer);
      if (pointer === '') break;
      pointer = pointer.slice(0, pointer.lastIndexOf('/'));
    }
  }
  return errors
    .filter((error) => !error.unevaluated || !atOrAboveRealErrors.has(error.pointer))
    .map(({ pointer, message }) => ({ pointer, message }));
}

function unique(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((error) => {
    const key = `${error.pointer}\u0000${error.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
