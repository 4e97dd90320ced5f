import type { FieldError } from '../errors';
import type { Warning } from '../item';
import { type JsonPath, pointerOf } from './json-pointer';

/** A high surrogate not followed by a low one, or a low surrogate not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const NUL = '\u0000';
const BYTE_ORDER_MARK = '\uFEFF';
/**
 * Bidi embeddings, overrides and isolates (LRE RLE PDF LRO RLO, LRI RLI FSI PDI): they can reorder
 * what a reader sees (Trojan Source, CVE-2021-42574). The marks LRM, RLM and ALM only hint direction
 * and are needed in mixed Arabic/Latin text, so they are kept.
 */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;

export interface SanitisedDocument {
  document: Record<string, unknown>;
  errors: FieldError[];
  warnings: Warning[];
}

/**
 * Checks and normalises every string of a parsed document, keeping member order: rejects lone
 * surrogates, NUL and U+FEFF anywhere (member names too) and bidi controls in any `uri`; removes bidi
 * controls from every other string with a warning; normalises every string value to NFC.
 * Member names are checked but not normalised, so that two distinct names can never merge.
 */
export function sanitiseText(document: Record<string, unknown>): SanitisedDocument {
  const errors: FieldError[] = [];
  const warnings: Warning[] = [];
  const sanitised = sanitiseValue(document, [], errors, warnings) as Record<string, unknown>;
  return { document: sanitised, errors, warnings };
}

function sanitiseValue(value: unknown, path: JsonPath, errors: FieldError[], warnings: Warning[]): unknown {
  if (typeof value === 'string') return sanitiseString(value, path, errors, warnings);
  if (Array.isArray(value))
    return value.map((item, index) => sanitiseValue(item, [...path, index], errors, warnings));
  if (value !== null && typeof value === 'object') {
    // fromEntries defines own data properties, so a member named `__proto__` stays a plain member.
    return Object.fromEntries(
      Object.entries(value).map(([member, child]) => {
        const memberPath = [...path, member];
        const problem = forbiddenCharacterIn(member);
        if (problem)
          errors.push({ pointer: pointerOf(memberPath), message: `member name contains ${problem}` });
        return [member, sanitiseValue(child, memberPath, errors, warnings)];
      }),
    );
  }
  return value;
}

function sanitiseString(text: string, path: JsonPath, errors: FieldError[], warnings: Warning[]): string {
  const pointer = pointerOf(path);
  const problem = forbiddenCharacterIn(text);
  if (problem) {
    errors.push({ pointer, message: `contains ${problem}` });
    return text;
  }
  if (path.at(-1) === 'uri') {
    if (countBidiControls(text) > 0) {
      errors.push({
        pointer,
        message: 'contains a bidirectional control character (U+202A–U+202E, U+2066–U+2069)',
      });
    }
    return text.normalize('NFC');
  }
  const removed = countBidiControls(text);
  if (removed > 0) {
    warnings.push({
      pointer,
      code: 'bidi-control-removed',
      message: `removed ${removed} bidirectional control character${removed === 1 ? '' : 's'} (U+202A–U+202E, U+2066–U+2069)`,
    });
  }
  // Remove before normalising: a control between a letter and a combining mark blocks composition.
  return (removed > 0 ? text.replace(BIDI_CONTROLS, '') : text).normalize('NFC');
}

/** Describes the first character that no string may contain, or undefined. */
export function forbiddenCharacterIn(text: string): string | undefined {
  if (LONE_SURROGATE.test(text)) return 'a lone UTF-16 surrogate (not a Unicode character)';
  if (text.includes(NUL)) return 'the NUL character (U+0000)';
  if (text.includes(BYTE_ORDER_MARK)) return 'the byte order mark / zero width no-break space (U+FEFF)';
  return undefined;
}

function countBidiControls(text: string): number {
  return text.match(BIDI_CONTROLS)?.length ?? 0;
}
