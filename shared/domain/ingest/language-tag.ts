import { LIMITS } from './limits';

/**
 * RFC 5646 (BCP 47) tag syntax, case-insensitive, with the primary language subtag limited to the
 * 2–3 letters in actual use: 4 letters are reserved and no 5–8 letter subtag was ever registered, so
 * words such as `english` are refused although the bare ABNF would admit them.
 */
const LANGTAG = new RegExp(
  [
    '^(?:',
    '[a-z]{2,3}(?:-[a-z]{3}){0,3}', // language, then up to three extended language subtags
    '(?:-[a-z]{4})?', // script, e.g. Hant
    '(?:-(?:[a-z]{2}|\\d{3}))?', // region, e.g. GB or 419
    '(?:-(?:[a-z\\d]{5,8}|\\d[a-z\\d]{3}))*', // variants
    '(?:-[\\da-wy-z](?:-[a-z\\d]{2,8})+)*', // extensions: a singleton other than x, then subtags
    '(?:-x(?:-[a-z\\d]{1,8})+)?', // private use at the end
    '|x(?:-[a-z\\d]{1,8})+', // a private-use tag on its own
    ')$',
  ].join(''),
  'i',
);

/** The irregular grandfathered tags (RFC 5646 §2.1); the regular ones already match LANGTAG. */
const IRREGULAR_GRANDFATHERED = new Set([
  'en-gb-oed',
  'i-ami',
  'i-bnn',
  'i-default',
  'i-enochian',
  'i-hak',
  'i-klingon',
  'i-lux',
  'i-mingo',
  'i-navajo',
  'i-pwn',
  'i-tao',
  'i-tay',
  'i-tsu',
  'sgn-be-fr',
  'sgn-be-nl',
  'sgn-ch-de',
]);

/** Whether `tag` is a syntactically well-formed BCP 47 language tag (not whether its subtags are registered). */
export function isWellFormedLanguageTag(tag: string): boolean {
  if (tag.length === 0 || tag.length > LIMITS.stringBytes.language) return false;
  return LANGTAG.test(tag) || IRREGULAR_GRANDFATHERED.has(tag.toLowerCase());
}
