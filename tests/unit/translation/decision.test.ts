import { describe, expect, it } from 'vitest';
import type { ItemHead } from '#shared/domain/item.ts';
import {
  hasProviderLanguageCode,
  isSameLanguage,
  parseTargetLanguages,
  planTranslation,
  providerLanguageCode,
  targetsFor,
} from '#shared/domain/translation/decision.ts';
import { translationEventIdOf } from '#shared/domain/translation/model.ts';

const head = (over: Partial<ItemHead> = {}): ItemHead => ({
  itemId: 'itm_01JDQ8ZK4W6M2B7Y3C9F0T5R1N',
  partnerId: 'ptn_01JDQ8X2AB3CD4EF5GH6JK7MN8',
  uri: 'urn:kuna:1',
  version: 1,
  pubstatus: 'usable',
  language: 'ar',
  contentHash: 'a'.repeat(64),
  createdAt: '2024-11-28T09:41:07.512Z',
  updatedAt: '2024-11-28T09:41:07.512Z',
  ...over,
});

describe('target languages', () => {
  it('defaults to en and normalises, dedupes and validates the setting', () => {
    expect(parseTargetLanguages(undefined)).toEqual(['en']);
    expect(parseTargetLanguages(' ')).toEqual(['en']);
    expect(parseTargetLanguages('en, fr-CA,EN-GB, zh-tw')).toEqual(['en', 'fr-CA', 'zh-TW']);
    expect(() => parseTargetLanguages('en,not a tag')).toThrow(/not a language tag/);
    expect(() => parseTargetLanguages(',,')).toThrow(/no language/);
  });

  it('maps BCP 47 tags to provider codes', () => {
    expect(providerLanguageCode('ar-KW')).toBe('ar');
    expect(providerLanguageCode('pt-pt')).toBe('pt-PT');
    expect(providerLanguageCode('EN')).toBe('en');
  });

  it('skips targets the item is already in (any region of the same language)', () => {
    expect(targetsFor('en-GB', ['en', 'fr'])).toEqual(['fr']);
    expect(targetsFor('ar', ['en', 'fr'])).toEqual(['en', 'fr']);
    expect(targetsFor('en', ['en'])).toEqual([]);
    expect(isSameLanguage('fr', 'fr-CA')).toBe(false);
    expect(isSameLanguage('fr-CA', 'fr-CA')).toBe(true);
  });
});

describe('planTranslation', () => {
  it('translates the latest version of a live item', () => {
    expect(planTranslation({ version: 1, language: 'ar', head: head(), provider: 'aws' })).toEqual({
      action: 'translate',
    });
  });

  it('translates a correction (a new version) again', () => {
    expect(
      planTranslation({ version: 3, language: 'ar', head: head({ version: 3 }), provider: 'aws' }),
    ).toEqual({
      action: 'translate',
    });
  });

  it('translates a withheld version (embargoed, not retracted)', () => {
    expect(
      planTranslation({
        version: 2,
        language: 'ar',
        head: head({ version: 2, pubstatus: 'withheld' }),
        provider: 'aws',
      }),
    ).toEqual({ action: 'translate' });
  });

  it('skips a retracted item, even for the version the event is about', () => {
    expect(
      planTranslation({
        version: 1,
        language: 'ar',
        head: head({ version: 2, pubstatus: 'canceled' }),
        provider: 'aws',
      }),
    ).toEqual({ action: 'skip', reason: 'item retracted' });
  });

  it('skips a version superseded by a newer one', () => {
    expect(
      planTranslation({ version: 1, language: 'ar', head: head({ version: 4 }), provider: 'aws' }),
    ).toEqual({
      action: 'skip',
      reason: 'superseded by version 4',
    });
  });

  it.each(['x-klingon', 'X-private', 'i-klingon', 'i-default', 'x-ar'])(
    'skips %s: one-letter primary subtags have no provider code (Translate refuses every call)',
    (language) => {
      expect(planTranslation({ version: 1, language, head: head(), provider: 'aws' })).toEqual({
        action: 'skip',
        reason: `no provider language code for ${language}`,
      });
    },
  );

  it.each(['ar', 'ar-KW', 'zh-TW', 'fil', 'en-GB-oed', 'sgn-BE-FR'])('plans a call for %s', (language) => {
    expect(hasProviderLanguageCode(language)).toBe(true);
  });

  it('records "no translation provider" when the provider is none', () => {
    expect(planTranslation({ version: 1, language: 'ar', head: head(), provider: 'none' })).toEqual({
      action: 'skip',
      reason: 'no translation provider',
    });
  });
});

describe('translationEventIdOf', () => {
  it('is a stable UUIDv8 per (item, version, language)', () => {
    const key = { itemId: 'itm_01JDQ8ZK4W6M2B7Y3C9F0T5R1N', version: 2, language: 'en' };
    const id = translationEventIdOf(key);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(translationEventIdOf({ ...key })).toBe(id);
    expect(translationEventIdOf({ ...key, language: 'fr' })).not.toBe(id);
    expect(translationEventIdOf({ ...key, version: 3 })).not.toBe(id);
  });
});
