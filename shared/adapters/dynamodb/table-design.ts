/**
 * The DynamoDB tables and their keys as plain data: the single source of truth that the CDK stack
 * (infra) declares and that the integration tests create on DynamoDB Local. Values use the
 * DynamoDB API spellings ('S', 'ALL', 'NEW_AND_OLD_IMAGES'), which equal the CDK enum values.
 * Keys and access patterns are explained in docs/data-model.md.
 */

export type KeyAttributeType = 'S' | 'N' | 'B';

export interface KeyAttribute {
  name: string;
  type: KeyAttributeType;
}

export interface GlobalIndexDesign {
  indexName: string;
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
  projectionType: 'ALL' | 'KEYS_ONLY';
}

export interface TableDesign {
  /** Logical name, used for construct ids and env var naming. */
  logicalName: string;
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
  globalSecondaryIndexes: readonly GlobalIndexDesign[];
  timeToLiveAttribute?: string;
  stream?: 'NEW_AND_OLD_IMAGES' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'KEYS_ONLY';
}

export const GSI1 = 'GSI1';

/** Every table is single-table style: generic string keys `PK` and `SK`. */
const GENERIC_KEYS = {
  partitionKey: { name: 'PK', type: 'S' },
  sortKey: { name: 'SK', type: 'S' },
} as const satisfies Pick<TableDesign, 'partitionKey' | 'sortKey'>;

/** The one secondary index shape the tables use: generic `GSI1PK`/`GSI1SK`, all attributes. */
const GSI1_INDEX: GlobalIndexDesign = {
  indexName: GSI1,
  partitionKey: { name: 'GSI1PK', type: 'S' },
  sortKey: { name: 'GSI1SK', type: 'S' },
  projectionType: 'ALL',
};

/**
 * Embargo: the sparse index of held versions by release time, for the release sweeper. Only a
 * held, embargoed version row carries its keys, and its release (or supersession) removes them,
 * so the index holds exactly the releases still to come. KEYS_ONLY: the sweeper needs (PK, SK).
 */
export const HELD_BY_RELEASE_TIME = 'HeldByReleaseTime';
export const HELD_BY_RELEASE_TIME_INDEX: GlobalIndexDesign = {
  indexName: HELD_BY_RELEASE_TIME,
  partitionKey: { name: 'heldQueue', type: 'S' },
  sortKey: { name: 'heldReleaseAt', type: 'S' },
  projectionType: 'KEYS_ONLY',
};
/** The one partition of HeldByReleaseTime: embargoed items are few (far below a partition's write rate). */
export const HELD_QUEUE = 'HELD';

export const ITEMS_TABLE: TableDesign = {
  logicalName: 'Items',
  ...GENERIC_KEYS,
  // GSI1: a partner's items by last change. Only the small listing rows (OWNER#) carry its keys,
  // never a version row, so projecting ALL copies no document into the index.
  globalSecondaryIndexes: [GSI1_INDEX, HELD_BY_RELEASE_TIME_INDEX],
  timeToLiveAttribute: 'expiresAt',
  // The stream is the transactional outbox: version rows are INSERTed exactly once.
  stream: 'NEW_AND_OLD_IMAGES',
};

export const PARTNERS_TABLE: TableDesign = {
  logicalName: 'Partners',
  ...GENERIC_KEYS,
  globalSecondaryIndexes: [],
};

/** Sort keys of version rows start with this; the outbox filter and version queries rely on it. */
export const VERSION_SK_PREFIX = 'V#';
export const PROFILE_SK = 'PROFILE';
export const KEY_SK = 'KEY';
export const KEY_PREFIX_SK = 'KEYPREFIX';

/** Entity names stored in each row's `entity` attribute (for filters and humans reading the table). */
export const ENTITY = {
  itemVersion: 'ItemVersion',
  partner: 'Partner',
  apiKey: 'ApiKey',
  keyPrefix: 'KeyPrefix',
  feedEntry: 'FeedEntry',
  feedMarker: 'FeedMarker',
  entitlement: 'Entitlement',
  itemListing: 'ItemListing',
  partnerRate: 'PartnerRate',
  releaseBurst: 'ReleaseBurst',
} as const;

export interface TableKey {
  PK: string;
  SK: string;
}

const VERSION_DIGITS = 9;

/**
 * The lease of a burst of embargoes ending at one instant (ReleaseStore.claimBurst): a small row
 * of its own partition, outside both stream filters (ITEM#/V# and TR#), expired by TTL.
 */
export function releaseBurstKey(releaseAt: string): TableKey {
  return { PK: `RELEASE#${releaseAt}`, SK: 'BURST' };
}

/** Partitions of the items: their version rows are the outbox of the item events. */
export const ITEM_PK_PREFIX = 'ITEM#';

export function itemPk(itemId: string): string {
  return `${ITEM_PK_PREFIX}${itemId}`;
}

/**
 * Translations live in partitions of their own, so the translator's role can be limited to them
 * (IAM `dynamodb:LeadingKeys`): it cannot write a row into an item's partition, so it can never
 * make the outbox publish an item event; a row of its own partitions can only ever become
 * NewsItemTranslated (docs/security.md).
 */
export const TRANSLATION_PK_PREFIX = 'TRANSLATION#';
export const TRANSLATION_SK_PREFIX = 'TR#';

export function translationPk(itemId: string): string {
  return `${TRANSLATION_PK_PREFIX}${itemId}`;
}

export function translationSkPrefix(language: string): string {
  return `${TRANSLATION_SK_PREFIX}${language}#`;
}

/** A translation row: `TRANSLATION#<itemId>` / `TR#<language>#V#<version, 9 digits>`. */
export function translationKey(key: { itemId: string; version: number; language: string }): TableKey {
  return {
    PK: translationPk(key.itemId),
    SK: `${translationSkPrefix(key.language)}${versionSk(key.version)}`,
  };
}

/**
 * A partner's item listing (GET /v1/items): one row per item in the owner's partition, projected
 * from the stream, in GSI1 by last change (`<changedAt>#<itemId>`). Its own partitions, so the
 * projector's role can be limited to them, and the outbox (ITEM# partitions only) never sees them.
 */
export const OWNER_PK_PREFIX = 'OWNER#';

export function ownerPk(partnerId: string): string {
  return `${OWNER_PK_PREFIX}${partnerId}`;
}

export function listingKey(partnerId: string, itemId: string): TableKey {
  return { PK: ownerPk(partnerId), SK: itemPk(itemId) };
}

/** The GSI1 keys of a listing row: newest change last in the sort order, so queries read it descending. */
export function listingIndexKey(partnerId: string, changedAt: string, itemId: string) {
  return { GSI1PK: ownerPk(partnerId), GSI1SK: `${changedAt}#${itemId}` };
}

/** Zero-padded so that versions sort numerically as strings (V#000000002 < V#000000010). */
export function versionSk(version: number): string {
  if (!Number.isSafeInteger(version) || version < 1 || version >= 10 ** VERSION_DIGITS) {
    throw new RangeError(`Version out of range: ${version}`);
  }
  return `${VERSION_SK_PREFIX}${String(version).padStart(VERSION_DIGITS, '0')}`;
}

/** The greatest version sort key: the upper bound of a range of versions. */
export const LAST_VERSION_SK = `${VERSION_SK_PREFIX}${'9'.repeat(VERSION_DIGITS)}`;

export function versionKey(itemId: string, version: number): TableKey {
  return { PK: itemPk(itemId), SK: versionSk(version) };
}

/** A partner's partition: its profile and its entitlements. */
export const PARTNER_PK_PREFIX = 'PARTNER#';

export function partnerKey(partnerId: string): TableKey {
  return { PK: `${PARTNER_PK_PREFIX}${partnerId}`, SK: PROFILE_SK };
}

export function apiKeyKey(keyHash: string): TableKey {
  return { PK: `KEY#${keyHash}`, SK: KEY_SK };
}

export function keyPrefixKey(keyPrefix: string): TableKey {
  return { PK: `KEYPREFIX#${keyPrefix}`, SK: KEY_PREFIX_SK };
}

/**
 * The webhooks table: subscriptions, their secrets and match rows, and deliveries (docs/webhooks.md).
 * GSI1 lists a partner's subscriptions and a subscription's deliveries, newest first; secrets and
 * payloads live in rows without GSI1 keys, so they never reach the index. Deliveries expire by TTL.
 */
export const WEBHOOKS_TABLE: TableDesign = {
  logicalName: 'Webhooks',
  ...GENERIC_KEYS,
  globalSecondaryIndexes: [GSI1_INDEX],
  timeToLiveAttribute: 'expiresAt',
};

/**
 * The feed (docs/data-model.md, "Feed"): records numbered without gaps in one partition, and one
 * marker per recorded event, so a redelivered stream record is never recorded twice.
 */
export const FEED_PK = 'FEED';
const FEED_SEQ_DIGITS = 15;

export function feedKey(seq: number): TableKey {
  if (!Number.isSafeInteger(seq) || seq < 0 || seq >= 10 ** FEED_SEQ_DIGITS) {
    throw new RangeError(`Feed sequence out of range: ${seq}`);
  }
  return { PK: FEED_PK, SK: `S#${String(seq).padStart(FEED_SEQ_DIGITS, '0')}` };
}

export function feedMarkerKey(eventId: string): TableKey {
  return { PK: `FEEDMARK#${eventId}`, SK: 'FEEDMARK' };
}

/** A subscriber's dedupe row (shared/adapters/subscriber), in whichever table it is given. */
export function dedupeKey(key: string): TableKey {
  return { PK: `DEDUPE#${key}`, SK: 'DEDUPE' };
}

/**
 * Webhooks table rows (docs/webhooks.md):
 * - subscription `SUB#<id>` / `SUB`, listed per partner by GSI1 (`PARTNER#<pid>#SUBS`, `<createdAt>#<id>`);
 * - secrets      `SUB#<id>` / `SECRET` (no GSI keys: never in the index, never read by listings);
 * - counter      `PARTNER#<pid>` / `SUBSCRIPTIONS` (caps subscriptions per partner);
 * - match rows   `MATCH#<eventType>#<partnerId or *>` / `SUB#<id>`: one per event type and audience
 *   partner of an active subscription, so the fan-out finds its subscribers with two Queries;
 * - delivery     `DLV#<deliveryId>` / `DELIVERY` with its attempts, listed per subscription by GSI1
 *   (`SUB#<id>#DLV`, `<createdAt>#<deliveryId>`); payload `DLV#<deliveryId>` / `PAYLOAD`.
 */
export const SUBSCRIPTION_SK = 'SUB';
export const SECRET_SK = 'SECRET';
export const DELIVERY_SK = 'DELIVERY';
export const PAYLOAD_SK = 'PAYLOAD';
/** The audience of a match row that matches every partner. */
export const ALL_PARTNERS = '*';

export function subscriptionPk(subscriptionId: string): string {
  return `SUB#${subscriptionId}`;
}

export function subscriptionKey(subscriptionId: string): TableKey {
  return { PK: subscriptionPk(subscriptionId), SK: SUBSCRIPTION_SK };
}

export function secretKey(subscriptionId: string): TableKey {
  return { PK: subscriptionPk(subscriptionId), SK: SECRET_SK };
}

export function subscriptionCounterKey(partnerId: string): TableKey {
  return { PK: `PARTNER#${partnerId}`, SK: 'SUBSCRIPTIONS' };
}

export function matchPk(eventType: string, audience: string): string {
  return `MATCH#${eventType}#${audience}`;
}

export function matchKey(eventType: string, audience: string, subscriptionId: string): TableKey {
  return { PK: matchPk(eventType, audience), SK: `SUB#${subscriptionId}` };
}

export function partnerSubscriptionsGsi1Pk(partnerId: string): string {
  return `PARTNER#${partnerId}#SUBS`;
}

export function deliveryPk(deliveryId: string): string {
  return `DLV#${deliveryId}`;
}

export function deliveryKey(deliveryId: string): TableKey {
  return { PK: deliveryPk(deliveryId), SK: DELIVERY_SK };
}

export function payloadKey(deliveryId: string): TableKey {
  return { PK: deliveryPk(deliveryId), SK: PAYLOAD_SK };
}

export function subscriptionDeliveriesGsi1Pk(subscriptionId: string): string {
  return `SUB#${subscriptionId}#DLV`;
}

/**
 * A partner's shared request rate (`tat`, shared/domain/rate-limit.ts): its own partition, so the
 * API functions' roles may write it (IAM `dynamodb:LeadingKeys` `RATE#*`) and nothing else of the
 * partners table. One row per partner, a few bytes.
 */
export const RATE_PK_PREFIX = 'RATE#';

export function partnerRateKey(partnerId: string): TableKey {
  return { PK: `${RATE_PK_PREFIX}${partnerId}`, SK: 'RATE' };
}
