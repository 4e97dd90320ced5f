import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateNinjsValidator } from '#scripts/generate-ninjs-validator.ts';
import { profileRules } from '#shared/contracts/generated/ninjs-validator.js';
import { prepareDocument } from '#shared/domain/ingest/index.ts';
import { fieldErrorsOf, submitJson, validItem } from './support';
import { compileOfficialNinjs } from './validators';

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/ninjs/${name}`, import.meta.url), 'utf8');
const FIXTURES = ['example-2.2-complex_text_article.json', 'example-dpa_text.json'];

describe('generated validator', () => {
  it('is up to date with the schemas (run `npx tsx scripts/generate-ninjs-validator.ts`)', () => {
    const generated = generateNinjsValidator();
    const dir = new URL('../../../shared/contracts/generated/', import.meta.url);
    expect(readFileSync(new URL('ninjs-validator.js', dir), 'utf8')).toBe(generated.js);
    expect(readFileSync(new URL('ninjs-validator.d.ts', dir), 'utf8')).toBe(generated.dts);
  });

  it('knows the five profile rules', () => {
    expect(profileRules.map((rule) => rule.pointer)).toEqual([
      '/uri',
      '/language',
      '/headlines',
      '/bodies',
      '/pubstatus',
    ]);
  });
});

describe.each(FIXTURES)('IPTC example %s', (name) => {
  it('is valid against the official ninjs 2.2 schema', () => {
    const validateNinjs = compileOfficialNinjs();
    expect(validateNinjs(JSON.parse(fixture(name)))).toBe(true);
    expect(validateNinjs.errors).toBeNull();
  });

  it('passes the Diplowire profile unchanged: no normalisation, no warnings, member order kept', () => {
    const prepared = submitJson(fixture(name));
    expect(prepared.document).toEqual(JSON.parse(fixture(name)));
    expect(JSON.stringify(prepared.document)).toBe(JSON.stringify(JSON.parse(fixture(name))));
    expect(prepared.warnings).toEqual([]);
    expect(prepared.contentHash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('official schema', () => {
  it('rejects an unknown top-level field, pointing at it', () => {
    expect(fieldErrorsOf(() => prepareDocument(validItem({ keywords: ['x'] })))).toEqual([
      { pointer: '/keywords', message: 'is not a ninjs 2.2 field' },
    ]);
  });

  it('points at the unknown member of a nested object', () => {
    expect(
      fieldErrorsOf(() => prepareDocument(validItem({ headlines: [{ value: 'h', colour: 'red' }] }))),
    ).toEqual([{ pointer: '/headlines/0/colour', message: 'is not an allowed member here' }]);
  });

  it('points at a missing required member', () => {
    expect(
      fieldErrorsOf(() => prepareDocument(validItem({ renditions: [{ href: 'https://x.example/a.jpg' }] }))),
    ).toEqual([{ pointer: '/renditions/0/name', message: 'is required' }]);
  });

  it.each(['versioncreated', 'firstcreated', 'embargoed', 'expires'])(
    'rejects the impossible date-time 2024-13-40T99:00:00Z in %s',
    (field) => {
      expect(fieldErrorsOf(() => prepareDocument(validItem({ [field]: '2024-13-40T99:00:00Z' })))).toEqual([
        { pointer: `/${field}`, message: 'must be a valid date-time' },
      ]);
    },
  );

  it.each(['2024-02-30T10:00:00Z', '2023-02-29T10:00:00Z', '2024-05-10 16:02:28', '2024-05-10T16:02:28'])(
    'rejects %s as versioncreated (invalid day, or no T / no offset)',
    (value) => {
      expect(fieldErrorsOf(() => prepareDocument(validItem({ versioncreated: value })))).toEqual([
        { pointer: '/versioncreated', message: 'must be a valid date-time' },
      ]);
    },
  );

  it.each(['2024-02-29T10:00:00Z', '2019-05-10T16:02:28+02:00', '2024-05-10T16:02:28.123Z'])(
    'accepts the date-time %s',
    (value) => {
      expect(
        prepareDocument(validItem({ versioncreated: value, firstcreated: value })).document.versioncreated,
      ).toBe(value);
    },
  );

  it('rejects a uri that is not a URI and a wrong type, each at its pointer', () => {
    const errors = fieldErrorsOf(() => prepareDocument(validItem({ uri: 'not a uri', urgency: 'high' })));
    expect(errors).toEqual([
      { pointer: '/uri', message: 'must be a valid uri' },
      { pointer: '/urgency', message: 'must be number' },
    ]);
  });

  it('reports a nested association with a bad uri once, not also as an unevaluated member', () => {
    const item = validItem({ associations: [{ name: 'photo', uri: 'not a uri' }] });
    expect(fieldErrorsOf(() => prepareDocument(item))).toEqual([
      { pointer: '/associations/0/uri', message: 'must be a valid uri' },
    ]);
  });

  it('summarises a GeoJSON that matches no geometry in one error', () => {
    const item = validItem({
      places: [{ name: 'Kuwait City', geojson: { type: 'Point', coordinates: [47.9] } }],
    });
    expect(fieldErrorsOf(() => prepareDocument(item))).toEqual([
      { pointer: '/places/0/geojson', message: expect.stringContaining('exactly one') },
    ]);
  });

  it('accepts a valid GeoJSON point', () => {
    const item = validItem({
      places: [{ name: 'Kuwait City', geojson: { type: 'Point', coordinates: [47.98, 29.37] } }],
    });
    expect(prepareDocument(item).document.places?.[0]?.name).toBe('Kuwait City');
  });
});

describe('Diplowire profile', () => {
  const without = (member: string) => {
    const item = validItem();
    delete item[member];
    return item;
  };

  it('requires uri', () => {
    expect(fieldErrorsOf(() => prepareDocument(without('uri')))).toEqual([
      { pointer: '/uri', message: 'uri is required and must be a non-empty string' },
    ]);
  });

  it('refuses an empty uri with the profile message only', () => {
    expect(fieldErrorsOf(() => prepareDocument(validItem({ uri: '' })))).toEqual([
      { pointer: '/uri', message: 'uri is required and must be a non-empty string' },
    ]);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
  ])('requires language (%s)', (_label, language) => {
    const item = language === undefined ? without('language') : validItem({ language });
    expect(fieldErrorsOf(() => prepareDocument(item))).toEqual([
      { pointer: '/language', message: expect.stringContaining('language is required') },
    ]);
  });

  it('requires a headline: empty headlines and no title are refused', () => {
    const item = validItem({ headlines: [{ value: '' }, { role: 'sub', value: '' }] });
    expect(fieldErrorsOf(() => prepareDocument(item))).toEqual([
      { pointer: '/headlines', message: expect.stringContaining('at least one headline') },
    ]);
    expect(fieldErrorsOf(() => prepareDocument(without('headlines')))).toEqual([
      { pointer: '/headlines', message: expect.stringContaining('at least one headline') },
    ]);
  });

  it('accepts a non-empty title instead of a headline, and one non-empty headline among empty ones', () => {
    expect(prepareDocument({ ...without('headlines'), title: 'عنوان' }).document.title).toBe('عنوان');
    const mixed = validItem({ headlines: [{ value: '' }, { value: 'h' }] });
    expect(prepareDocument(mixed).document.headlines).toHaveLength(2);
    expect(fieldErrorsOf(() => prepareDocument({ ...without('headlines'), title: '' }))).toEqual([
      { pointer: '/headlines', message: expect.stringContaining('at least one headline') },
    ]);
  });

  it.each([
    ['no bodies', undefined],
    ['an empty array', []],
    ['only empty values', [{ value: '' }]],
  ])('requires a non-empty body (%s)', (_label, bodies) => {
    const item = bodies === undefined ? without('bodies') : validItem({ bodies });
    expect(fieldErrorsOf(() => prepareDocument(item))).toEqual([
      { pointer: '/bodies', message: expect.stringContaining('at least one body') },
    ]);
  });

  it.each(['usable', 'withheld'])('accepts pubstatus %s', (pubstatus) => {
    expect(prepareDocument(validItem({ pubstatus })).document.pubstatus).toBe(pubstatus);
  });

  it('refuses pubstatus canceled, pointing to DELETE', () => {
    expect(fieldErrorsOf(() => prepareDocument(validItem({ pubstatus: 'canceled' })))).toEqual([
      { pointer: '/pubstatus', message: expect.stringContaining('DELETE') },
    ]);
  });

  it('refuses an unknown pubstatus once, with the profile message', () => {
    expect(fieldErrorsOf(() => prepareDocument(validItem({ pubstatus: 'draft' })))).toEqual([
      { pointer: '/pubstatus', message: expect.stringContaining('"usable" or "withheld"') },
    ]);
  });

  it('reports every broken rule together', () => {
    const errors = fieldErrorsOf(() => prepareDocument({ pubstatus: 'canceled', extra: true }));
    expect(errors.map((error) => error.pointer)).toEqual([
      '/uri',
      '/language',
      '/headlines',
      '/bodies',
      '/pubstatus',
      '/extra',
    ]);
  });
});
