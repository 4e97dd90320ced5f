/**
 * CloudFormation's intrinsic functions (`Fn::Join`, `Fn::Sub`, `Fn::If`, …), evaluated against the
 * stack being resolved: references, parameters and conditions are the resolver's.
 */
import { TemplateError } from './resolved';
import type { CfnTemplate } from './types';

/** What `Ref: AWS::NoValue` resolves to before it is dropped from its enclosing object or list. */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

/** What the intrinsic functions need from the resolver of one stack. */
export interface IntrinsicScope {
  stackName: string;
  region: string;
  /** Exports of the stacks deployed before this one, by export name. */
  imports: Readonly<Record<string, unknown>>;
  mappings: CfnTemplate['Mappings'];
  resolve(value: unknown, inCondition?: boolean): unknown;
  /** `Ref`: a pseudo parameter, a parameter or a resource (counted as a dependency). */
  ref(name: string): unknown;
  condition(name: string): boolean;
  conditionValue(expression: unknown): boolean;
  /** `Fn::GetAtt`: the attribute of a resource (counted as a dependency). */
  getAtt(logicalId: string, attribute: string): unknown;
}

export function intrinsic(scope: IntrinsicScope, fn: string, arg: unknown, inCondition: boolean): unknown {
  const where = `stack ${scope.stackName}: ${fn}`;
  switch (fn) {
    case 'Ref':
      return scope.ref(String(scope.resolve(arg)));
    case 'Condition':
      return scope.condition(String(arg));
    case 'Fn::GetAtt': {
      const [logicalId, attribute] = getAttArgs(scope, arg);
      return scope.getAtt(logicalId, attribute);
    }
    case 'Fn::Join': {
      const [delimiter, list] = args(scope, fn, arg, 2);
      return resolvedList(scope, fn, list)
        .map((item) => scalar(where, item))
        .join(String(delimiter));
    }
    case 'Fn::Sub':
      return sub(scope, arg);
    case 'Fn::Select': {
      const [index, list] = args(scope, fn, arg, 2);
      const items = resolvedList(scope, fn, list);
      const i = Number(scope.resolve(index));
      if (!Number.isInteger(i) || i < 0 || i >= items.length) {
        throw new TemplateError(`${where}: index ${String(index)} is outside a list of ${items.length}`);
      }
      return items[i];
    }
    case 'Fn::Split': {
      const [delimiter, source] = args(scope, fn, arg, 2);
      return scalar(where, scope.resolve(source)).split(String(delimiter));
    }
    case 'Fn::If': {
      const [name, whenTrue, whenFalse] = args(scope, fn, arg, 3);
      return scope.resolve(scope.condition(String(name)) ? whenTrue : whenFalse, inCondition);
    }
    case 'Fn::Equals': {
      const [a, b] = args(scope, fn, arg, 2);
      return sameValue(scope.resolve(a, true), scope.resolve(b, true));
    }
    case 'Fn::Not': {
      const [operand] = args(scope, fn, arg, 1);
      return !scope.conditionValue(operand);
    }
    case 'Fn::And':
      return operands(scope, fn, arg).every((operand) => scope.conditionValue(operand));
    case 'Fn::Or':
      return operands(scope, fn, arg).some((operand) => scope.conditionValue(operand));
    case 'Fn::ImportValue': {
      const name = scalar(where, scope.resolve(arg));
      const imports = scope.imports;
      if (!Object.hasOwn(imports, name)) {
        throw new TemplateError(`${where}: no export named ${name} (deploy the stack that exports it first)`);
      }
      return imports[name];
    }
    case 'Fn::GetAZs': {
      const region = scalar(where, scope.resolve(arg)) || scope.region;
      return ['a', 'b', 'c'].map((zone) => `${region}${zone}`);
    }
    case 'Fn::Base64':
      return Buffer.from(scalar(where, scope.resolve(arg)), 'utf8').toString('base64');
    case 'Fn::FindInMap': {
      const [map, top, second] = args(scope, fn, arg, 3).map((part) => scalar(where, scope.resolve(part)));
      const value = scope.mappings?.[map!]?.[top!]?.[second!];
      if (value === undefined) throw new TemplateError(`${where}: no ${map}.${top}.${second} in Mappings`);
      return value;
    }
    case 'Fn::Length':
      return resolvedList(scope, fn, arg).length;
    case 'Fn::ToJsonString':
      return JSON.stringify(scope.resolve(arg));
    default:
      throw new TemplateError(`${where} is not supported by the local cloud`);
  }
}

function getAttArgs(scope: IntrinsicScope, arg: unknown): [string, string] {
  if (typeof arg === 'string') {
    const dot = arg.indexOf('.');
    if (dot > 0) return [arg.slice(0, dot), arg.slice(dot + 1)];
  }
  if (Array.isArray(arg) && arg.length === 2) return [String(arg[0]), String(scope.resolve(arg[1]))];
  throw new TemplateError(`stack ${scope.stackName}: malformed Fn::GetAtt ${JSON.stringify(arg)}`);
}

function sub(scope: IntrinsicScope, arg: unknown): string {
  const where = `stack ${scope.stackName}: Fn::Sub`;
  let text: unknown = arg;
  let variables: Record<string, unknown> = {};
  if (Array.isArray(arg)) {
    [text] = arg;
    const raw = arg[1];
    if (arg.length !== 2 || !isObject(raw)) throw new TemplateError(`${where} expects [string, {variables}]`);
    variables = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, scope.resolve(v)]));
  }
  if (typeof text !== 'string') throw new TemplateError(`${where} expects a string`);
  return text.replace(/\$\{([^}]*)\}/g, (_, expression: string) => {
    // `${!Literal}` is CloudFormation's escape for a literal `${Literal}`.
    if (expression.startsWith('!')) return `\${${expression.slice(1)}}`;
    const name = expression.trim();
    if (Object.hasOwn(variables, name)) return scalar(where, variables[name]);
    const dot = name.indexOf('.');
    if (dot > 0 && !name.startsWith('AWS::')) {
      return scalar(where, intrinsic(scope, 'Fn::GetAtt', name, false));
    }
    return scalar(where, scope.ref(name));
  });
}

function args(scope: IntrinsicScope, fn: string, arg: unknown, count: number): unknown[] {
  if (!Array.isArray(arg) || arg.length !== count) {
    throw new TemplateError(`stack ${scope.stackName}: ${fn} expects a list of ${count} arguments`);
  }
  return arg;
}

function operands(scope: IntrinsicScope, fn: string, arg: unknown): unknown[] {
  if (!Array.isArray(arg) || arg.length < 1) {
    throw new TemplateError(`stack ${scope.stackName}: ${fn} expects a list of conditions`);
  }
  return arg;
}

function resolvedList(scope: IntrinsicScope, fn: string, value: unknown): unknown[] {
  const resolved = scope.resolve(value);
  if (!Array.isArray(resolved)) throw new TemplateError(`stack ${scope.stackName}: ${fn} expects a list`);
  return resolved;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function scalar(where: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new TemplateError(`${where}: expected a string, got ${JSON.stringify(value) ?? String(value)}`);
}

/** CloudFormation compares condition operands as strings (`"1"` equals `1`). */
function sameValue(a: unknown, b: unknown): boolean {
  const norm = (v: unknown) => (typeof v === 'object' ? JSON.stringify(v) : String(v));
  return norm(a) === norm(b);
}
