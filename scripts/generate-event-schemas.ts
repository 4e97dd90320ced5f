/**
 * Writes the event contracts' artefacts, from the zod source (shared/contracts/events/*.v<major>.ts):
 *
 * 1. the JSON Schemas (draft 2020-12) of the details, shared/contracts/events/schemas/<DetailType>.v<major>.json;
 * 2. from those committed schemas, standalone ajv validators, shared/contracts/generated/event-validators.js
 *    (+ .d.ts typed with the zod-inferred details), which is what Lambdas validate with: zod never ships.
 *
 * Published schemas are frozen per major version: when a regenerated schema would break the
 * committed one, nothing is written and the breaking changes are listed (make a `.v2` contract).
 * Unit tests fail while either artefact is stale.
 *
 *   npx tsx scripts/generate-event-schemas.ts     (or `npm run contracts`)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  compareContracts,
  contractKey,
  EVENT_CONTRACTS,
  type EventContract,
  eventDetailJsonSchemas,
  type JsonSchema,
} from '#shared/contracts/events/index.ts';
import { createStandaloneAjv, standaloneEsm } from './standalone-validators';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const eventSchemaDir = join(root, 'shared/contracts/events/schemas');
const generatedDir = join(root, 'shared/contracts/generated');

/** The committed schemas, keyed by contract key (`NewsItemPublished.v1`). */
export function readCommittedEventSchemas(): Record<string, JsonSchema> {
  if (!existsSync(eventSchemaDir)) return {};
  const committed: Record<string, JsonSchema> = {};
  for (const file of readdirSync(eventSchemaDir).filter((f) => f.endsWith('.json'))) {
    committed[file.slice(0, -'.json'.length)] = JSON.parse(readFileSync(join(eventSchemaDir, file), 'utf8'));
  }
  return committed;
}

/** `validateNewsItemPublishedV1`: the export name of a contract's validator. */
export function validatorName(contract: Pick<EventContract, 'detailType' | 'majorVersion'>): string {
  return `validate${contract.detailType}V${contract.majorVersion}`;
}

const ANNOTATIONS = new Set(['title', 'description', '$comment']);
const SUBSCHEMA = new Set(['items', 'additionalProperties', 'not', 'contains']);
const SUBSCHEMA_LIST = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
const SUBSCHEMA_MAP = new Set(['properties', '$defs']);

/**
 * The schema without title/description/$comment: ajv embeds the schema objects its code refers
 * to, and the descriptions would only add bytes to every subscriber bundle. Values (enum, const,
 * required) are copied untouched, so a property named `description` survives.
 */
function withoutAnnotations(schema: unknown): unknown {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return schema;
  const kept: [string, unknown][] = [];
  for (const [keyword, value] of Object.entries(schema)) {
    if (ANNOTATIONS.has(keyword)) continue;
    if (SUBSCHEMA.has(keyword)) kept.push([keyword, withoutAnnotations(value)]);
    else if (SUBSCHEMA_LIST.has(keyword)) kept.push([keyword, (value as unknown[]).map(withoutAnnotations)]);
    else if (SUBSCHEMA_MAP.has(keyword)) {
      const entries = Object.entries(value as Record<string, unknown>);
      kept.push([keyword, Object.fromEntries(entries.map(([name, s]) => [name, withoutAnnotations(s)]))]);
    } else kept.push([keyword, value]);
  }
  return Object.fromEntries(kept);
}

/** For each detail-type, the contract of its current (highest) major version: what `DetailByType` types. */
function currentContracts(): EventContract[] {
  const current = new Map<string, EventContract>();
  for (const contract of EVENT_CONTRACTS) {
    const seen = current.get(contract.detailType);
    if (seen === undefined || seen.majorVersion < contract.majorVersion)
      current.set(contract.detailType, contract);
  }
  return [...current.values()];
}

function warnUnlessUnicodeDeprecation(...args: unknown[]): void {
  if (!String(args[0]).startsWith('DEPRECATED: option unicode')) console.warn(...args);
}

export interface GeneratedEventValidators {
  js: string;
  dts: string;
}

/**
 * The ajv instance the event validators are compiled from, each contract's stripped schema under its
 * key, plus the exports and aliases; tests compile it at runtime to compare errors with ajv's own.
 */
export function eventValidatorsAjv(schemas: Record<string, JsonSchema>) {
  const ajv = createStandaloneAjv({
    // The news-item `oneOf` names bodies/bodyRef, which are declared beside it, not inside it.
    strictRequired: false,
    // String lengths in UTF-16 code units, as zod's `.min()` counts them; it also spares the
    // generated code a runtime helper (ajv's ucs2length). Deprecated in ajv 8 but supported.
    unicode: false,
    // One loop over the required names instead of a block per name: far smaller code.
    loopRequired: 2,
    // zod emits each of its string formats (uuid, iso datetime) together with the exact regex it
    // checks (`pattern`), so the pattern alone carries zod's rule; skipping `format` keeps
    // ajv-formats (~8 KB) out of subscriber bundles. tests/unit/events/event-validators.test.ts
    // checks the validators accept and reject what zod does.
    validateFormats: false,
    logger: { log: console.log, warn: warnUnlessUnicodeDeprecation, error: console.error },
  });
  const exports: Record<string, string> = {};
  const aliases: string[] = [];
  // Contracts with the same schema once stripped (the three news-item types) share one function.
  const nameBySchema = new Map<string, string>();
  for (const contract of EVENT_CONTRACTS) {
    const key = contractKey(contract);
    const schema = schemas[key];
    if (schema === undefined) throw new Error(`schemas/${key}.json is missing: generate the schemas first`);
    const stripped = withoutAnnotations(schema) as object;
    const canonical = JSON.stringify(stripped);
    const name = validatorName(contract);
    const sameAs = nameBySchema.get(canonical);
    if (sameAs === undefined) {
      nameBySchema.set(canonical, name);
      ajv.addSchema(stripped, key);
      exports[name] = key;
    } else aliases.push(`export const ${name} = ${sameAs};`);
  }
  return { ajv, exports, aliases };
}

/** Standalone validators of the given (committed) schemas, one per contract in `EVENT_CONTRACTS`. */
export function generateEventValidators(schemas: Record<string, JsonSchema>): GeneratedEventValidators {
  const { ajv, exports, aliases } = eventValidatorsAjv(schemas);
  const byDetailType = currentContracts()
    .map((contract) => `  ${contract.detailType}: ${validatorName(contract)},`)
    .join('\n');
  const js = [
    '// Generated by scripts/generate-event-schemas.ts from shared/contracts/events/schemas/*.json. Do not edit.',
    standaloneEsm(ajv, exports),
    ...aliases,
    `export const eventDetailValidators = {\n${byDetailType}\n};`,
    '',
  ].join('\n');

  const declarations = EVENT_CONTRACTS.map(
    (contract) =>
      `/** Validates a ${contract.detailType} detail against schemas/${contractKey(contract)}.json. */\n` +
      `export declare const ${validatorName(contract)}: EventDetailValidator<DetailByContract['${contractKey(contract)}']>;`,
  );
  const dts = [
    '// Generated by scripts/generate-event-schemas.ts. Do not edit.',
    "import type { ErrorObject } from 'ajv';",
    "import type { DetailByContract, DetailByType, DetailType } from '../events/index';",
    '',
    '/** A standalone ajv validator; a detail it accepts has the zod-inferred type of its contract. */',
    'export interface EventDetailValidator<T> {',
    '  (data: unknown): data is T;',
    '  errors?: ErrorObject[] | null;',
    '}',
    '',
    ...declarations,
    '',
    '/** The validator of each detail-type at its current major version (the one `DetailByType` types). */',
    'export declare const eventDetailValidators: {',
    '  readonly [T in DetailType]: EventDetailValidator<DetailByType[T]>;',
    '};',
    '',
  ].join('\n');
  return { js, dts };
}

function main(): void {
  const generated = eventDetailJsonSchemas();
  const breaking = compareContracts(readCommittedEventSchemas(), generated);
  if (breaking.length > 0) {
    console.error('Refusing to overwrite published event schemas; these changes would break subscribers:');
    for (const change of breaking) console.error(`  ${change.kind} at ${change.path}: ${change.message}`);
    console.error('Keep the published major version unchanged and add a new .v2 contract instead.');
    process.exit(1);
  }

  mkdirSync(eventSchemaDir, { recursive: true });
  const written = Object.entries(generated).map(([key, schema]) => {
    const file = join(eventSchemaDir, `${key}.json`);
    writeFileSync(file, `${JSON.stringify(schema, null, 2)}\n`);
    return file;
  });
  // Keep the committed files in the repository's formatting, so regenerating is a no-op diff.
  execFileSync(join(root, 'node_modules/.bin/biome'), ['format', '--write', ...written], { stdio: 'pipe' });
  console.log(`Wrote ${written.length} event schemas to ${eventSchemaDir}`);

  // Validators come from the schemas as committed, so they are exactly what subscribers were promised.
  const { js, dts } = generateEventValidators(readCommittedEventSchemas());
  writeFileSync(join(generatedDir, 'event-validators.js'), js);
  writeFileSync(join(generatedDir, 'event-validators.d.ts'), dts);
  console.log(`Wrote event-validators.js (${Buffer.byteLength(js)} bytes) and event-validators.d.ts`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
