import { toNewsItemEvent } from '../events';
import type { ItemVersion } from '../item';
import { translationEventIdOf } from '../translation/model';
import type { FeedType, NewFeedRecord } from './model';

/**
 * The feed record of a stored version: the same type, eventId and summary as its bus event, so a
 * consumer can deduplicate across webhooks and the feed. Held versions (withheld, or embargoed once
 * embargoes exist) are recorded as held: only entitled consumers who ask for them see them.
 */
export function feedRecordOfVersion(version: ItemVersion): NewFeedRecord {
  const { detailType, detail } = toNewsItemEvent(version);
  const type = detailType as FeedType;
  return {
    eventId: detail.eventId,
    type,
    itemId: detail.itemId,
    version: detail.version,
    source: detail.partnerId,
    language: detail.language,
    pubstatus: detail.pubstatus,
    uri: detail.uri,
    headline: detail.headline,
    ...(detail.places && { places: detail.places }),
    ...(detail.subjects && { subjects: detail.subjects }),
    time: detail.receivedAt,
    held: version.pubstatus === 'withheld' || type === 'NewsItemEmbargoed',
  };
}

/** The feed record of a completed translation of `version` into `language`. */
export function feedRecordOfTranslation(
  version: ItemVersion,
  translation: { language: string; translatedAt: string },
): NewFeedRecord {
  return {
    ...feedRecordOfVersion(version),
    eventId: translationEventIdOf({
      itemId: version.itemId,
      version: version.version,
      language: translation.language,
    }),
    type: 'NewsItemTranslated',
    time: translation.translatedAt,
    translationLanguage: translation.language,
  };
}
