/**
 * Generates `shared/contracts/generated/ninjs-validator.js`: standalone ESM validation code for the
 * Diplowire profile (the official ninjs 2.2 schema plus the profile rules), so Lambdas neither ship
 * the ajv compiler nor compile schemas at cold start. Run `npx tsx scripts/generate-ninjs-validator.ts`
 * after changing a schema; a unit test fails while the committed file is stale.
 *
 * Size matters: the module lands in every Lambda that validates items, whose bundle must stay under
 * 300 KB minified with the AWS SDK. So GeoJSON comes from the compact, proven-equivalent
 * `GeoJSON-compact.schema.json` (each definition once, not the official fully expanded form), refs
 * are compiled as functions instead of being inlined, and only the runtime validator is emitted.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type Ajv2020 from 'ajv/dist/2020';
import { createStandaloneAjv, standaloneEsm } from './standalone-validators';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const schemaDir = join(root, 'shared/contracts/ninjs');
export const generatedDir = join(root, 'shared/contracts/generated');

/** The id under which the official schema `$ref`s GeoJSON (`places[].geojson`). */
export const GEOJSON_ID = 'https://geojson.org/schema/GeoJSON.json';
/** Annotation on each profile rule: the one error reported when the rule fails. */
export const PROFILE_ERROR_KEYWORD = 'x-diplowire-error';

interface ProfileRule {
  schemaPath: string;
  pointer: string;
  message: string;
}

export function readSchema(file: string): Record<string, unknown> & { $id: string } {
  return JSON.parse(readFileSync(join(schemaDir, file), 'utf8'));
}

/**
 * The ajv instance the generated code is compiled with; tests use it too, to compile validators
 * they need at test time (the official schema alone, the official GeoJSON).
 */
export function createAjv(options: { inlineRefs?: boolean } = {}): Ajv2020 {
  const ajv = createStandaloneAjv({
    // One function per referenced schema instead of a copy at every use: far smaller code.
    inlineRefs: options.inlineRefs ?? false,
    // Strict, except `strictRequired`: the official schema names required members inside oneOf
    // branches that do not declare them (contactinfoType, rightsinfo), which is valid JSON Schema.
    strictRequired: false,
  });
  ajv.addKeyword({ keyword: PROFILE_ERROR_KEYWORD, schemaType: 'object' });
  return ajv;
}

/** Keywords whose value is a map of names to subschemas. */
const SCHEMA_MAP_KEYWORDS = new Set(['properties', '$defs']);
/** Keywords whose value is a subschema, or a list of them. */
const SUBSCHEMA_KEYWORDS = new Set([
  'items',
  'additionalProperties',
  'unevaluatedProperties',
  'not',
  'contains',
]);
const SUBSCHEMA_LIST_KEYWORDS = new Set(['allOf', 'anyOf', 'oneOf']);
/** Keywords whose value is data or a plain setting, never a subschema. */
const VALUE_KEYWORDS = new Set([
  '$schema',
  '$id',
  '$ref',
  'type',
  'enum',
  'const',
  'format',
  'required',
  'minItems',
  'minimum',
  'maximum',
  PROFILE_ERROR_KEYWORD,
]);
/** Annotations: no effect on validation. */
const ANNOTATION_KEYWORDS = new Set(['title', 'description', '$comment']);

/** Keywords of a type's group: with one of them beside `type`, ajv reports a type error after oneOf/anyOf. */
const TYPE_GROUP_KEYWORDS: Record<string, string[]> = {
  object: ['properties', 'required', 'additionalProperties', 'unevaluatedProperties'],
  array: ['items', 'minItems', 'contains'],
};

/**
 * `shared/domain/ingest/schema.ts` finds the errors of failed oneOf/anyOf alternatives by position
 * (the run of errors right before the summary), so no keyword beside a oneOf/anyOf may report errors
 * before it. ajv checks these before oneOf/anyOf: `$ref`, `const`, `enum`, `not`, `anyOf` (before
 * oneOf), and `type` unless it is one type with keywords of that type's group beside it.
 */
function assertAlternativesReportFirst(schema: Record<string, unknown>, where: string): void {
  if (!('oneOf' in schema) && !('anyOf' in schema)) return;
  const checkedBefore = [
    '$ref',
    '$dynamicRef',
    'const',
    'enum',
    'not',
    ...('oneOf' in schema ? ['anyOf'] : []),
  ];
  const type = schema.type;
  const typeCheckedBefore =
    type !== undefined &&
    !(typeof type === 'string' && (TYPE_GROUP_KEYWORDS[type] ?? []).some((keyword) => keyword in schema));
  const offending = checkedBefore.filter((keyword) => keyword in schema);
  if (typeCheckedBefore) offending.push('type');
  if (offending.length > 0) {
    throw new Error(
      `${where}: ${offending.join(', ')} beside oneOf/anyOf would break how schema.ts groups alternative errors`,
    );
  }
}

/**
 * The schema without its annotations. ajv embeds the schema objects that the code refers to (enum
 * values, property lists), descriptions and all; validation never reads them. Every keyword must
 * be known, so a schema change that brings a new applicator cannot slip through unwalked.
 */
export function withoutAnnotations(schema: unknown, where = '#'): unknown {
  if (typeof schema === 'boolean') return schema;
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw new Error(`not a schema at ${where}`);
  }
  assertAlternativesReportFirst(schema as Record<string, unknown>, where);
  const kept: [string, unknown][] = [];
  for (const [keyword, value] of Object.entries(schema)) {
    const at = `${where}/${keyword}`;
    if (ANNOTATION_KEYWORDS.has(keyword)) continue;
    if (VALUE_KEYWORDS.has(keyword)) kept.push([keyword, value]);
    else if (SUBSCHEMA_KEYWORDS.has(keyword)) kept.push([keyword, withoutAnnotations(value, at)]);
    else if (SUBSCHEMA_LIST_KEYWORDS.has(keyword)) {
      kept.push([
        keyword,
        (value as unknown[]).map((entry, index) => withoutAnnotations(entry, `${at}/${index}`)),
      ]);
    } else if (SCHEMA_MAP_KEYWORDS.has(keyword)) {
      const entries = Object.entries(value as Record<string, unknown>);
      kept.push([
        keyword,
        Object.fromEntries(
          entries.map(([name, entry]) => [name, withoutAnnotations(entry, `${at}/${name}`)]),
        ),
      ]);
    } else throw new Error(`unknown keyword ${keyword} at ${at}: teach withoutAnnotations about it`);
  }
  return Object.fromEntries(kept);
}

/** Profile rules are the `allOf` entries that carry an `x-diplowire-error` annotation. */
function profileRulesOf(profile: Record<string, unknown>): ProfileRule[] {
  const entries = (profile.allOf ?? []) as Record<string, unknown>[];
  return entries.flatMap((entry, index) => {
    const error = entry[PROFILE_ERROR_KEYWORD] as { pointer: string; message: string } | undefined;
    return error ? [{ schemaPath: `#/allOf/${index}`, pointer: error.pointer, message: error.message }] : [];
  });
}

const DECLARATIONS = `// Generated by scripts/generate-ninjs-validator.ts. Do not edit.
import type { ErrorObject } from 'ajv';

export interface StandaloneValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

/** The official IPTC ninjs 2.2 schema (with GeoJSON) plus the Diplowire profile rules. */
export declare const validateDiplowireProfile: StandaloneValidator;

export interface ProfileRule {
  /** ajv schemaPath prefix of the rule inside the profile schema, e.g. \`#/allOf/3\`. */
  schemaPath: string;
  pointer: string;
  message: string;
}
/** The profile rules, each replacing its raw schema errors with one field error. */
export declare const profileRules: readonly ProfileRule[];
`;

export interface GeneratedValidator {
  js: string;
  dts: string;
}

/**
 * The ajv instance holding exactly what the generated module is compiled from (the profile under
 * its `$id`); tests compile it at runtime to compare the generated code's errors with ajv's own.
 */
export function profileAjv(): { ajv: Ajv2020; profile: ReturnType<typeof readSchema> } {
  const profile = readSchema('profile.schema.json');
  const ajv = createAjv();
  ajv.addSchema(withoutAnnotations(readSchema('GeoJSON-compact.schema.json')) as object, GEOJSON_ID);
  ajv.addSchema(withoutAnnotations(readSchema('ninjs-schema_2.2.json')) as object);
  ajv.addSchema(withoutAnnotations(profile) as object);
  return { ajv, profile };
}

export function generateNinjsValidator(): GeneratedValidator {
  const { ajv, profile } = profileAjv();
  const js = [
    '// Generated by scripts/generate-ninjs-validator.ts from shared/contracts/ninjs/*.json. Do not edit.',
    standaloneEsm(ajv, { validateDiplowireProfile: profile.$id }),
    `export const profileRules = ${JSON.stringify(profileRulesOf(profile), null, 2)};`,
    '',
  ].join('\n');
  return { js, dts: DECLARATIONS };
}

function main(): void {
  const { js, dts } = generateNinjsValidator();
  writeFileSync(join(generatedDir, 'ninjs-validator.js'), js);
  writeFileSync(join(generatedDir, 'ninjs-validator.d.ts'), dts);
  console.log(`wrote ninjs-validator.js (${Buffer.byteLength(js)} bytes) and ninjs-validator.d.ts`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
