import { describe, expect, it } from 'vitest';
import { PUBLIC_DETAIL_TYPES } from '#shared/contracts/events/index.ts';
import { ValidationError } from '#shared/domain/errors.ts';
import { sanitiseExcerpt } from '#shared/domain/webhooks/excerpt.ts';
import { languageMatches, matchesFilter } from '#shared/domain/webhooks/filter.ts';
import { WEBHOOK_EVENT_TYPES, type WebhookEvent } from '#shared/domain/webhooks/model.ts';
import { parseSubscriptionRequest } from '#shared/domain/webhooks/registration.ts';

const event = (over: Partial<WebhookEvent> = {}): WebhookEvent => ({
  eventType: 'NewsItemPublished',
  eventId: 'e1',
  partnerId: 'ptn_A',
  language: 'en-GB',
  places: ['KW', 'BE'],
  time: '2026-01-01T00:00:00Z',
  detail: {},
  ...over,
});
const sub = { subscriptionId: 'sub_1', partnerId: 'ptn_A' };

describe('filter matching', () => {
  it('matches languages by BCP 47 basic filtering', () => {
    expect(languageMatches('en', 'en-GB')).toBe(true);
    expect(languageMatches('EN', 'en')).toBe(true);
    expect(languageMatches('en', 'eng')).toBe(false);
    expect(languageMatches('en-US', 'en')).toBe(false);
  });

  it('applies languages and places; an unset filter matches everything', () => {
    expect(matchesFilter(sub, event())).toBe(true);
    expect(matchesFilter({ ...sub, languages: ['ar', 'en'] }, event())).toBe(true);
    expect(matchesFilter({ ...sub, languages: ['ar'] }, event())).toBe(false);
    expect(matchesFilter({ ...sub, places: ['BE'] }, event())).toBe(true);
    expect(matchesFilter({ ...sub, places: ['FR'] }, event())).toBe(false);
    expect(matchesFilter({ ...sub, places: ['KW'] }, event({ places: undefined }))).toBe(false);
    expect(matchesFilter({ ...sub, languages: ['en'] }, event({ language: undefined }))).toBe(false);
  });

  it('offers exactly the public detail-types (never NewsItemEmbargoed)', () => {
    expect([...WEBHOOK_EVENT_TYPES].sort()).toEqual([...PUBLIC_DETAIL_TYPES].sort());
    expect(WEBHOOK_EVENT_TYPES).not.toContain('NewsItemEmbargoed');
  });
});

describe('registration', () => {
  const me = 'ptn_01JDQ8X2AB3CD4EF5GH6JK7MN8';
  const other = 'ptn_01JDQ8X2AB3CD4EF5GH6JK7MN9';
  const policy = { requireHttps: true, allowLoopback: false };
  const errorsOf = (body: unknown, scopes: string[] = ['webhooks:manage']) => {
    try {
      parseSubscriptionRequest(body, { partnerId: me, scopes: new Set(scopes) }, policy);
    } catch (error) {
      if (error instanceof ValidationError) return error.errors;
      throw error;
    }
    return [];
  };

  it('confines a subscription to its own partner unless the key has events:all', () => {
    const base = { url: 'https://hooks.example.com/x', eventTypes: ['NewsItemPublished'] };
    const own = parseSubscriptionRequest(base, { partnerId: me, scopes: new Set() }, policy);
    expect(own.filter.partners).toEqual([me]);
    const all = parseSubscriptionRequest(base, { partnerId: me, scopes: new Set(['events:all']) }, policy);
    expect(all.filter.partners).toBeUndefined();
    expect(errorsOf({ ...base, filter: { partners: [other] } })).toEqual([
      { pointer: '/filter/partners/0', message: expect.stringMatching(/events:all/) },
    ]);
    expect(errorsOf({ ...base, filter: { partners: [other] } }, ['events:all'])).toEqual([]);
  });

  it('points at every fault at once', () => {
    const errors = errorsOf({
      url: 'https://169.254.169.254/',
      eventTypes: ['NewsItemPublished', 'Bogus', 'NewsItemPublished'],
      filter: { languages: Array(21).fill('en'), colour: 'red' },
      extra: 1,
    });
    expect(errors?.map((e) => e.pointer).sort()).toEqual(
      ['/eventTypes/1', '/eventTypes/2', '/extra', '/filter/colour', '/filter/languages', '/url'].sort(),
    );
  });
});

describe('response excerpts', () => {
  it('strips control and bidi characters and keeps at most 200 characters', () => {
    expect(sanitiseExcerpt('ok\u0000\u001b[31m\u202Eevil\r\n  done')).toBe('ok[31mevil done');
    expect(Array.from(sanitiseExcerpt('😀'.repeat(300))!)).toHaveLength(200);
    expect(sanitiseExcerpt('\u0001\u0002')).toBeUndefined();
  });
});
