import { type FieldError, ValidationError } from '../errors';
import { isId } from '../ids';
import type { BodyRules } from '../ingest/body';
import {
  EVENTS_ALL_SCOPE,
  type SubscriptionFilter,
  WEBHOOK_EVENT_TYPES,
  type WebhookEventType,
} from './model';
import { MAX_DELIVERIES_PER_SECOND } from './send-rate';
import { checkWebhookUrl, type UrlPolicy } from './url-policy';

/** Limits of one subscription (they also bound the match rows written per subscription: 4 × 10). */
/** A subscription request body: small (a URL, event types and a filter). */
export const SUBSCRIPTION_BODY: BodyRules = { maxBytes: 16 * 1024, expected: 'a subscription' };

export const SUBSCRIPTION_LIMITS = {
  languages: 20,
  places: 50,
  partners: 10,
  placeChars: 200,
  descriptionChars: 500,
  /** Subscriptions per partner. */
  perPartner: 25,
} as const;

export interface SubscriptionRequest {
  url: string;
  eventTypes: WebhookEventType[];
  filter: SubscriptionFilter;
  description?: string;
  maxDeliveriesPerSecond?: number;
}

export interface Registrant {
  partnerId: string;
  scopes: ReadonlySet<string>;
}

const LANGUAGE_RANGE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/;
const TOP_LEVEL = new Set(['url', 'eventTypes', 'filter', 'description', 'maxDeliveriesPerSecond']);
const FILTER_KEYS = new Set(['languages', 'places', 'partners']);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Validates a `POST /v1/subscriptions` body and resolves who the subscription may hear about.
 * Tenant isolation first: without `events:all`, the partners filter may only name the caller and
 * defaults to the caller; with it, an omitted filter means every partner. All faults are reported
 * at once, each with an RFC 6901 pointer. DNS checks of the host happen later (adapter).
 */
export function parseSubscriptionRequest(
  body: unknown,
  registrant: Registrant,
  policy: UrlPolicy,
): SubscriptionRequest {
  const errors: FieldError[] = [];
  if (!isObject(body)) {
    throw new ValidationError('The body must be a JSON object', {
      errors: [{ pointer: '', message: 'expected a JSON object' }],
    });
  }
  for (const key of Object.keys(body)) {
    if (!TOP_LEVEL.has(key)) errors.push({ pointer: `/${pointerToken(key)}`, message: 'unknown field' });
  }

  let url = '';
  if (typeof body.url !== 'string') {
    errors.push({ pointer: '/url', message: 'required: the https URL that receives the webhooks' });
  } else {
    const check = checkWebhookUrl(body.url, policy);
    if (check.ok) url = check.url.href;
    else errors.push({ pointer: '/url', message: `refused: ${check.reason}` });
  }

  const eventTypes: WebhookEventType[] = [];
  if (!Array.isArray(body.eventTypes) || body.eventTypes.length === 0) {
    errors.push({
      pointer: '/eventTypes',
      message: `required: a non-empty list of ${WEBHOOK_EVENT_TYPES.join(', ')}`,
    });
  } else {
    body.eventTypes.forEach((type: unknown, index) => {
      if (!(WEBHOOK_EVENT_TYPES as readonly unknown[]).includes(type)) {
        errors.push({
          pointer: `/eventTypes/${index}`,
          message: `unknown event type; use one of ${WEBHOOK_EVENT_TYPES.join(', ')}`,
        });
      } else if (eventTypes.includes(type as WebhookEventType)) {
        errors.push({ pointer: `/eventTypes/${index}`, message: 'listed twice' });
      } else eventTypes.push(type as WebhookEventType);
    });
  }

  const filter = parseFilter(body.filter, registrant, errors);

  let description: string | undefined;
  if (body.description !== undefined) {
    if (typeof body.description !== 'string')
      errors.push({ pointer: '/description', message: 'must be a string' });
    else if (body.description.length > SUBSCRIPTION_LIMITS.descriptionChars) {
      errors.push({
        pointer: '/description',
        message: `at most ${SUBSCRIPTION_LIMITS.descriptionChars} characters`,
      });
    } else description = body.description;
  }

  const rate = body.maxDeliveriesPerSecond;
  const validRate =
    Number.isInteger(rate) && (rate as number) >= 1 && (rate as number) <= MAX_DELIVERIES_PER_SECOND;
  if (rate !== undefined && !validRate) {
    errors.push({
      pointer: '/maxDeliveriesPerSecond',
      message: `a whole number from 1 to ${MAX_DELIVERIES_PER_SECOND}`,
    });
  }

  if (errors.length > 0) {
    throw new ValidationError('The subscription is not valid', { errors });
  }
  return {
    url,
    eventTypes,
    filter,
    ...(description !== undefined && { description }),
    ...(rate !== undefined && { maxDeliveriesPerSecond: rate as number }),
  };
}

function parseFilter(value: unknown, registrant: Registrant, errors: FieldError[]): SubscriptionFilter {
  const crossPartner = registrant.scopes.has(EVENTS_ALL_SCOPE);
  const own: SubscriptionFilter = crossPartner ? {} : { partners: [registrant.partnerId] };
  if (value === undefined) return own;
  if (!isObject(value)) {
    errors.push({ pointer: '/filter', message: 'must be an object with languages, places and/or partners' });
    return own;
  }
  for (const key of Object.keys(value)) {
    if (!FILTER_KEYS.has(key))
      errors.push({ pointer: `/filter/${pointerToken(key)}`, message: 'unknown filter' });
  }
  const filter: SubscriptionFilter = {};
  const languages = stringList(
    value.languages,
    '/filter/languages',
    SUBSCRIPTION_LIMITS.languages,
    errors,
    (s) => (LANGUAGE_RANGE.test(s) ? undefined : 'not a BCP 47 language tag (e.g. en, ar, pt-BR)'),
  );
  if (languages) filter.languages = languages;
  const places = stringList(value.places, '/filter/places', SUBSCRIPTION_LIMITS.places, errors, (s) =>
    s.length > SUBSCRIPTION_LIMITS.placeChars
      ? `at most ${SUBSCRIPTION_LIMITS.placeChars} characters`
      : undefined,
  );
  if (places) filter.places = places;
  const partners = stringList(
    value.partners,
    '/filter/partners',
    SUBSCRIPTION_LIMITS.partners,
    errors,
    (s) => {
      if (!isId(s, 'ptn')) return 'not a partner id (ptn_...)';
      if (!crossPartner && s !== registrant.partnerId) {
        return `naming another partner needs the ${EVENTS_ALL_SCOPE} scope on the API key`;
      }
      return undefined;
    },
  );
  if (partners) filter.partners = partners;
  else if (!crossPartner) filter.partners = [registrant.partnerId];
  return filter;
}

function stringList(
  value: unknown,
  pointer: string,
  max: number,
  errors: FieldError[],
  check: (item: string) => string | undefined,
): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0) {
    errors.push({ pointer, message: 'must be a non-empty list (omit it to not filter)' });
    return undefined;
  }
  if (value.length > max) {
    errors.push({ pointer, message: `too many entries: at most ${max}` });
    return undefined;
  }
  const items: string[] = [];
  value.forEach((item: unknown, index) => {
    const problem = typeof item !== 'string' || item === '' ? 'must be a non-empty string' : check(item);
    if (problem !== undefined) errors.push({ pointer: `${pointer}/${index}`, message: problem });
    else if (!items.includes(item as string)) items.push(item as string);
  });
  return items;
}

/** RFC 6901 escaping of one reference token. */
function pointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}
