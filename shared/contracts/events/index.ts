import { z } from 'zod';
import type { JsonSchema } from './compat';
import { NEWS_ITEM_DETAIL_TYPES, NewsItemDetailV1 } from './news-item.v1';
import { NEWS_ITEM_EMBARGOED, NewsItemEmbargoedDetailV1 } from './news-item-embargoed.v1';
import { NEWS_ITEM_TRANSLATED, NewsItemTranslatedDetailV1 } from './news-item-translated.v1';

export type { BreakingChange, BreakingChangeKind, JsonSchema } from './compat';
export { compareContracts, compareSchemas } from './compat';
export type { NewsItemBodyRefV1, NewsItemBodyV1, NewsItemDetailType } from './news-item.v1';
export { ABRIDGED_FIELDS, BODY_REF_HREF, NEWS_ITEM_DETAIL_TYPES, NewsItemDetailV1 } from './news-item.v1';
export type { HoldKind } from './news-item-embargoed.v1';
export { HOLD_KINDS, NEWS_ITEM_EMBARGOED, NewsItemEmbargoedDetailV1 } from './news-item-embargoed.v1';
export type { TranslationProvider, TranslationStatus } from './news-item-translated.v1';
export {
  NEWS_ITEM_TRANSLATED,
  NewsItemTranslatedDetailV1,
  TRANSLATION_PROVIDERS,
  TRANSLATION_STATUSES,
} from './news-item-translated.v1';

/**
 * The EventBridge `source` of every Diplowire item event, `NewsItemTranslated` included: it is an
 * event about an item, so it is archived and replayable with the others (see docs/translation.md).
 */
import { EMBARGOED_EVENT_SOURCE, EVENT_SOURCE } from './names';

export {
  EMBARGOED_EVENT_SOURCE,
  type EmbargoedEventSource,
  EVENT_SOURCE,
  type EventSource,
} from './names';

/**
 * Every published detail-type. A new event (e.g. `NewsItemTranslated`) gets its own contract file
 * (`news-item-translated.v1.ts`), a name here and an entry in `EVENT_CONTRACTS`.
 */
export const DETAIL_TYPES = [...NEWS_ITEM_DETAIL_TYPES, NEWS_ITEM_TRANSLATED, NEWS_ITEM_EMBARGOED] as const;

/** The detail-types on the public source (`diplowire.items`): what public subscribers can see. */
export const PUBLIC_DETAIL_TYPES = [...NEWS_ITEM_DETAIL_TYPES, NEWS_ITEM_TRANSLATED] as const;
export type DetailType = (typeof DETAIL_TYPES)[number];

/** The detail each detail-type carries, at its current major version. */
export interface DetailByType {
  NewsItemPublished: NewsItemDetailV1;
  NewsItemCorrected: NewsItemDetailV1;
  NewsItemRetracted: NewsItemDetailV1;
  NewsItemTranslated: NewsItemTranslatedDetailV1;
  NewsItemEmbargoed: NewsItemEmbargoedDetailV1;
}

/** The detail of each contract, keyed by `contractKey` (what the generated validators are typed with). */
export interface DetailByContract {
  'NewsItemPublished.v1': NewsItemDetailV1;
  'NewsItemCorrected.v1': NewsItemDetailV1;
  'NewsItemRetracted.v1': NewsItemDetailV1;
  'NewsItemTranslated.v1': NewsItemTranslatedDetailV1;
  'NewsItemEmbargoed.v1': NewsItemEmbargoedDetailV1;
}

export interface EventContract {
  detailType: DetailType;
  /** The EventBridge source it is put on (default EVENT_SOURCE, the public one). */
  source?: string;
  majorVersion: number;
  description: string;
  detail: z.ZodType;
}

/** The contracts currently produced; each one yields `schemas/<DetailType>.v<major>.json`. */
export const EVENT_CONTRACTS: readonly EventContract[] = [
  {
    detailType: 'NewsItemPublished',
    majorVersion: 1,
    description: 'The first version of a news item was accepted.',
    detail: NewsItemDetailV1,
  },
  {
    detailType: 'NewsItemCorrected',
    majorVersion: 1,
    description: 'A later version of a news item (not a retraction) was accepted.',
    detail: NewsItemDetailV1,
  },
  {
    detailType: 'NewsItemRetracted',
    majorVersion: 1,
    description: 'A version with pubstatus "canceled" was accepted: subscribers should withdraw the item.',
    detail: NewsItemDetailV1,
  },
  {
    detailType: 'NewsItemTranslated',
    majorVersion: 1,
    description: 'One version of a news item was translated into (or skipped for) one target language.',
    detail: NewsItemTranslatedDetailV1,
  },
  {
    detailType: 'NewsItemEmbargoed',
    source: EMBARGOED_EVENT_SOURCE,
    majorVersion: 1,
    description:
      'A version that is not public (held by an embargo or withheld, or the retraction of an item never public). Internal: source diplowire.items.embargoed.',
    detail: NewsItemEmbargoedDetailV1,
  },
];

/** `NewsItemPublished.v1`: the key of a contract in the committed schema set (file name without `.json`). */
export function contractKey(contract: Pick<EventContract, 'detailType' | 'majorVersion'>): string {
  return `${contract.detailType}.v${contract.majorVersion}`;
}

/** JSON Schemas (draft 2020-12) of every contract's detail, keyed by `contractKey`. */
export function eventDetailJsonSchemas(): Record<string, JsonSchema> {
  const schemas: Record<string, JsonSchema> = {};
  for (const contract of EVENT_CONTRACTS) {
    const { $schema, ...rest } = z.toJSONSchema(contract.detail, { target: 'draft-2020-12' });
    schemas[contractKey(contract)] = {
      $schema,
      title: `${contract.detailType} detail v${contract.majorVersion}`,
      description: contract.description,
      ...rest,
    };
  }
  return schemas;
}

export interface RegistrySchema {
  detailType: DetailType;
  /** Schema Registry name, following the AWS convention `<source>@<DetailType>`. */
  schemaName: string;
  type: 'JSONSchemaDraft4';
  description: string;
  /** The `Content` of an `AWS::EventSchemas::Schema`: the whole event envelope as JSON Schema draft-04. */
  content: string;
}

/**
 * One Schema Registry schema per detail-type. The registry accepts only OpenAPI 3 or JSON Schema
 * draft-04, so the envelope (with the detail inline) is rendered with draft-04 keywords
 * (`const` becomes a one-value `enum`, no `$defs`).
 */
export function eventBridgeRegistrySchemas(): RegistrySchema[] {
  return EVENT_CONTRACTS.map((contract) => {
    const envelope = z.looseObject({
      version: z.string(),
      id: z.string(),
      'detail-type': z.literal(contract.detailType),
      source: z.literal(contract.source ?? EVENT_SOURCE),
      account: z.string(),
      time: z.iso.datetime(),
      region: z.string(),
      resources: z.array(z.string()),
      detail: contract.detail,
    });
    const { $schema, ...rest } = z.toJSONSchema(envelope, { target: 'draft-04' });
    const description = `${contract.description} (detail schemaVersion ${contract.majorVersion})`;
    return {
      detailType: contract.detailType,
      schemaName: `${contract.source ?? EVENT_SOURCE}@${contract.detailType}`,
      type: 'JSONSchemaDraft4',
      description,
      content: JSON.stringify({ $schema, title: contract.detailType, description, ...rest }),
    };
  });
}
