import { itemPath, versionPath } from '#shared/adapters/http/index.ts';
import type { ItemTranslationView } from '#shared/contracts/api/schemas.ts';
import type { Translation } from '#shared/domain/translation/model.ts';

/** The API view of a stored translation: what was translated, never the partner or claim bookkeeping. */
export function translationView(translation: Translation): ItemTranslationView {
  return {
    itemId: translation.itemId,
    version: translation.version,
    language: translation.language,
    sourceLanguage: translation.sourceLanguage,
    provider: translation.provider,
    status: translation.status,
    ...(translation.reason !== undefined && { reason: translation.reason }),
    headlines: translation.headlines,
    bodies: translation.bodies,
    charactersBilled: translation.charactersBilled,
    translatedAt: translation.translatedAt,
    links: {
      item: itemPath(translation.itemId),
      version: versionPath(translation.itemId, translation.version),
    },
  };
}
