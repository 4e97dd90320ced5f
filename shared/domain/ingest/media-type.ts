import { UnsupportedMediaTypeError } from '../errors';

const JSON_MEDIA_TYPE = /^application\/(?:json|[a-z0-9!#$&^_.+-]+\+json)$/;

/**
 * Accepts `application/json` and any `application/*+json` (e.g. `application/ninjs+json`), in any
 * case, with an optional `charset=utf-8`; JSON is UTF-8 (RFC 8259 §8.1), so any other charset is refused.
 */
export function assertJsonMediaType(contentType: string | undefined): void {
  const [essence = '', ...parameters] = (contentType ?? '').split(';');
  const mediaType = essence.trim().toLowerCase();
  if (!JSON_MEDIA_TYPE.test(mediaType)) {
    throw new UnsupportedMediaTypeError(
      `Content-Type must be application/json or application/*+json, not ${JSON.stringify(contentType ?? '')}`,
    );
  }
  const charset = charsetOf(parameters);
  if (charset !== undefined && charset !== 'utf-8') {
    throw new UnsupportedMediaTypeError(`charset must be utf-8, not ${JSON.stringify(charset)}`);
  }
}

function charsetOf(parameters: string[]): string | undefined {
  for (const parameter of parameters) {
    const [name = '', value = ''] = parameter.split('=', 2);
    if (name.trim().toLowerCase() === 'charset')
      return value
        .trim()
        .replace(/^"(.*)"$/, '$1')
        .toLowerCase();
  }
  return undefined;
}
