/**
 * Properties of ingest (issue 10, "How to prove it"), through the real pipeline (body decoding,
 * ninjs 2.2 schema and profile, normalisation, limits) and the items service:
 * - any request body answers 2xx or 4xx: every refusal is a typed DiplowireError with a 4xx status
 *   (a problem+json with pointers), never something that would become a 500;
 * - an accepted item is always publishable: its event maps, fits one PutEvents entry and satisfies
 *   its contract;
 * - a round trip is byte-exact: what GET returns, submitted again, is the same content (unchanged)
 *   and the same bytes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { documentBody } from '#shared/adapters/http/representations.ts';
import { assertEventDetail } from '#shared/contracts/events/validate.ts';
import { DiplowireError } from '#shared/domain/errors.ts';
import { MAX_ENTRY_BYTES, putEventsEntrySize } from '#shared/domain/eventbridge-limits.ts';
import { toNewsItemEvent } from '#shared/domain/events.ts';
import { prepareSubmission } from '#shared/domain/ingest/index.ts';
import type { ItemVersion } from '#shared/domain/item.ts';
import { ItemsService } from '#shared/domain/items-service.ts';
import { InMemoryItemStore } from '../../support/in-memory-item-store';
import { validItem } from '../ingest/support';
import { propertyRuns } from './support';

const CALLER = { partnerId: 'ptn_01JD8X0000000000000000000A' };
const NOW = new Date('2026-12-05T08:00:00.000Z');

interface Request {
  body: string | undefined;
  isBase64Encoded: boolean;
  contentType: string | undefined;
}

/** Submits `request` as POST /v1/items would; the status it answers. */
async function submitted(
  service: ItemsService,
  request: Request,
): Promise<
  | { accepted: true; status: number; outcome: string; version: ItemVersion }
  | { accepted: false; status: number; error: DiplowireError }
> {
  try {
    const { outcome, version } = await service.submit(CALLER, prepareSubmission(request));
    return { accepted: true, status: outcome === 'created' ? 201 : 200, outcome, version };
  } catch (error) {
    // Anything that is not a DiplowireError is answered 500 (shared/adapters/http/problem-details.ts).
    if (!(error instanceof DiplowireError)) throw error;
    return { accepted: false, status: error.status, error };
  }
}

/** Publishable: the version's event maps (abridged if it must be), fits one PutEvents entry and meets its contract. */
function expectPublishable(version: ItemVersion): void {
  const event = toNewsItemEvent(version);
  const size = putEventsEntrySize({
    Source: event.source,
    DetailType: event.detailType,
    Detail: JSON.stringify(event.detail),
  });
  expect(size).toBeLessThanOrEqual(MAX_ENTRY_BYTES);
  assertEventDetail(event.detailType, event.detail);
}

/** Text that stresses normalisation and the profile: bidi controls, combining marks, NFC-expanding characters. */
const tricky = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc
    .array(
      fc.constantFrom(
        '\u202e',
        '\u2066',
        '\u200f',
        'e\u0301',
        '\u0958',
        '\ufb2c',
        '\u0344',
        'ﷺ',
        'ع',
        '\u0000',
        '\ud800',
        ' ',
      ),
      {
        maxLength: 30,
      },
    )
    .map((parts) => parts.join('')),
);
const languageTag = fc.oneof(
  fc.constantFrom(
    'ar',
    'ar-KW',
    'en',
    'en-GB',
    'x-private',
    'i-klingon',
    'zh-Hant-TW',
    'EN',
    'ar_KW',
    '',
    'english',
  ),
  fc.string({ maxLength: 12 }),
);
const concept = fc.record(
  {
    code: tricky,
    name: tricky,
    uri: fc.constantFrom('http://cv.iptc.org/newscodes/x/1', 'not a uri', ''),
    extra: fc.jsonValue({ maxDepth: 1 }),
  },
  { requiredKeys: [] },
);
const time = fc.oneof(
  fc
    .date({ min: new Date('2000-01-01'), max: new Date('2040-01-01'), noInvalidDate: true })
    .map((d) => d.toISOString()),
  fc.constantFrom('2026-12-05T09:00:00Z', '2026-12-05T07:00:00+03:00', 'tomorrow', '2026-13-01T00:00:00Z'),
);
/** Text an item may well carry: any graphemes, Arabic, bidi controls (removed with a warning), NFC-expanding characters. */
const text = fc.oneof(
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }),
  fc
    .array(
      fc.constantFrom(
        'ع',
        'الكويت ',
        '\u202e',
        '\u200f',
        'e\u0301',
        '\u0958',
        '\ufb2c',
        '\u0344',
        'ﷺ',
        ' ',
        '3.5',
      ),
      {
        minLength: 1,
        maxLength: 30,
      },
    )
    .map((parts) => parts.join('')),
);
const conceptUri = fc.constantFrom(
  'http://cv.iptc.org/newscodes/subjectcode/11000000',
  'https://www.geonames.org/285570',
  'urn:diplowire:place:kw',
);
/** A plausible item: every field within the profile most of the time. */
const plausibleItem = fc.record(
  {
    language: fc.constantFrom('ar', 'ar-KW', 'en', 'fr', 'x-private', 'i-klingon', 'zh-Hant-TW'),
    pubstatus: fc.constantFrom('usable', 'usable', 'withheld'),
    headlines: fc.array(
      fc.record({ value: text, role: fc.constantFrom('main', 'sub') }, { requiredKeys: ['value'] }),
      {
        minLength: 1,
        maxLength: 3,
      },
    ),
    bodies: fc.array(
      fc.record(
        { value: text, contenttype: fc.constantFrom('text/plain', 'text/html') },
        { requiredKeys: ['value'] },
      ),
      { maxLength: 2 },
    ),
    subjects: fc.array(fc.record({ name: text, uri: conceptUri }, { requiredKeys: [] }), { maxLength: 3 }),
    places: fc.array(fc.record({ name: text, uri: conceptUri }, { requiredKeys: [] }), { maxLength: 3 }),
    embargoed: time,
    title: text,
  },
  { requiredKeys: [] },
);
/** Then up to two fields replaced by hostile values (or unknown members added). */
const hostileFields = fc.dictionary(
  fc.constantFrom(
    'uri',
    'language',
    'pubstatus',
    'headlines',
    'bodies',
    'subjects',
    'urgency',
    'embargoed',
    'unknown',
    '',
  ),
  fc.oneof(
    tricky,
    languageTag,
    fc.jsonValue({ maxDepth: 2 }),
    fc.array(concept, { maxLength: 2 }),
    fc.double(),
  ),
  { maxKeys: 2 },
);
const mutatedItem = fc
  .tuple(plausibleItem, fc.oneof(fc.constant({}), hostileFields))
  .map(([fields, hostile]) => ({ ...validItem({ uri: 'urn:diplowire:test:p' }), ...fields, ...hostile }));

const contentType = fc.oneof(
  fc.constant('application/json'),
  fc.constantFrom(
    'application/json; charset=utf-8',
    'application/ninjs+json',
    'text/plain',
    'application/json; charset=latin1',
    undefined,
  ),
);
const request: fc.Arbitrary<Request> = fc.oneof(
  {
    weight: 4,
    arbitrary: mutatedItem.map((item) => ({
      body: JSON.stringify(item),
      isBase64Encoded: false,
      contentType: 'application/json',
    })),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      body: fc.option(fc.string({ maxLength: 200 }), { nil: undefined }),
      isBase64Encoded: fc.boolean(),
      contentType,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.jsonValue({ maxDepth: 4 }).map((value) => ({
      body: JSON.stringify(value),
      isBase64Encoded: false,
      contentType: 'application/json',
    })),
  },
  {
    weight: 1,
    arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => ({
      body: Buffer.from(bytes).toString('base64'),
      isBase64Encoded: true,
      contentType: 'application/json',
    })),
  },
);

describe('ingest (property)', () => {
  it('answers any request 2xx or 4xx; an accepted item is publishable and round-trips byte for byte', async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(request, async (input) => {
        const service = new ItemsService({ store: new InMemoryItemStore(), clock: () => NOW });
        const first = await submitted(service, input);
        if (!first.accepted) {
          expect(first.status, first.error.message).toBeGreaterThanOrEqual(400);
          expect(first.status, first.error.message).toBeLessThan(500);
          return;
        }
        expect(first.status).toBe(201);
        accepted++;
        const { version } = first;
        expectPublishable(version);

        // Byte-exact: GET's bytes, submitted again, are the same content and come back the same.
        const bytes = documentBody(version);
        const again = await submitted(service, {
          body: bytes,
          isBase64Encoded: false,
          contentType: 'application/json',
        });
        expect(again.accepted && again.outcome).toBe('unchanged');
        if (!again.accepted) return;
        expect(again.version.contentHash).toBe(version.contentHash);
        expect(documentBody(again.version)).toBe(bytes);
      }),
      propertyRuns(300),
    );
    // The generators must reach acceptance often enough for the last two properties to mean something.
    expect(accepted).toBeGreaterThan(20);
  }, 60_000);

  it('answers large bodies (near the limits, growing under NFC) 2xx or 413, and what it accepts is publishable', async () => {
    // Characters whose NFC form is longer in UTF-8 than what was sent, and plain Arabic.
    const piece = fc.constantFrom('\u0958', '\ufb2c', '\u0344', 'ﷺ', 'ع', ' ', 'الكويت ');
    const big = fc
      .tuple(fc.array(piece, { minLength: 1, maxLength: 8 }), fc.integer({ min: 10_000, max: 100_000 }))
      .map(([parts, length]) =>
        parts
          .join('')
          .repeat(Math.ceil(length / parts.join('').length))
          .slice(0, length),
      );
    const outcomes = new Set<number>();
    await fc.assert(
      fc.asyncProperty(big, fc.constantFrom('body', 'headline', 'both'), async (value, where) => {
        const item = validItem({
          ...(where !== 'headline' && { bodies: [{ value }] }),
          ...(where !== 'body' && { headlines: [{ value: value.slice(0, 300) }] }),
        });
        const service = new ItemsService({ store: new InMemoryItemStore(), clock: () => NOW });
        const result = await submitted(service, {
          body: JSON.stringify(item),
          isBase64Encoded: false,
          contentType: 'application/json',
        });
        if (!result.accepted) {
          expect([400, 413], result.error.message).toContain(result.status);
          outcomes.add(result.status);
          return;
        }
        outcomes.add(result.status);
        expectPublishable(result.version);
      }),
      {
        ...propertyRuns<[string, string]>(12),
        examples: [
          // ~195 KB of Arabic: accepted, its event carries a bodyRef instead of the body.
          ['الكويت '.repeat(15_000), 'body'],
          // 180 KB as sent, 360 KB once normalised: 413 (the size is checked after NFC).
          ['\u0958'.repeat(60_000), 'body'],
        ],
      },
    );
    expect([...outcomes].sort()).toEqual(expect.arrayContaining([201, 413]));
  }, 120_000);
});
