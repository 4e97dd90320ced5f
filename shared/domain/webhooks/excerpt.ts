/** Longest response excerpt kept per attempt, in characters. */
export const MAX_EXCERPT_CHARS = 200;

// C0/C1 controls and DEL, plus bidi and zero-width format characters that could disguise text.
const UNSAFE = /[\p{Cc}\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/gu;

/**
 * A response body reduced to something safe to show in the deliveries API: control and bidi
 * characters removed, whitespace runs collapsed, at most 200 characters (never splitting a
 * surrogate pair). Undefined when nothing is left.
 */
export function sanitiseExcerpt(text: string): string | undefined {
  const cleaned = text
    .replace(/[\t\n\r]+/g, ' ')
    .replace(UNSAFE, '')
    .replace(/ {2,}/g, ' ')
    .trim();
  if (cleaned === '') return undefined;
  const chars = Array.from(cleaned);
  return chars.length <= MAX_EXCERPT_CHARS ? cleaned : chars.slice(0, MAX_EXCERPT_CHARS).join('');
}
