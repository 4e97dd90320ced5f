import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readSchema } from '#scripts/generate-ninjs-validator.ts';
import { profileRules, validateDiplowireProfile } from '#shared/contracts/generated/ninjs-validator.js';
import { fieldErrorsFrom } from '#shared/domain/ingest/schema.ts';
import { GEOMETRIES, geoJsonSamples, mutate, type Sample, seededRandom } from './geojson-corpus';
import { validItem } from './support';
import { compileGeoJson, compileLegacyProfile } from './validators';

const schemaFile = (name: string) => new URL(`../../../shared/contracts/ninjs/${name}`, import.meta.url);

describe('vendored IPTC schemas', () => {
  it.each([
    ['ninjs-schema_2.2.json', '88c84fa87382c5a7a314fd44ab1041921c7cbac47ab9550bc4964b1fa30897e2'],
    ['GeoJSON-schema.json', 'e52886cce1429941ab3725a055a61d6bf8b6f5429837ff7dbca32f809e3500c2'],
  ])('%s is unmodified (sha256 pinned; see NOTICE.md)', (name, sha256) => {
    expect(
      createHash('sha256')
        .update(readFileSync(schemaFile(name)))
        .digest('hex'),
    ).toBe(sha256);
  });
});

/** The compact schema with every local `$ref` replaced by its definition, `$defs` and `$comment` dropped. */
function expanded(schema: Record<string, unknown>): unknown {
  const defs = schema.$defs as Record<string, unknown>;
  const expand = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(expand);
    if (typeof node !== 'object' || node === null) return node;
    const { $ref, ...rest } = node as Record<string, unknown>;
    if (typeof $ref === 'string') {
      // A $ref with siblings would not be a plain substitution.
      expect(Object.keys(rest)).toEqual([]);
      const name = /^#\/\$defs\/([A-Za-z]+)$/.exec($ref)?.[1];
      expect(name && defs[name], `unresolvable ${$ref}`).toBeTruthy();
      return expand(defs[name!]);
    }
    const entries = Object.entries(rest).filter(([keyword]) => keyword !== '$defs' && keyword !== '$comment');
    return Object.fromEntries(entries.map(([keyword, value]) => [keyword, expand(value)]));
  };
  return expand(schema);
}

describe('GeoJSON-compact.schema.json', () => {
  const official = compileGeoJson('GeoJSON-schema.json');
  const compact = compileGeoJson('GeoJSON-compact.schema.json');

  it('has the official $id and, with its $refs expanded, is exactly the official schema', () => {
    const compactSchema = readSchema('GeoJSON-compact.schema.json');
    const officialSchema = readSchema('GeoJSON-schema.json');
    expect(compactSchema.$id).toBe(officialSchema.$id);
    expect(expanded(compactSchema)).toStrictEqual(officialSchema);
  });

  it('writes each geometry once: far smaller than the official schema', () => {
    expect(readFileSync(schemaFile('GeoJSON-compact.schema.json')).length).toBeLessThan(
      readFileSync(schemaFile('GeoJSON-schema.json')).length / 4,
    );
  });

  const samples = geoJsonSamples();

  it('has a corpus with many valid and many invalid samples', () => {
    const verdicts = samples.map((sample) => official(sample.value));
    expect(verdicts.filter(Boolean).length).toBeGreaterThan(50);
    expect(verdicts.filter((valid) => !valid).length).toBeGreaterThan(100);
  });

  it.each([
    ['Point', GEOMETRIES.Point, true],
    [
      'Point with a 5-number bbox (only minItems 4 in the schema)',
      { ...GEOMETRIES.Point, bbox: [0, 0, 0, 1, 1] },
      true,
    ],
    ['Point with a 3-number bbox', { ...GEOMETRIES.Point, bbox: [0, 0, 1] }, false],
    [
      'Polygon with an unclosed ring (closure is not in the schema)',
      {
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [1, 0],
            [1, 1],
            [0, 1],
          ],
        ],
      },
      true,
    ],
    [
      'Polygon with a 3-position ring',
      {
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [1, 0],
            [0, 0],
          ],
        ],
      },
      false,
    ],
    [
      'nested GeometryCollection',
      { type: 'GeometryCollection', geometries: [{ type: 'GeometryCollection', geometries: [] }] },
      false,
    ],
    [
      'Feature with null geometry and properties',
      { type: 'Feature', geometry: null, properties: null },
      true,
    ],
    ['Feature with a null id', { type: 'Feature', geometry: null, properties: null, id: null }, false],
  ])('agrees with the official schema on a %s (valid: %s)', (_label, value, valid) => {
    expect(official(value)).toBe(valid);
    expect(compact(value)).toBe(valid);
  });

  it('gives the official verdict on every hand-written sample', () => {
    const disagreements = samples.filter((sample) => official(sample.value) !== compact(sample.value));
    expect(disagreements.map((sample) => sample.label)).toEqual([]);
  });

  it('gives the official verdict on 600 seeded random mutations of valid samples', () => {
    const random = seededRandom(20240510);
    const valid = samples.filter((sample) => official(sample.value));
    const mutants = Array.from({ length: 600 }, (_, index) => {
      const source = valid[Math.floor(random() * valid.length)]!;
      return { label: `mutant ${index} of ${source.label}`, value: mutate(source.value, random) };
    });
    const verdicts = mutants.map((mutant) => official(mutant.value));
    // Mutations must produce both outcomes, or the comparison proves little.
    expect(verdicts.filter(Boolean).length).toBeGreaterThan(50);
    expect(verdicts.filter((ok) => !ok).length).toBeGreaterThan(200);
    const disagreements = mutants.filter((mutant, index) => compact(mutant.value) !== verdicts[index]);
    expect(disagreements.map((mutant) => `${mutant.label}: ${JSON.stringify(mutant.value)}`)).toEqual([]);
  });
});

describe('generated runtime validator', () => {
  // The profile compiled as before the compaction: official GeoJSON, refs inlined, annotations kept.
  const legacy = compileLegacyProfile();
  const outcome = (validate: typeof legacy | typeof validateDiplowireProfile, document: unknown) =>
    validate(document) ? 'valid' : fieldErrorsFrom(validate.errors ?? [], profileRules);
  const itemWith = (geojson: unknown) => validItem({ places: [{ name: 'Beirut', geojson }] });

  it('reports the same field errors as the uncompacted validator for every GeoJSON sample in an item', () => {
    const random = seededRandom(7);
    const samples: Sample[] = geoJsonSamples();
    const mutants = samples
      .slice(0, 150)
      .map((sample) => ({ label: `mutant of ${sample.label}`, value: mutate(sample.value, random) }));
    const differences = [...samples, ...mutants].flatMap((sample) => {
      const expected = outcome(legacy, itemWith(sample.value));
      const actual = outcome(validateDiplowireProfile, itemWith(sample.value));
      return JSON.stringify(actual) === JSON.stringify(expected)
        ? []
        : [{ sample: sample.label, expected, actual }];
    });
    expect(differences).toEqual([]);
  });

  it.each([
    ['a GeoJSON matching no geometry', itemWith({ type: 'Point', coordinates: [1] })],
    [
      'a Feature whose geometry matches none',
      itemWith({ type: 'Feature', properties: {}, geometry: { type: 'Point' } }),
    ],
    [
      'contact info with neither value nor address',
      validItem({ people: [{ name: 'x', contactinfo: [{ type: 'phone' }] }] }),
    ],
    ['contact info of the wrong type', validItem({ people: [{ name: 'x', contactinfo: ['x'] }] })],
    [
      'rightsinfo with both forms',
      validItem({ rightsinfo: { linkedrights: 'https://x.example/r', encodedrights: 'x' } }),
    ],
    [
      'a nested association with bad members',
      validItem({ associations: [{ uri: 'bad uri', urgency: 'x', keywords: [] }] }),
    ],
    ['every profile rule broken and an unknown member', { pubstatus: 'canceled', extra: true }],
  ])('reports the same field errors as the uncompacted validator for %s', (_label, document) => {
    const expected = outcome(legacy, document);
    expect(expected).not.toBe('valid');
    expect(outcome(validateDiplowireProfile, document)).toEqual(expected);
  });
});
