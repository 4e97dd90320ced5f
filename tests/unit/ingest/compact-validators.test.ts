import { readFileSync } from 'node:fs';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { describe, expect, it } from 'vitest';
import { eventValidatorsAjv, readCommittedEventSchemas } from '#scripts/generate-event-schemas.ts';
import { profileAjv } from '#scripts/generate-ninjs-validator.ts';
import {
  compactErrorSites,
  hoistSchemaReferences,
  withoutUnusedContext,
} from '#scripts/standalone-validators.ts';
import {
  validateNewsItemPublishedV1,
  validateNewsItemTranslatedV1,
} from '#shared/contracts/generated/event-validators.js';
import { validateDiplowireProfile } from '#shared/contracts/generated/ninjs-validator.js';
import { mutate, seededRandom } from './geojson-corpus';
import { validItem } from './support';

/**
 * The generated validators are ajv's standalone code, compacted (`scripts/standalone-validators.ts`):
 * each error site is one `reportError` call that words the message at runtime, and the few values
 * read from embedded schemas are hoisted. The raw errors must stay exactly ajv's, so each generated
 * validator is compared with the same schemas compiled by ajv at test time, on seeded mutations.
 */

type Validator = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

const generatedDir = new URL('../../../shared/contracts/generated/', import.meta.url);
const keywordsIn = (file: string) =>
  new Set(
    [
      ...readFileSync(new URL(file, generatedDir), 'utf8').matchAll(
        /reportError\(vErrors, .*?, "[^"]*\/(\w+)", /g,
      ),
    ].map((match) => match[1]!),
  );

const outcome = (validate: Validator, document: unknown) =>
  validate(document) ? 'valid' : structuredClone(validate.errors ?? []);

function mutants(sources: unknown[], count: number, seed: number): unknown[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, index) => mutate(sources[index % sources.length], random));
}

function compare(generated: Validator, reference: ValidateFunction, corpus: unknown[]) {
  const seenKeywords = new Set<string>();
  let invalid = 0;
  const differences = corpus.flatMap((document, index) => {
    const expected = outcome(reference, document);
    const actual = outcome(generated, document);
    if (expected !== 'valid') {
      invalid++;
      for (const error of expected) seenKeywords.add(error.keyword);
    }
    return JSON.stringify(actual) === JSON.stringify(expected) ? [] : [{ index, document, expected, actual }];
  });
  return { differences, invalid, seenKeywords };
}

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../fixtures/ninjs/${name}`, import.meta.url), 'utf8'));

describe('compacted ninjs validator', () => {
  const { ajv, profile } = profileAjv();
  const reference = ajv.getSchema(profile.$id)!;
  const sources = [
    validItem(),
    fixture('example-2.2-complex_text_article.json'),
    fixture('example-dpa_text.json'),
    validItem({
      places: [{ name: 'Beirut', geojson: { type: 'Point', coordinates: [35.5, 33.9] } }],
      people: [{ name: 'x', contactinfo: [{ type: 'phone', value: '+961' }] }],
      rightsinfo: { linkedrights: 'https://x.example/r' },
      renditions: [{ name: 'r', href: 'https://x.example/r.jpg', width: 1, height: 1 }],
      associations: [{ uri: 'https://x.example/a', urgency: 3 }],
    }),
  ];

  const cases: [string, unknown][] = [
    ['a wrong type and a bad format', validItem({ urgency: 'high', versioncreated: 'yesterday' })],
    ['an unknown member and a missing required one', { extra: 1 }],
    ['an enum miss', validItem({ type: 'hologram' })],
    ['too few coordinates', validItem({ places: [{ geojson: { type: 'Point', coordinates: [1] } }] })],
    [
      'a subject relevance out of range',
      validItem({ subjects: [{ name: 'x', relevance: 101, confidence: -1 }] }),
    ],
    ['an empty uri (a profile rule)', validItem({ uri: '' })],
    ['a contact with both forms', validItem({ people: [{ contactinfo: [{ value: 'x', address: {} }] }] })],
  ];
  const corpus = [...mutants(sources, 1500, 20261129), ...cases.map(([, document]) => document)];

  it('reports exactly the errors ajv reports, message included, on 1500 seeded mutations', () => {
    const { differences, invalid } = compare(validateDiplowireProfile, reference, corpus);
    expect(invalid).toBeGreaterThan(500);
    expect(differences.slice(0, 3)).toEqual([]);
  });

  it.each(cases)('words each message as ajv does: %s', (_label, document) => {
    const expected = outcome(reference, document);
    expect(expected).not.toBe('valid');
    expect(outcome(validateDiplowireProfile, document)).toEqual(expected);
  });

  it('is compared on every keyword its code can report', () => {
    const { seenKeywords } = compare(validateDiplowireProfile, reference, corpus);
    const unreached = [...keywordsIn('ninjs-validator.js')].filter((keyword) => !seenKeywords.has(keyword));
    expect(unreached).toEqual([]);
  });
});

describe('compacted event validators', () => {
  const { ajv, exports } = eventValidatorsAjv(readCommittedEventSchemas());
  const referenceOf = (name: string) => ajv.getSchema(exports[name]!)!;
  const detail = {
    schemaVersion: '1',
    eventId: '3f1c2a9e-5b7d-8e21-9c4a-0123456789ab',
    itemId: 'itm_01JABCDEFGHJKMNPQRSTVWXYZ0',
    version: 1,
    partnerId: 'ptn_01JABCDEFGHJKMNPQRSTVWXYZ0',
    uri: 'urn:partner:story:1',
    language: 'ar',
    headline: 'عنوان',
    places: ['LB'],
    subjects: ['medtop:11000000'],
    pubstatus: 'usable',
    receivedAt: '2026-11-29T09:00:00.123Z',
    contentHash: 'a'.repeat(64),
    bodies: [{ role: 'main', contenttype: 'text/plain', value: 'نص' }],
  };

  it.each([
    ['validateNewsItemPublishedV1', validateNewsItemPublishedV1, [detail]],
    [
      'validateNewsItemTranslatedV1',
      validateNewsItemTranslatedV1,
      [
        {
          ...detail,
          sourceLanguage: 'ar',
          language: 'en',
          provider: 'aws',
          status: 'translated',
          charactersBilled: 3,
        },
      ],
    ],
  ] as const)(
    '%s reports exactly the errors ajv reports on 600 seeded mutations',
    (name, generated, sources) => {
      const { differences, invalid } = compare(generated, referenceOf(name), mutants([...sources], 600, 7));
      expect(invalid).toBeGreaterThan(200);
      expect(differences.slice(0, 3)).toEqual([]);
    },
  );
});

describe('compaction of ajv standalone code', () => {
  const site = (keyword: string, params: string, message: string) =>
    [
      `const err0 = {instancePath:instancePath+"/a",schemaPath:"#/properties/a/${keyword}",keyword:"${keyword}",params:${params},message:${message}};`,
      'if(vErrors === null){',
      'vErrors = [err0];',
      '}',
      'else {',
      'vErrors.push(err0);',
      '}',
      'errors++;',
    ].join('\n');

  it('turns an error site into one reportError call, its static params shared as a constant', () => {
    const code = `export const validate = validate0;\nfunction validate0(data){\n${site('type', '{type: "string"}', '"must be string"')}\n}`;
    const compacted = compactErrorSites(code);
    expect(compacted).toContain(
      'vErrors = reportError(vErrors, instancePath+"/a", "$a/type", errorParams0);\nerrors++;',
    );
    expect(compacted).toContain('const errorParams0 = {type: "string"};');
    expect(compacted).not.toContain('keyword:');
  });

  it('refuses a schema path it could not restore from its shorthand', () => {
    const withDollar = site('type', '{type: "string"}', '"must be string"').replace(
      '#/properties/a',
      '#/properties/a$b',
    );
    expect(() => compactErrorSites(withDollar)).toThrow(/holds "\$"/);
  });

  it('refuses a keyword it has no runtime message for', () => {
    expect(() => compactErrorSites(site('propertyNames', '{}', '"x"'))).toThrow(
      /no runtime message for ajv keyword "propertyNames"/,
    );
  });

  it('refuses when its runtime wording differs from the message ajv wrote', () => {
    expect(() => compactErrorSites(site('type', '{type: "string"}', '"should be string"'))).toThrow(
      /runtime message for "type" is "must be string", ajv says "should be string"/,
    );
  });

  it('refuses an error site whose form it does not know, rather than leave it without a message', () => {
    const code = 'const err0 = {instancePath,keyword:"type",schemaPath:"#/type",params:{},message:"m"};';
    expect(() => compactErrorSites(code)).toThrow(/was not compacted/);
  });

  it('hoists a value read from an embedded schema and drops the schema', () => {
    const code = [
      'const schema1 = {"properties":{"a":{"enum":["x","y"]}},"description":"long"};',
      'function validate0(data){ return schema1.properties.a.enum.includes(data); }',
    ].join('\n');
    const hoisted = hoistSchemaReferences(code);
    expect(hoisted).toContain('const schemaValue0 = ["x","y"];');
    expect(hoisted).toContain('return schemaValue0.includes(data);');
    expect(hoisted).not.toContain('schema1');
  });

  const callee =
    'function validate1(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){ return instancePath; }';

  it('passes only the instance path, as a plain argument, when nothing reads the rest of the context', () => {
    const code = [
      callee,
      'validate1(data.a, {instancePath:instancePath+"/a",parentData:data,parentDataProperty:"a",rootData,dynamicAnchors});',
      'validate1(data, {instancePath,parentData,parentDataProperty,rootData,dynamicAnchors});',
    ].join('\n');
    expect(withoutUnusedContext(code)).toBe(
      [
        'function validate1(data, instancePath=""){ return instancePath; }',
        'validate1(data.a, instancePath+"/a");',
        'validate1(data, instancePath);',
      ].join('\n'),
    );
  });

  it('keeps the whole context when some code reads it ($data, $dynamicRef)', () => {
    const code = `${callee}\nconst limit = rootData.max;`;
    expect(withoutUnusedContext(code)).toBe(code);
  });
});
