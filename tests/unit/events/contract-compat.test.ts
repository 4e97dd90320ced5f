import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type BreakingChangeKind,
  compareContracts,
  compareSchemas,
  contractKey,
  DETAIL_TYPES,
  EMBARGOED_EVENT_SOURCE,
  EVENT_CONTRACTS,
  EVENT_SOURCE,
  eventBridgeRegistrySchemas,
  eventDetailJsonSchemas,
  type JsonSchema,
  NEWS_ITEM_DETAIL_TYPES,
  NEWS_ITEM_TRANSLATED,
} from '#shared/contracts/events/index.ts';

const schemaDir = join(import.meta.dirname, '../../../shared/contracts/events/schemas');
const REGENERATE = 'run `npx tsx scripts/generate-event-schemas.ts` and commit the result';

function committedSchemas(): Record<string, JsonSchema> {
  const committed: Record<string, JsonSchema> = {};
  for (const file of readdirSync(schemaDir).filter((f) => f.endsWith('.json'))) {
    committed[file.replace(/\.json$/, '')] = JSON.parse(readFileSync(join(schemaDir, file), 'utf8'));
  }
  return committed;
}

const kinds = (published: JsonSchema, candidate: JsonSchema): BreakingChangeKind[] =>
  compareSchemas(published, candidate).map((c) => c.kind);

/** A small published schema in the shape zod generates, to craft changes against. */
const published: JsonSchema = {
  type: 'object',
  properties: {
    schemaVersion: { type: 'string', const: '1' },
    itemId: { type: 'string' },
    version: { type: 'integer', minimum: 1 },
    pubstatus: { type: 'string', enum: ['usable', 'withheld', 'canceled'] },
    places: { type: 'array', items: { type: 'string' } },
    bodies: {
      type: 'array',
      items: {
        type: 'object',
        properties: { role: { type: 'string' }, value: { type: 'string' } },
        required: ['value'],
      },
    },
  },
  required: ['schemaVersion', 'itemId', 'version', 'pubstatus'],
  additionalProperties: {},
};
const clone = (): JsonSchema & { properties: Record<string, JsonSchema>; required: string[] } =>
  structuredClone(published) as never;

describe('committed event schemas', () => {
  it('exist for every detail-type and equal what the zod contracts generate', () => {
    const committed = committedSchemas();
    const generated = eventDetailJsonSchemas();
    expect(Object.keys(generated).sort()).toEqual(DETAIL_TYPES.map((t) => `${t}.v1`).sort());
    for (const [key, schema] of Object.entries(generated)) {
      expect(committed[key], `schemas/${key}.json is missing: ${REGENERATE}`).toBeDefined();
      const breaking = compareSchemas(committed[key]!, schema);
      expect(
        breaking,
        `${key} changed incompatibly; published schemas are frozen, add a .v2 contract`,
      ).toEqual([]);
      expect(committed[key], `schemas/${key}.json is stale: ${REGENERATE}`).toEqual(schema);
    }
  });

  it('are all still produced (no published detail-type was removed)', () => {
    expect(compareContracts(committedSchemas(), eventDetailJsonSchemas())).toEqual([]);
  });

  it('are all draft 2020-12', () => {
    for (const schema of Object.values(eventDetailJsonSchemas())) {
      expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    }
  });

  it.each(NEWS_ITEM_DETAIL_TYPES)('%s requires exactly one of bodies or bodyRef', (detailType) => {
    const schemas = eventDetailJsonSchemas();
    for (const contract of EVENT_CONTRACTS.filter((c) => c.detailType === detailType)) {
      const schema = schemas[contractKey(contract)]!;
      expect(schema.oneOf).toEqual([{ required: ['bodies'] }, { required: ['bodyRef'] }]);
      expect(schema.required).not.toContain('bodies');
      expect(schema.required).not.toContain('bodyRef');
    }
  });

  it('NewsItemTranslated is a loose object with its exact required members and enums', () => {
    const schema = eventDetailJsonSchemas()[`${NEWS_ITEM_TRANSLATED}.v1`] as JsonSchema & {
      properties: Record<string, JsonSchema>;
    };
    expect(schema.type).toBe('object');
    expect(schema.additionalProperties).toEqual({});
    expect(schema).not.toHaveProperty('oneOf');
    expect(schema.required).toEqual([
      'schemaVersion',
      'eventId',
      'itemId',
      'version',
      'partnerId',
      'uri',
      'sourceLanguage',
      'language',
      'provider',
      'status',
      'charactersBilled',
      'translatedAt',
      'headline',
    ]);
    expect(Object.keys(schema.properties)).toContain('reason');
    expect(schema.properties.schemaVersion).toEqual({ type: 'string', const: '1' });
    expect(schema.properties.status).toMatchObject({ type: 'string', enum: ['translated', 'skipped'] });
    expect(schema.properties.provider).toMatchObject({ type: 'string', enum: ['aws', 'none'] });
    expect(schema.properties.charactersBilled).toMatchObject({ type: 'integer', minimum: 0 });
  });
});

describe('compareSchemas', () => {
  it('finds nothing when the schema is unchanged', () => {
    expect(compareSchemas(published, clone())).toEqual([]);
  });

  it('accepts an added optional property and a widened enum', () => {
    const candidate = clone();
    candidate.properties.translatedFrom = { type: 'string' };
    (candidate.properties.pubstatus as { enum: string[] }).enum.push('embargoed');
    expect(compareSchemas(published, candidate)).toEqual([]);
  });

  it('accepts a property that stops being required', () => {
    const candidate = clone();
    candidate.required = candidate.required.filter((r) => r !== 'pubstatus');
    expect(compareSchemas(published, candidate)).toEqual([]);
  });

  it('reports a removed property with its pointer', () => {
    const candidate = clone();
    delete candidate.properties.places;
    expect(compareSchemas(published, candidate)).toEqual([
      { kind: 'removed-property', path: '/properties/places', message: 'property "places" was removed' },
    ]);
  });

  it('reports a newly required property, new or existing', () => {
    const candidate = clone();
    candidate.properties.translatedFrom = { type: 'string' };
    candidate.required.push('translatedFrom', 'places');
    expect(compareSchemas(published, candidate).map((c) => c.path)).toEqual([
      '/properties/translatedFrom',
      '/properties/places',
    ]);
    expect(kinds(published, candidate)).toEqual(['newly-required', 'newly-required']);
  });

  it('reports a changed type, including inside array items', () => {
    const candidate = clone();
    candidate.properties.version = { type: 'string' };
    (candidate.properties.places as { items: JsonSchema }).items = { type: 'object' };
    expect(compareSchemas(published, candidate).map((c) => [c.kind, c.path])).toEqual([
      ['changed-type', '/properties/version'],
      ['changed-type', '/properties/places/items'],
    ]);
  });

  it('reports a narrowed enum and a changed const', () => {
    const candidate = clone();
    candidate.properties.pubstatus = { type: 'string', enum: ['usable', 'canceled'] };
    candidate.properties.schemaVersion = { type: 'string', const: '2' };
    const changes = compareSchemas(published, candidate);
    expect(changes.map((c) => [c.kind, c.path])).toEqual([
      ['narrowed-enum', '/properties/schemaVersion'],
      ['narrowed-enum', '/properties/pubstatus'],
    ]);
    expect(changes[1]!.message).toContain('"withheld"');
  });

  it('reports an enum imposed on a free property', () => {
    const candidate = clone();
    candidate.properties.itemId = { type: 'string', enum: ['itm_x'] };
    expect(kinds(published, candidate)).toEqual(['narrowed-enum']);
  });

  it('descends into nested objects (bodies[].value)', () => {
    const candidate = clone();
    const body = (
      candidate.properties.bodies as { items: JsonSchema & { properties: Record<string, unknown> } }
    ).items;
    delete body.properties.role;
    body.properties.value = { type: 'array' };
    expect(compareSchemas(published, candidate).map((c) => [c.kind, c.path])).toEqual([
      ['removed-property', '/properties/bodies/items/properties/role'],
      ['changed-type', '/properties/bodies/items/properties/value'],
    ]);
  });

  it('reports closing an open object', () => {
    const candidate = clone();
    candidate.additionalProperties = false;
    expect(kinds(published, candidate)).toEqual(['closed-object']);
  });
});

describe('compareContracts', () => {
  it('reports a removed detail-type and prefixes paths with the contract key', () => {
    const changed = clone();
    delete changed.properties.itemId;
    const changes = compareContracts(
      { 'NewsItemPublished.v1': published, 'NewsItemRetracted.v1': published },
      { 'NewsItemPublished.v1': changed, 'NewsItemTranslated.v1': published },
    );
    expect(changes.map((c) => [c.kind, c.path])).toEqual([
      ['removed-property', 'NewsItemPublished.v1#/properties/itemId'],
      ['removed-detail-type', 'NewsItemRetracted.v1'],
    ]);
  });

  it('accepts a new detail-type (adding NewsItemTranslated.v1 is not breaking)', () => {
    expect(
      compareContracts(
        { 'NewsItemPublished.v1': published },
        { 'NewsItemPublished.v1': published, 'X.v1': {} },
      ),
    ).toEqual([]);
  });
});

describe('eventBridgeRegistrySchemas', () => {
  const schemas = eventBridgeRegistrySchemas();

  it('gives one JSONSchemaDraft4 envelope schema per detail-type', () => {
    expect(schemas.map((s) => s.detailType)).toEqual([...DETAIL_TYPES]);
    for (const schema of schemas) {
      expect(schema.type).toBe('JSONSchemaDraft4');
      const source = schema.detailType === 'NewsItemEmbargoed' ? EMBARGOED_EVENT_SOURCE : EVENT_SOURCE;
      expect(schema.schemaName).toBe(`${source}@${schema.detailType}`);
      const content = JSON.parse(schema.content);
      expect(content.$schema).toBe('http://json-schema.org/draft-04/schema#');
      expect(content.properties['detail-type']).toEqual({ type: 'string', enum: [schema.detailType] });
      expect(content.properties.source).toEqual({ type: 'string', enum: [source] });
      expect(content.required).toEqual(
        expect.arrayContaining(['detail-type', 'source', 'detail', 'time', 'id']),
      );
      expect(content.properties.detail.properties.schemaVersion).toEqual({ type: 'string', enum: ['1'] });
    }
  });

  it('uses only draft-04 keywords (no const, $defs or numeric exclusive bounds)', () => {
    const offending: string[] = [];
    const walk = (node: unknown, path: string) => {
      if (Array.isArray(node)) {
        for (const [i, n] of node.entries()) walk(n, `${path}/${i}`);
      }
      if (typeof node !== 'object' || node === null || Array.isArray(node)) return;
      for (const [key, value] of Object.entries(node)) {
        const isKeyword = !path.endsWith('/properties');
        if (isKeyword && ['const', '$defs', 'prefixItems', 'unevaluatedProperties', '$ref'].includes(key)) {
          offending.push(`${path}/${key}`);
        }
        if (isKeyword && key.startsWith('exclusiveM') && typeof value !== 'boolean')
          offending.push(`${path}/${key}`);
        walk(value, `${path}/${key}`);
      }
    };
    for (const schema of schemas) walk(JSON.parse(schema.content), schema.detailType);
    expect(offending).toEqual([]);
  });
});
