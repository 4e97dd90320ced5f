import { PayloadTooLargeError, ValidationError } from '../errors';
import { LIMITS } from './limits';

/** Largest accepted request body, in bytes of UTF-8. */
export const MAX_BODY_BYTES = LIMITS.bodyBytes;

const ROOT = '';

/**
 * The request body as text: base64-decoded when API Gateway flagged it, checked against the byte
 * limit before anything else is done with it, and strictly decoded as UTF-8.
 */
export function decodeBodyText(body: string | undefined, isBase64Encoded: boolean): string {
  if (body === undefined || body === '') {
    throw new ValidationError('The request body is empty; send a ninjs item as JSON', {
      errors: [{ pointer: ROOT, message: 'a JSON body is required' }],
    });
  }
  if (!isBase64Encoded) {
    assertWithinSizeLimit(Buffer.byteLength(body, 'utf8'));
    return body;
  }
  const bytes = Buffer.from(body, 'base64');
  assertWithinSizeLimit(bytes.byteLength);
  return decodeUtf8(bytes);
}

function assertWithinSizeLimit(bytes: number): void {
  if (bytes > MAX_BODY_BYTES) {
    throw new PayloadTooLargeError(
      `The request body is ${bytes} bytes; the limit is ${MAX_BODY_BYTES} bytes (256 KiB) of UTF-8`,
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
export function parseJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof SyntaxError ? error.message : 'unreadable JSON';
    throw new ValidationError(`The request body is not valid JSON: ${reason}`, {
      errors: [{ pointer: ROOT, message: `malformed JSON: ${reason}` }],
    });
  }
  return requireJsonObject(value);
}

/** The top level of a ninjs item is a JSON object. */
export function requireJsonObject(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ValidationError('The request body must be a JSON object (a ninjs item)', {
      errors: [{ pointer: ROOT, message: `must be a JSON object, not ${describeJsonType(value)}` }],
    });
  }
  return value as Record<string, unknown>;
}

function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}
