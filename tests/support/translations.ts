import type { DynamoTranslationStore } from '#shared/adapters/dynamodb/translation-store.ts';
import type { Translation } from '#shared/domain/translation/model.ts';

type Fields = Pick<Translation, 'itemId' | 'version' | 'language' | 'partnerId' | 'uri'> &
  Partial<Translation>;

/**
 * Records a translation outcome exactly as the translator does: claim the row, then complete it
 * (announced unless `announce` is false, as for a held version). Unspecified fields are those of a
 * short Arabic -> English translation.
 */
export async function recordTranslation(
  store: DynamoTranslationStore,
  fields: Fields,
  { announce = true }: { announce?: boolean } = {},
): Promise<Translation> {
  const key = { itemId: fields.itemId, version: fields.version, language: fields.language };
  const claim = await store.claim(key, 60_000);
  if (!claim.claimed) throw new Error(`could not claim the translation row of ${key.itemId} v${key.version}`);
  const translation: Translation = {
    sourceLanguage: 'ar',
    provider: 'aws',
    status: 'translated',
    headlines: [{ value: 'Kuwait and Belgium discuss ties' }],
    bodies: [{ role: 'main', contenttype: 'text/plain', value: 'The news text' }],
    charactersBilled: 42,
    translatedAt: '2026-11-29T12:00:00.000Z',
    ...fields,
  };
  await store.complete(translation, claim.token, { announce });
  return translation;
}
