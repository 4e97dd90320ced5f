/**
 * Detects breaking changes between a published (committed) event schema and a candidate one.
 * "Breaking" means an event that was valid under the published schema could be rejected by, or
 * misread under, the candidate: subscribers built against the published schema would break.
 * Pure: works on plain JSON Schema objects (as produced by `z.toJSONSchema`).
 */

export type JsonSchema = { [keyword: string]: unknown };

export type BreakingChangeKind =
  | 'removed-detail-type'
  | 'removed-property'
  | 'newly-required'
  | 'changed-type'
  | 'narrowed-enum'
  | 'closed-object';

export interface BreakingChange {
  kind: BreakingChangeKind;
  /** `<contract key>#<JSON pointer into the schema>`, or just the contract key. */
  path: string;
  message: string;
}

const isSchema = (value: unknown): value is JsonSchema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const escapePointer = (token: string) => token.replaceAll('~', '~0').replaceAll('/', '~1');

function typesOf(schema: JsonSchema): string[] | undefined {
  const { type } = schema;
  if (typeof type === 'string') return [type];
  if (Array.isArray(type)) return type.filter((t): t is string => typeof t === 'string').sort();
  return undefined;
}

/** Allowed values from `enum` or `const`; undefined when the schema does not restrict values. */
function valuesOf(schema: JsonSchema): unknown[] | undefined {
  if (Array.isArray(schema.enum)) return schema.enum;
  if ('const' in schema) return [schema.const];
  return undefined;
}

function requiredOf(schema: JsonSchema): string[] {
  return Array.isArray(schema.required)
    ? schema.required.filter((r): r is string => typeof r === 'string')
    : [];
}

/** Compares one published schema with its candidate, recursing through properties and items. */
export function compareSchemas(published: JsonSchema, candidate: JsonSchema, path = ''): BreakingChange[] {
  const changes: BreakingChange[] = [];
  const at = path === '' ? '/' : path;

  const publishedTypes = typesOf(published);
  const candidateTypes = typesOf(candidate);
  if (JSON.stringify(publishedTypes) !== JSON.stringify(candidateTypes)) {
    changes.push({
      kind: 'changed-type',
      path: at,
      message: `type changed from ${JSON.stringify(publishedTypes ?? 'any')} to ${JSON.stringify(candidateTypes ?? 'any')}`,
    });
  }

  const publishedValues = valuesOf(published);
  const candidateValues = valuesOf(candidate);
  if (candidateValues !== undefined) {
    const allowed = new Set(candidateValues.map((v) => JSON.stringify(v)));
    const dropped =
      publishedValues === undefined
        ? ['(any value)']
        : publishedValues.map((v) => JSON.stringify(v)).filter((v) => !allowed.has(v));
    if (dropped.length > 0) {
      changes.push({ kind: 'narrowed-enum', path: at, message: `no longer allows ${dropped.join(', ')}` });
    }
  }

  const publishedProperties = isSchema(published.properties) ? published.properties : {};
  const candidateProperties = isSchema(candidate.properties) ? candidate.properties : {};
  for (const [name, publishedProperty] of Object.entries(publishedProperties)) {
    const propertyPath = `${path}/properties/${escapePointer(name)}`;
    const candidateProperty = candidateProperties[name];
    if (candidateProperty === undefined) {
      changes.push({
        kind: 'removed-property',
        path: propertyPath,
        message: `property "${name}" was removed`,
      });
    } else if (isSchema(publishedProperty) && isSchema(candidateProperty)) {
      changes.push(...compareSchemas(publishedProperty, candidateProperty, propertyPath));
    }
  }

  const publishedRequired = new Set(requiredOf(published));
  for (const name of requiredOf(candidate)) {
    if (!publishedRequired.has(name)) {
      changes.push({
        kind: 'newly-required',
        path: `${path}/properties/${escapePointer(name)}`,
        message: `property "${name}" became required`,
      });
    }
  }

  if (published.additionalProperties !== false && candidate.additionalProperties === false) {
    changes.push({ kind: 'closed-object', path: at, message: 'additional properties are no longer allowed' });
  }

  if (isSchema(published.items) && isSchema(candidate.items)) {
    changes.push(...compareSchemas(published.items, candidate.items, `${path}/items`));
  }

  return changes;
}

/**
 * Compares the published contract set with the candidate set (both keyed by contract key, e.g.
 * `NewsItemPublished.v1`). A published contract missing from the candidates is a removed detail-type.
 */
export function compareContracts(
  published: Record<string, JsonSchema>,
  candidate: Record<string, JsonSchema>,
): BreakingChange[] {
  const changes: BreakingChange[] = [];
  for (const [key, publishedSchema] of Object.entries(published)) {
    const candidateSchema = candidate[key];
    if (candidateSchema === undefined) {
      changes.push({
        kind: 'removed-detail-type',
        path: key,
        message: `published contract ${key} is no longer produced`,
      });
      continue;
    }
    for (const change of compareSchemas(publishedSchema, candidateSchema)) {
      changes.push({ ...change, path: `${key}#${change.path}` });
    }
  }
  return changes;
}
