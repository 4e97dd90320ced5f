import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { generateEventValidators, readCommittedEventSchemas } from '#scripts/generate-event-schemas.ts';
import {
  DETAIL_TYPES,
  type DetailByType,
  EVENT_CONTRACTS,
  type NewsItemDetailV1,
  type NewsItemTranslatedDetailV1 as NewsItemTranslatedDetail,
  NewsItemTranslatedDetailV1,
} from '#shared/contracts/events/index.ts';
import {
  assertEventDetail,
  describeIssues,
  InvalidEventDetailError,
  isDetailType,
  validateEventDetail,
} from '#shared/contracts/events/validate.ts';
import {
  eventDetailValidators,
  validateNewsItemPublishedV1,
  validateNewsItemTranslatedV1,
} from '#shared/contracts/generated/event-validators.js';

const generatedDir = join(import.meta.dirname, '../../../shared/contracts/generated');
const REGENERATE = 'run `npm run contracts` (scripts/generate-event-schemas.ts) and commit the result';

const ITEM = 'itm_01JABCDEFGHJKMNPQRSTVWXYZ0';
const PARTNER = 'ptn_01JABCDEFGHJKMNPQRSTVWXYZ0';
const EVENT_ID = '3f1c2a9e-5b7d-8e21-9c4a-0123456789ab';

const published: NewsItemDetailV1 = {
  schemaVersion: '1',
  eventId: EVENT_ID,
  itemId: ITEM,
  version: 1,
  partnerId: PARTNER,
  uri: 'urn:partner:story:1',
  language: 'ar',
  headline: 'عنوان',
  places: ['LB'],
  pubstatus: 'usable',
  receivedAt: '2026-11-29T09:00:00.123Z',
  contentHash: 'a'.repeat(64),
  bodies: [{ role: 'main', contenttype: 'text/plain', value: 'نص' }],
};

const translated: NewsItemTranslatedDetail = {
  schemaVersion: '1',
  eventId: EVENT_ID,
  itemId: ITEM,
  version: 2,
  partnerId: PARTNER,
  uri: 'urn:partner:story:1',
  sourceLanguage: 'ar',
  language: 'en',
  provider: 'aws',
  status: 'translated',
  charactersBilled: 120,
  translatedAt: '2026-11-29T09:00:01Z',
  headline: 'Headline',
};

const { bodies: _bodies, ...withoutBodies } = published;

/** Valid and invalid details; each must get the same verdict from zod and from the generated code. */
const newsItemCases: [string, unknown][] = [
  ['valid with bodies', published],
  [
    'valid with bodyRef',
    { ...withoutBodies, bodyRef: { href: `/v1/items/${ITEM}/versions/3`, bytes: 300000 } },
  ],
  ['valid with an unknown extra member (additive change)', { ...published, translatedFrom: 'ar' }],
  ['both bodies and bodyRef', { ...published, bodyRef: { href: `/v1/items/${ITEM}/versions/1`, bytes: 1 } }],
  ['neither bodies nor bodyRef', withoutBodies],
  ['version 0', { ...published, version: 0 }],
  ['fractional version', { ...published, version: 1.5 }],
  ['version as a string', { ...published, version: '1' }],
  ['schemaVersion 2', { ...published, schemaVersion: '2' }],
  ['bad item id', { ...published, itemId: 'itm_short' }],
  ['bad partner id', { ...published, partnerId: ITEM }],
  ['eventId not a UUID', { ...published, eventId: 'not-a-uuid' }],
  ['eventId with version nibble 9', { ...published, eventId: '3f1c2a9e-5b7d-9e21-9c4a-0123456789ab' }],
  ['receivedAt without zone', { ...published, receivedAt: '2026-11-29T09:00:00' }],
  ['receivedAt with an offset', { ...published, receivedAt: '2026-11-29T09:00:00+01:00' }],
  ['receivedAt on 29 February of a non-leap year', { ...published, receivedAt: '2025-02-29T09:00:00Z' }],
  ['receivedAt on 29 February of a leap year', { ...published, receivedAt: '2028-02-29T09:00:00Z' }],
  ['uppercase content hash', { ...published, contentHash: 'A'.repeat(64) }],
  ['empty uri', { ...published, uri: '' }],
  ['unknown pubstatus', { ...published, pubstatus: 'embargoed' }],
  ['empty place', { ...published, places: [''] }],
  ['body without value', { ...published, bodies: [{ role: 'main' }] }],
  [
    'bodyRef with a foreign href',
    { ...withoutBodies, bodyRef: { href: '/v1/items/x/versions/1', bytes: 1 } },
  ],
  [
    'bodyRef with negative bytes',
    { ...withoutBodies, bodyRef: { href: `/v1/items/${ITEM}/versions/1`, bytes: -1 } },
  ],
  ['missing headline', (({ headline: _h, ...rest }) => rest)(published)],
  ['an array', [published]],
  ['null', null],
];

const translatedCases: [string, unknown][] = [
  ['valid', translated],
  ['valid skipped with reason', { ...translated, status: 'skipped', reason: 'no text', charactersBilled: 0 }],
  ['unknown status', { ...translated, status: 'failed' }],
  ['unknown provider', { ...translated, provider: 'deepl' }],
  ['negative charactersBilled', { ...translated, charactersBilled: -1 }],
  ['reason not a string', { ...translated, reason: 42 }],
  ['missing sourceLanguage', (({ sourceLanguage: _s, ...rest }) => rest)(translated)],
  ['empty target language', { ...translated, language: '' }],
  ['translatedAt as a date only', { ...translated, translatedAt: '2026-11-29' }],
];

describe('generated event validators (shared/contracts/generated/event-validators.js)', () => {
  it('are up to date with the committed JSON Schemas', () => {
    const { js, dts } = generateEventValidators(readCommittedEventSchemas());
    expect(readFileSync(join(generatedDir, 'event-validators.js'), 'utf8'), `stale: ${REGENERATE}`).toBe(js);
    expect(readFileSync(join(generatedDir, 'event-validators.d.ts'), 'utf8'), `stale: ${REGENERATE}`).toBe(
      dts,
    );
  });

  it('have one validator per detail-type, and one per contract', () => {
    expect(Object.keys(eventDetailValidators).sort()).toEqual([...DETAIL_TYPES].sort());
    const { js } = generateEventValidators(readCommittedEventSchemas());
    for (const contract of EVENT_CONTRACTS) {
      expect(js).toContain(`export const validate${contract.detailType}V${contract.majorVersion} =`);
    }
  });

  it("import only the project's validation runtime (no ajv, ajv-formats or zod in subscriber bundles)", () => {
    const js = readFileSync(join(generatedDir, 'event-validators.js'), 'utf8');
    expect(js).not.toMatch(/\brequire\(/);
    expect([...js.matchAll(/\bfrom\s*"([^"]+)"/g)].map((match) => match[1])).toEqual([
      '../validation-runtime',
    ]);
  });

  describe.each([
    ['NewsItemPublished', newsItemCases],
    ['NewsItemCorrected', newsItemCases],
    ['NewsItemRetracted', newsItemCases],
  ] as const)('%s: same verdict as the zod contract', (detailType, cases) => {
    const contract = EVENT_CONTRACTS.find((c) => c.detailType === detailType)!;
    it.each(cases)('%s', (_name, detail) => {
      const zodAccepts = contract.detail.safeParse(detail).success;
      expect(eventDetailValidators[detailType](detail)).toBe(zodAccepts);
    });
  });

  it.each(translatedCases)('NewsItemTranslated: same verdict as the zod contract: %s', (_name, detail) => {
    expect(validateNewsItemTranslatedV1(detail)).toBe(NewsItemTranslatedDetailV1.safeParse(detail).success);
  });

  it('accept and reject the cases they are meant to (guards the equivalence tests above)', () => {
    const verdicts = newsItemCases.map(([name, detail]) => [name, validateNewsItemPublishedV1(detail)]);
    expect(verdicts.filter(([, valid]) => valid).map(([name]) => name)).toEqual([
      'valid with bodies',
      'valid with bodyRef',
      'valid with an unknown extra member (additive change)',
      'receivedAt on 29 February of a leap year',
    ]);
  });

  it('are typed with the zod-inferred details', () => {
    expectTypeOf(validateNewsItemPublishedV1).guards.toEqualTypeOf<NewsItemDetailV1>();
    expectTypeOf(eventDetailValidators.NewsItemTranslated).guards.toEqualTypeOf<
      DetailByType['NewsItemTranslated']
    >();
  });
});

describe('validateEventDetail / assertEventDetail (zod-free runtime validation)', () => {
  it('returns the detail when valid', () => {
    expect(validateEventDetail('NewsItemPublished', published)).toEqual({ valid: true, detail: published });
    expect(assertEventDetail('NewsItemTranslated', translated)).toBe(translated);
  });

  it('reports every issue with a JSON pointer, a missing member at its own pointer', () => {
    const detail = { ...published, version: 0, contentHash: 'x', bodies: [{ role: 'main' }] } as Record<
      string,
      unknown
    >;
    delete detail.itemId;
    const result = validateEventDetail('NewsItemCorrected', detail);
    expect(result.valid).toBe(false);
    expect(result.valid ? [] : result.issues).toEqual([
      { pointer: '/itemId', message: 'is required' },
      { pointer: '/version', message: 'must be >= 1' },
      { pointer: '/contentHash', message: 'must match pattern "^[0-9a-f]{64}$"' },
      { pointer: '/bodies/0/value', message: 'is required' },
    ]);
  });

  it('folds the bodies/bodyRef alternatives into one issue', () => {
    const neither = validateEventDetail('NewsItemPublished', withoutBodies);
    expect(neither.valid ? [] : neither.issues).toEqual([
      { pointer: '', message: 'must have exactly one of bodies, bodyRef (has none)' },
    ]);
    const both = validateEventDetail('NewsItemPublished', {
      ...published,
      bodyRef: { href: `/v1/items/${ITEM}/versions/1`, bytes: 1 },
    });
    expect(both.valid ? [] : both.issues).toEqual([
      { pointer: '', message: 'must match exactly one schema in oneOf' },
    ]);
  });

  it('escapes pointer tokens of missing members', () => {
    expect(describeIssues([{ pointer: '/a~1b', message: 'is required' }], '/detail')).toBe(
      '/detail/a~1b is required',
    );
    expect(describeIssues([{ pointer: '', message: 'must be object' }])).toBe('/ must be object');
  });

  it('throws InvalidEventDetailError with a readable message', () => {
    const call = () =>
      assertEventDetail('NewsItemTranslated', { ...translated, status: 'failed', version: 0 });
    expect(call).toThrow(InvalidEventDetailError);
    expect(call).toThrow(
      'Invalid NewsItemTranslated detail: /version must be >= 1; /status must be equal to one of the allowed values',
    );
  });

  it('knows the detail-types with a contract', () => {
    expect(DETAIL_TYPES.every(isDetailType)).toBe(true);
    expect(isDetailType('NewsItemDeleted')).toBe(false);
    expect(isDetailType('toString')).toBe(false);
  });
});
