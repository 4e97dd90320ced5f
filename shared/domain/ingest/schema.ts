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
  const details = new Set<ErrorObject>();
  errors.forEach((summary, index) => {
    if (summary.keyword !== 'oneOf' && summary.keyword !== 'anyOf') return;
    for (let before = index - 1; before >= 0; before--) {
      const error = errors[before]!;
      if (!isWithinPointer(error.instancePath, summary.instancePath)) break;
      // At the root every error is "at or below"; there only inline alternatives are told apart.
      if (summary.instancePath === '' && !isWithin(error.schemaPath, summary.schemaPath)) continue;
      details.add(error);
    }
  });
  return errors.filter((error) => !details.has(error));
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
 * reported as "unevaluated"; keep only the real error.
 */
function withoutUnevaluatedNoise(errors: (FieldError & { unevaluated?: true })[]): FieldError[] {
  return errors
    .filter(
      (error) =>
        !error.unevaluated ||
        !errors.some((other) => !other.unevaluated && isWithinPointer(other.pointer, error.pointer)),
    )
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
