import type { NewsItemTranslatedDetailV1 } from '../../contracts/events/index';
import { EVENT_SOURCE, NEWS_ITEM_TRANSLATED } from '../../contracts/events/names';
import { assertEventDetail } from '../../contracts/events/validate';
import { type Translation, translationEventIdOf } from '../../domain/translation/model';
import type { TranslationEventPublisher } from '../../domain/translation/ports';
import type { EventPublisher } from '../eventbridge/event-publisher';

/** The NewsItemTranslated detail of a recorded translation outcome. */
export function toTranslatedDetail(translation: Translation): NewsItemTranslatedDetailV1 {
  const detail: NewsItemTranslatedDetailV1 = {
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
  // Guards the contract at the producer: a mapping bug fails here, not in every subscriber.
  return assertEventDetail(NEWS_ITEM_TRANSLATED, detail);
}

/** Thrown when NewsItemTranslated could not be put on the bus after the publisher's retries. */
export class EventNotPublishedError extends Error {
  constructor(
    readonly eventId: string,
    readonly errorCode: string,
    errorMessage?: string,
  ) {
    super(
      `NewsItemTranslated ${eventId} was not published: ${errorCode}${errorMessage ? ` ${errorMessage}` : ''}`,
    );
    this.name = 'EventNotPublishedError';
  }
}

/**
 * Puts NewsItemTranslated (source `diplowire.items`) on the bus with the shared EventPublisher
 * (per-entry retries with backoff) and throws when it still failed, so the event that caused it is
 * retried instead of the outcome going unannounced.
 */
export class EventBridgeTranslationPublisher implements TranslationEventPublisher {
  constructor(private readonly publisher: Pick<EventPublisher, 'publish'>) {}

  async publishTranslated(translation: Translation): Promise<void> {
    const detail = toTranslatedDetail(translation);
    const { failures } = await this.publisher.publish([
      { id: detail.eventId, source: EVENT_SOURCE, detailType: NEWS_ITEM_TRANSLATED, detail },
    ]);
    const failure = failures[0];
    if (failure) throw new EventNotPublishedError(detail.eventId, failure.errorCode, failure.errorMessage);
  }
}
