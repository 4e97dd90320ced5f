import type { FieldError } from '../errors';
import { type JsonPath, pointerOf } from './json-pointer';

/** Every size limit of a submitted item, in one place. Strings are measured in UTF-8 bytes. */
export const LIMITS = {
  /** Whole request body: 256 KiB of UTF-8, far above a long article, far below API Gateway's 10 MB. */
  bodyBytes: 262_144,
  /** Deepest nesting of objects and arrays; ninjs with associations and GeoJSON needs about 15. */
  depth: 32,
  /** Most items per array, by member name; arrays not named here get `defaultArrayItems`. */
  arrayItems: {
    /** Classification arrays: generous for heavily tagged wire items. */
    subjects: 200,
    places: 200,
    people: 200,
    organisations: 200,
    events: 200,
    objects: 200,
    genres: 200,
    /** Alternative texts of one item (roles, markups), not a list of stories. */
    bodies: 20,
    headlines: 20,
    descriptions: 20,
    /** Associated items are full ninjs objects, so keep them fewer. */
    associations: 100,
    renditions: 100,
    altids: 50,
    infosources: 50,
    trustindicators: 50,
    /** Per person, organisation or place. */
    contactinfo: 20,
    symbols: 20,
    /** Address lines. */
    lines: 20,
  },
  /** Any other array, e.g. GeoJSON coordinates and features. */
  defaultArrayItems: 1000,
  /** Most UTF-8 bytes per string, by kind of field (see `stringKindOf`). */
  stringBytes: {
    /** Any `uri` or `href` member: common URL limits are around 2 KB. */
    uri: 2048,
    /** BCP 47 tags: RFC 5646 §4.4.1 asks implementations to support at least 35 characters (all ASCII). */
    language: 35,
    /** `headlines[].value`: a headline, however long, fits in 1000 bytes (~500 Arabic letters). */
    headline: 1000,
    /** Any `title` member. */
    title: 1000,
    /** `bodies[].value`: effectively bounded by the whole body limit. */
    body: 262_144,
    /** Every other string value. */
    other: 16_384,
    /** Member names; ninjs names are short words, free-form objects (GeoJSON properties) need little more. */
    memberName: 256,
  },
} as const;

export type StringKind = Exclude<keyof typeof LIMITS.stringBytes, 'memberName'>;

/** The kind of string at `path`, which decides its byte limit. */
export function stringKindOf(path: JsonPath): StringKind {
  const member = path.at(-1);
  if (member === 'uri' || member === 'href') return 'uri';
  if (member === 'language') return 'language';
  if (member === 'title') return 'title';
  if (member === 'value' && typeof path.at(-2) === 'number') {
    if (path.at(-3) === 'headlines') return 'headline';
    if (path.at(-3) === 'bodies') return 'body';
  }
  return 'other';
}

function arrayLimitOf(path: JsonPath): number {
  const member = path.at(-1);
  const named: Readonly<Record<string, number>> = LIMITS.arrayItems;
  // hasOwn, so that a member named e.g. `constructor` is not looked up on the prototype.
  return typeof member === 'string' && Object.hasOwn(named, member)
    ? named[member]!
    : LIMITS.defaultArrayItems;
}

/**
 * Depth of the deepest object or array, computed without recursion so that a hostile, deeply
 * nested body cannot overflow the stack before it is rejected.
 */
export function nestingDepthOf(value: unknown): number {
  let deepest = 0;
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (pending.length > 0) {
    const next = pending.pop()!;
    if (next.value === null || typeof next.value !== 'object') continue;
    const depth = next.depth + 1;
    deepest = Math.max(deepest, depth);
    if (depth > LIMITS.depth) return depth;
    for (const child of Object.values(next.value)) pending.push({ value: child, depth });
  }
  return deepest;
}

function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Array lengths and string sizes against LIMITS; one error per field over its limit. */
export function checkSizeLimits(value: unknown, path: JsonPath = []): FieldError[] {
  if (typeof value === 'string') return checkStringSize(value, path);
  if (Array.isArray(value)) {
    const errors: FieldError[] = [];
    const limit = arrayLimitOf(path);
    if (value.length > limit) {
      errors.push({ pointer: pointerOf(path), message: `has ${value.length} items; the limit is ${limit}` });
    }
    value.forEach((item, index) => {
      errors.push(...checkSizeLimits(item, [...path, index]));
    });
    return errors;
  }
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([member, child]) => [
      ...checkMemberName(member, [...path, member]),
      ...checkSizeLimits(child, [...path, member]),
    ]);
  }
  return [];
}

function checkStringSize(text: string, path: JsonPath): FieldError[] {
  const kind = stringKindOf(path);
  const limit = LIMITS.stringBytes[kind];
  const bytes = utf8Bytes(text);
  if (bytes <= limit) return [];
  return [
    { pointer: pointerOf(path), message: `is ${bytes} bytes of UTF-8; the ${kind} limit is ${limit} bytes` },
  ];
}

function checkMemberName(member: string, path: JsonPath): FieldError[] {
  const limit = LIMITS.stringBytes.memberName;
  if (utf8Bytes(member) <= limit) return [];
  return [
    { pointer: pointerOf(path), message: `member name exceeds the memberName limit of ${limit} bytes` },
  ];
}
