import type { TranslatedText, Translation } from '../../domain/translation/model';

/**
 * Translation rows of the items table (see docs/translation.md): PK `TRANSLATION#<itemId>`, SK
 * `TR#<language>#V#<version, 9 digits>`, a partition of their own per item, so the translator's
 * role may write nothing but them. Read by the translation store, the feed and the outbox publisher
 * (which turns an announced outcome into NewsItemTranslated), so this module carries no SDK client.
 */
export const TRANSLATION_ENTITY = 'ItemTranslation';
export const IN_PROGRESS = 'in-progress';
/**
 * When the outcome was announced: written with the outcome of a public version, and at release
 * for a held one. The stream record that sets it is the outbox entry of NewsItemTranslated.
 */
export const ANNOUNCED_AT = 'announcedAt';

/** A recorded outcome (translated or skipped), as opposed to a claim in progress. */
export function isOutcome(row: Record<string, unknown>): boolean {
  return row.status !== IN_PROGRESS;
}

export class MalformedTranslationRecordError extends Error {
  constructor(detail: string) {
    super(`Malformed ${TRANSLATION_ENTITY} record: ${detail}`);
    this.name = 'MalformedTranslationRecordError';
  }
}

function texts(value: unknown, name: string): TranslatedText[] {
  if (!Array.isArray(value)) throw new MalformedTranslationRecordError(`${name} must be a list`);
  return value.map((entry) => {
    const { role, contenttype, value: text } = (entry ?? {}) as Record<string, unknown>;
    if (typeof text !== 'string')
      throw new MalformedTranslationRecordError(`${name}[].value must be a string`);
    return {
      ...(typeof role === 'string' ? { role } : {}),
      ...(typeof contenttype === 'string' ? { contenttype } : {}),
      value: text,
    };
  });
}

export function translationFromRecord(record: Record<string, unknown>): Translation {
  const string = (name: string): string => {
    const value = record[name];
    if (typeof value !== 'string') throw new MalformedTranslationRecordError(`${name} must be a string`);
    return value;
  };
  const number = (name: string): number => {
    const value = record[name];
    if (typeof value !== 'number') throw new MalformedTranslationRecordError(`${name} must be a number`);
    return value;
  };
  const status = string('status');
  if (status !== 'translated' && status !== 'skipped') {
    throw new MalformedTranslationRecordError(`status ${status} is not an outcome`);
  }
  const provider = string('provider');
  if (provider !== 'aws' && provider !== 'none') {
    throw new MalformedTranslationRecordError(`provider ${provider} is unknown`);
  }
  return {
    itemId: string('itemId'),
    version: number('version'),
    partnerId: string('partnerId'),
    uri: string('uri'),
    language: string('language'),
    sourceLanguage: string('sourceLanguage'),
    provider,
    status,
    ...(typeof record.reason === 'string' ? { reason: record.reason } : {}),
    headlines: texts(record.headlines, 'headlines'),
    bodies: texts(record.bodies, 'bodies'),
    charactersBilled: number('charactersBilled'),
    translatedAt: string('translatedAt'),
  };
}
