import { PayloadTooLargeError, ValidationError } from '../errors';
import { LIMITS } from './limits';

/** Largest accepted request body, in bytes of UTF-8. */
export const MAX_BODY_BYTES = LIMITS.bodyBytes;

const ROOT = '';

/** What a JSON request body must be: its size limit and, for messages, what it should hold. */
export interface BodyRules {
  /** Largest accepted body, in bytes of UTF-8. */
  maxBytes: number;
  /** What the body should be, e.g. 'a ninjs item'. */
  expected: string;
}

/** The body of a submitted item (POST/PUT /v1/items). */
export const ITEM_BODY: BodyRules = { maxBytes: MAX_BODY_BYTES, expected: 'a ninjs item' };

/**
 * The request body as text: base64-decoded when API Gateway flagged it, checked against the byte
 * limit before anything else is done with it, and strictly decoded as UTF-8. Every JSON API
 * decodes its bodies here, so limits and errors read the same everywhere: 400 for an empty or
 * undecodable body, 413 for one over the limit.
 */
export function decodeBodyText(
  body: string | undefined,
  isBase64Encoded: boolean,
  rules: BodyRules = ITEM_BODY,
): string {
  if (body === undefined || body === '') {
    throw new ValidationError(`The request body is empty; send ${rules.expected} as JSON`, {
      errors: [{ pointer: ROOT, message: 'a JSON body is required' }],
    });
  }
  if (!isBase64Encoded) {
    assertWithinSizeLimit(Buffer.byteLength(body, 'utf8'), rules.maxBytes);
    return body;
  }
  const bytes = Buffer.from(body, 'base64');
  assertWithinSizeLimit(bytes.byteLength, rules.maxBytes);
  return decodeUtf8(bytes);
}

/** The body decoded (decodeBodyText) and parsed as a JSON object (parseJsonObject). */
export function decodeJsonObject(
  body: string | undefined,
  isBase64Encoded: boolean,
  rules: BodyRules = ITEM_BODY,
): Record<string, unknown> {
  return parseJsonObject(decodeBodyText(body, isBase64Encoded, rules), rules.expected);
}

function assertWithinSizeLimit(bytes: number, maxBytes: number): void {
  if (bytes > maxBytes) {
    throw new PayloadTooLargeError(
      `The request body is ${bytes} bytes; the limit is ${maxBytes} bytes (${maxBytes / 1024} KiB) of UTF-8`,
    );
  }
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    // ignoreBOM keeps a leading byte order mark in the text, so it is refused like any other U+FEFF.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new ValidationError('The request body is not valid UTF-8', {
      errors: [{ pointer: ROOT, message: 'the body contains bytes that are not valid UTF-8' }],
    });
  }
}

/** Parses the text as JSON; the document must be a JSON object. */
export function parseJsonObject(text: string, expected = ITEM_BODY.expected): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof SyntaxError ? error.message : 'unreadable JSON';
    throw new ValidationError(`The request body is not valid JSON: ${reason}`, {
      errors: [{ pointer: ROOT, message: `malformed JSON: ${reason}` }],
    });
  }
  return requireJsonObject(value, expected);
}

/** The top level of a body is a JSON object (a ninjs item, a subscription). */
export function requireJsonObject(value: unknown, expected = ITEM_BODY.expected): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ValidationError(`The request body must be a JSON object (${expected})`, {
      errors: [{ pointer: ROOT, message: `must be a JSON object, not ${describeJsonType(value)}` }],
    });
  }
  return value as Record<string, unknown>;
}

function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}
