/**
 * Turns a partner's request body into a validated, normalised ninjs item (pure: no I/O).
 * Order matters: cheap checks that bound the work (media type, byte size, depth) run before the
 * walks over the document, and text is normalised before the schema sees it.
 */
import { type FieldError, PayloadTooLargeError, ValidationError } from '../errors';
import type { NinjsDocument, PreparedItem } from '../item';
import { decodeBodyText, MAX_BODY_BYTES, parseJsonObject, requireJsonObject } from './body';
import { contentHashOf } from './canonical-json';
import { isWellFormedLanguageTag } from './language-tag';
import { checkSizeLimits, LIMITS, nestingDepthOf } from './limits';
import { assertJsonMediaType } from './media-type';
import { schemaErrorsOf } from './schema';
import { sanitiseText } from './text-safety';

export { canonicalJson, contentHashOf } from './canonical-json';
export { isWellFormedLanguageTag } from './language-tag';
export { LIMITS, MAX_BODY_BYTES };

/** The parts of an API Gateway (HTTP API) request that carry the item. */
export interface SubmittedBody {
  body: string | undefined;
  isBase64Encoded: boolean;
  contentType: string | undefined;
}

/**
 * Validates and normalises a submitted body. Throws UnsupportedMediaTypeError (415),
 * PayloadTooLargeError (413) or ValidationError (400, with a JSON pointer per field).
 */
export function prepareSubmission(input: SubmittedBody): PreparedItem {
  assertJsonMediaType(input.contentType);
  const document = parseJsonObject(decodeBodyText(input.body, input.isBase64Encoded));
  assertNestingDepth(document);
  return prepareItem(document);
}

/** The same pipeline for a JSON value that was already parsed (its serialised size is checked instead). */
export function prepareDocument(value: unknown): PreparedItem {
  const document = requireJsonObject(value);
  assertNestingDepth(document);
  assertSerialisedSize(document);
  return prepareItem(document);
}

/** Text safety, schema and profile, limits, hash: for a top-level object of bounded depth. */
function prepareItem(parsed: Record<string, unknown>): PreparedItem {
  const { document, errors: textErrors, warnings } = sanitiseText(parsed);
  if (textErrors.length > 0) {
    throw new ValidationError('The item contains characters that are not allowed', { errors: textErrors });
  }
  // NFC can grow text (U+1D160 is 4 bytes of UTF-8 and 12 once normalised): what is stored and
  // published is the normalised item, so the size limit holds for it too.
  assertSerialisedSize(document, 'once normalised to Unicode NFC');
  const errors = [
    ...schemaErrorsOf(document),
    ...languageTagErrorsOf(document),
    ...checkSizeLimits(document),
  ];
  if (errors.length > 0) {
    throw new ValidationError(
      `The item is not a valid ninjs 2.2 item for Diplowire (${errors.length} error${errors.length === 1 ? '' : 's'})`,
      { errors },
    );
  }
  return { document: document as NinjsDocument, contentHash: contentHashOf(document), warnings };
}

function assertNestingDepth(document: Record<string, unknown>): void {
  if (nestingDepthOf(document) > LIMITS.depth) {
    throw new ValidationError(`The item is nested more than ${LIMITS.depth} levels deep`, {
      errors: [{ pointer: '', message: `nesting depth exceeds the depth limit of ${LIMITS.depth}` }],
    });
  }
}

function assertSerialisedSize(document: Record<string, unknown>, when = ''): void {
  const bytes = Buffer.byteLength(JSON.stringify(document), 'utf8');
  if (bytes > MAX_BODY_BYTES) {
    throw new PayloadTooLargeError(
      `The item serialises to ${bytes} bytes${when ? ` ${when}` : ''}; the limit is ${MAX_BODY_BYTES} bytes`,
      {
        errors: [
          {
            pointer: '',
            message: `is ${bytes} bytes of UTF-8${when ? ` ${when}` : ''}; the limit is ${MAX_BODY_BYTES}`,
          },
        ],
      },
    );
  }
}

/** The schema only requires a non-empty string; the BCP 47 grammar is checked here. */
function languageTagErrorsOf(document: Record<string, unknown>): FieldError[] {
  const { language } = document;
  if (typeof language !== 'string' || language === '' || isWellFormedLanguageTag(language)) return [];
  return [
    {
      pointer: '/language',
      message: 'must be a well-formed BCP 47 language tag such as "ar", "en-GB" or "zh-Hant-TW"',
    },
  ];
}
