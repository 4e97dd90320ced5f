import type { ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import { createAjv, GEOJSON_ID, readSchema } from '#scripts/generate-ninjs-validator.ts';

/**
 * Validators compiled at test time, to check the generated one against the official schemas as
 * published (the generated module only carries the runtime validator).
 */

/** A GeoJSON schema compiled on its own with ajv 2020, as a partner's tooling would. */
export function compileGeoJson(
  file: 'GeoJSON-schema.json' | 'GeoJSON-compact.schema.json',
): ValidateFunction {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  return ajv.compile(readSchema(file));
}

/**
 * The official ninjs 2.2 schema alone, with the official (fully expanded) GeoJSON, compiled as the
 * generator did before it was made compact: refs inlined, annotations kept.
 */
export function compileOfficialNinjs(): ValidateFunction {
  const ajv = createAjv({ inlineRefs: true });
  ajv.addSchema(readSchema('GeoJSON-schema.json'), GEOJSON_ID);
  return ajv.compile(readSchema('ninjs-schema_2.2.json'));
}

/** The Diplowire profile compiled the way the generator compiled it before it was made compact. */
export function compileLegacyProfile(): ValidateFunction {
  const ajv = createAjv({ inlineRefs: true });
  ajv.addSchema(readSchema('GeoJSON-schema.json'), GEOJSON_ID);
  ajv.addSchema(readSchema('ninjs-schema_2.2.json'));
  return ajv.compile(readSchema('profile.schema.json'));
}
