import { type NewsItemEvent, toNewsItemEvent, toReleaseEvent } from '../events';
import type { ItemVersion } from '../item';
import { translationEventIdOf } from '../translation/model';
import type { FeedType, NewFeedRecord } from './model';

/**
 * The feed record of a stored version: the same type, eventId and summary as its bus event, so a
 * consumer can deduplicate across webhooks and the feed. Held versions (withheld, or embargoed once
 * embargoes exist) are recorded as held: only entitled consumers who ask for them see them.
 */
export function feedRecordOfVersion(version: ItemVersion): NewFeedRecord {
  return recordOfEvent(toNewsItemEvent(version), version);
}

/**
 * The feed record of a held version's release: its public event (same eventId as on the bus), at
 * the release time. The held entry recorded at acceptance has a different eventId, so both stay.
 */
export function feedRecordOfRelease(version: ItemVersion & { releasedAt: string }): NewFeedRecord {
  return { ...recordOfEvent(toReleaseEvent(version, version.releasedAt), version), time: version.releasedAt };
}

function recordOfEvent({ detailType, detail }: NewsItemEvent, version: ItemVersion): NewFeedRecord {
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

/**
 * The feed record of a completed translation of `version` into `language`, once the version is
 * public: undefined while it is held (its translation is announced with the release, see
 * `feedRecordOfRelease`), and for a held version that was superseded (it never becomes public).
 */
export function feedRecordOfTranslation(
  version: ItemVersion,
  translation: { language: string; translatedAt: string },
): NewFeedRecord | undefined {
  if (version.hold !== undefined && version.releasedAt === undefined) return undefined;
  const base =
    version.releasedAt === undefined
      ? feedRecordOfVersion(version)
      : feedRecordOfRelease({ ...version, releasedAt: version.releasedAt });
  return {
    ...base,
    eventId: translationEventIdOf({
      itemId: version.itemId,
      version: version.version,
      language: translation.language,
    }),
    type: 'NewsItemTranslated',
    // A translation made during an embargo becomes public with its release.
    time:
      version.releasedAt !== undefined && base.time > translation.translatedAt
        ? base.time
        : translation.translatedAt,
    translationLanguage: translation.language,
  };
}
