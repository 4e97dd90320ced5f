/**
 * Writes the JSON Schemas (draft 2020-12) of the event contracts to
 * shared/contracts/events/schemas/<DetailType>.v<major>.json, from the zod source.
 *
 * Published schemas are frozen per major version: when a regenerated schema would break the
 * committed one, nothing is written and the breaking changes are listed (make a `.v2` contract).
 *
 *   npx tsx scripts/generate-event-schemas.ts
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareContracts, eventDetailJsonSchemas, type JsonSchema } from '../shared/contracts/events/index';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const schemaDir = join(root, 'shared/contracts/events/schemas');

function readCommitted(): Record<string, JsonSchema> {
  if (!existsSync(schemaDir)) return {};
  const committed: Record<string, JsonSchema> = {};
  for (const file of readdirSync(schemaDir).filter((f) => f.endsWith('.json'))) {
    committed[file.slice(0, -'.json'.length)] = JSON.parse(readFileSync(join(schemaDir, file), 'utf8'));
  }
  return committed;
}

const generated = eventDetailJsonSchemas();
const breaking = compareContracts(readCommitted(), generated);
if (breaking.length > 0) {
  console.error('Refusing to overwrite published event schemas; these changes would break subscribers:');
  for (const change of breaking) console.error(`  ${change.kind} at ${change.path}: ${change.message}`);
  console.error('Keep the published major version unchanged and add a new .v2 contract instead.');
  process.exit(1);
}

mkdirSync(schemaDir, { recursive: true });
const written = Object.entries(generated).map(([key, schema]) => {
  const file = join(schemaDir, `${key}.json`);
  writeFileSync(file, `${JSON.stringify(schema, null, 2)}\n`);
  return file;
});
// Keep the committed files in the repository's formatting, so regenerating is a no-op diff.
execFileSync(join(root, 'node_modules/.bin/biome'), ['format', '--write', ...written], { stdio: 'pipe' });
console.log(`Wrote ${written.length} event schemas to ${schemaDir}`);
