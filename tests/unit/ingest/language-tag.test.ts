import { describe, expect, it } from 'vitest';
import { isWellFormedLanguageTag, prepareDocument } from '#shared/domain/ingest/index.ts';
import { fieldErrorsOf, validItem } from './support';

const WELL_FORMED = [
  'ar',
  'en-GB',
  'zh-Hant-TW',
  'AR-eg',
  'ar-EG',
  'es-419',
  'ast',
  'zh-yue-HK',
  'de-CH-1901',
  'sl-rozaj-biske',
  'en-US-u-ca-gregory',
  'de-x-dpa',
  'x-private',
  'i-klingon',
  'en-GB-oed',
  'art-lojban',
];
const MALFORMED = [
  'english', // 5–8 letter primary subtags are registrable in theory, never registered
  'e',
  'ar_EG',
  'arab', // 4-letter primary subtags are reserved
  'en-',
  '-en',
  'en--GB',
  'en-GB-',
  'en-x',
  'en-a',
  'ar EG',
  'ar-EG\n',
  '12',
  'en-GB-x-abcdefghi',
  `ar-${'a'.repeat(40)}`,
];

describe('isWellFormedLanguageTag', () => {
  it.each(WELL_FORMED)('accepts %s', (tag) => {
    expect(isWellFormedLanguageTag(tag)).toBe(true);
  });

  it.each(MALFORMED)('refuses %j', (tag) => {
    expect(isWellFormedLanguageTag(tag)).toBe(false);
  });
});

describe('language in a submitted item', () => {
  it.each(['english', 'e', 'ar_EG'])('refuses %s at /language', (language) => {
    expect(fieldErrorsOf(() => prepareDocument(validItem({ language })))).toEqual([
      { pointer: '/language', message: expect.stringContaining('BCP 47') },
    ]);
  });

  it.each(['ar', 'en-GB', 'zh-Hant-TW'])('accepts %s and keeps its case', (language) => {
    expect(prepareDocument(validItem({ language })).document.language).toBe(language);
  });
});
