/**
 * Parsers of query-string parameters shared by the paginated reads (the feed, a partner's items,
 * version lists). Each reports a problem as (JSON pointer, message) instead of throwing, so a read
 * answers every invalid parameter at once in one 400.
 */
export type Fail = (pointer: string, message: string) => void;

/** A whole number in [min, max]; `fallback` when absent (or invalid, after reporting it). */
export function wholeNumber(
  value: string | undefined,
  min: number,
  max: number,
  fallback: number,
  pointer: string,
  fail: Fail,
): number {
  if (value === undefined) return fallback;
  if (!/^[0-9]{1,4}$/.test(value) || Number(value) < min || Number(value) > max) {
    fail(pointer, `a whole number from ${min} to ${max}`);
    return fallback;
  }
  return Number(value);
}

export const MAX_LIST = 50;

/** A comma-separated list of up to MAX_LIST values that each pass `valid`; undefined when absent or invalid. */
export function commaList(
  value: string | undefined,
  pointer: string,
  fail: Fail,
  valid: (value: string) => boolean,
  what: string,
): string[] | undefined {
  if (value === undefined) return undefined;
  const values = value.split(',').map((v) => v.trim());
  if (values.length > MAX_LIST || values.some((v) => v === '' || !valid(v))) {
    fail(pointer, `a comma-separated list of up to ${MAX_LIST} ${what}`);
    return undefined;
  }
  return values;
}

/** `true` or `false`; undefined when absent (or invalid, after reporting it). */
export function booleanParam(value: string | undefined, pointer: string, fail: Fail): boolean | undefined {
  if (value === undefined) return undefined;
  if (value !== 'true' && value !== 'false') {
    fail(pointer, 'true or false');
    return undefined;
  }
  return value === 'true';
}
