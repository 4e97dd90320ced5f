import type { NewsItemTranslatedDetailV1 } from '../../contracts/events/index';
import { EVENT_SOURCE, type EventSource, NEWS_ITEM_TRANSLATED } from '../../contracts/events/names';
import { type Translation, translationEventIdOf } from './model';

/** The event a recorded translation outcome produces once it is announced (via the items table's outbox). */
export interface TranslatedEvent {
  source: EventSource;
  detailType: typeof NEWS_ITEM_TRANSLATED;
  detail: NewsItemTranslatedDetailV1;
}

/**
 * The NewsItemTranslated detail of a recorded outcome. Pure mapping: the translator checks it
 * against the contract before it records the outcome (TranslationService), so the outbox publisher
 * maps the stored row without carrying the validators.
 */
export function translatedDetailOf(translation: Translation): NewsItemTranslatedDetailV1 {
  return {
    schemaVersion: '1',
    eventId: translationEventIdOf(translation),
    itemId: translation.itemId,
    version: translation.version,
    partnerId: translation.partnerId,
    uri: translation.uri,
    sourceLanguage: translation.sourceLanguage,
    language: translation.language,
    provider: translation.provider,
    status: translation.status,
    ...(translation.reason === undefined ? {} : { reason: translation.reason }),
    charactersBilled: translation.charactersBilled,
    translatedAt: translation.translatedAt,
    headline: translation.headlines[0]?.value ?? '',
  };
}

/** NewsItemTranslated (source `diplowire.items`, like the other item events) of a recorded outcome. */
export function toTranslatedEvent(translation: Translation): TranslatedEvent {
  return { source: EVENT_SOURCE, detailType: NEWS_ITEM_TRANSLATED, detail: translatedDetailOf(translation) };
}
