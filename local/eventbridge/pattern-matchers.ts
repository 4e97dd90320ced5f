/**
 * The conditions of an event pattern, compiled to matchers of one leaf value: exact strings and numbers,
 * `prefix`, `suffix`, `equals-ignore-case`, `anything-but`, `numeric`, `cidr`, `exists` and `wildcard`,
 * validated with AWS's messages.
 */
import { type IpRange, ipInRange, looksLikeIp, parseCidr, parseIp } from './ip';
import type { JsonNode } from './json';
import { type CompiledWildcard, compileWildcard } from './wildcard';

export class InvalidEventPatternError extends Error {
  readonly code = 'InvalidEventPatternException';
  constructor(readonly reason: string) {
    super(`Event pattern is not valid. Reason: ${reason}`);
    this.name = 'InvalidEventPatternError';
  }
}

export type LeafNode = Extract<JsonNode, { kind: 'string' | 'number' | 'true' | 'false' | 'null' }>;

export interface Matcher {
  /** `exists: false` is satisfied by the absence of values rather than by a value. */
  absence?: true;
  test(leaf: LeafNode): boolean;
}

export function invalid(reason: string): never {
  throw new InvalidEventPatternError(reason);
}

function tokenText(node: JsonNode | undefined): string {
  if (node === undefined) return ']';
  switch (node.kind) {
    case 'string':
      return node.value;
    case 'number':
      return node.text;
    case 'object':
      return '{';
    case 'array':
      return '[';
    default:
      return node.kind;
  }
}

const isString = (leaf: LeafNode): leaf is Extract<LeafNode, { kind: 'string' }> => leaf.kind === 'string';
const lower = (s: string) => s.toLowerCase();
const equalsIgnoreCase = (a: string, b: string) =>
  a === b || lower(a) === lower(b) || a.toUpperCase() === b.toUpperCase();

function exactString(value: string): Matcher {
  const ip = looksLikeIp(value) ? parseIp(value) : undefined;
  if (ip !== undefined) {
    // AWS compares IP literals by address, so "10.0.0.1" also matches an equivalent spelling.
    return {
      test: (leaf) => {
        if (!isString(leaf)) return false;
        if (leaf.value === value) return true;
        const other = looksLikeIp(leaf.value) ? parseIp(leaf.value) : undefined;
        return other !== undefined && ipInRange(other, { low: ip, high: ip });
      },
    };
  }
  return { test: (leaf) => isString(leaf) && leaf.value === value };
}

function exactNumber(node: Extract<JsonNode, { kind: 'number' }>): Matcher {
  return { test: (leaf) => leaf.kind === 'number' && (leaf.value === node.value || leaf.text === node.text) };
}

function numericRange(
  lowerBound: number | undefined,
  lowerOpen: boolean,
  upperBound: number | undefined,
  upperOpen: boolean,
): Matcher {
  return {
    test: (leaf) => {
      if (leaf.kind !== 'number') return false;
      const v = leaf.value;
      if (lowerBound !== undefined && (lowerOpen ? v <= lowerBound : v < lowerBound)) return false;
      if (upperBound !== undefined && (upperOpen ? v >= upperBound : v > upperBound)) return false;
      return true;
    },
  };
}

function compileNumeric(value: JsonNode): Matcher {
  if (value.kind !== 'array') invalid('Value of numeric must be an array.');
  const items = value.items;
  const op = items[0];
  if (op === undefined || op.kind !== 'string') invalid(`Invalid member in numeric match: ${tokenText(op)}`);
  const numberAt = (index: number, label: string): number => {
    const node = items[index];
    if (node === undefined || node.kind !== 'number') invalid(`Value of ${label} must be numeric`);
    return node.value;
  };
  switch (op.value) {
    case '=': {
      const v = numberAt(1, 'equals');
      if (items.length > 2) invalid('Too many elements in numeric expression');
      return numericRange(v, false, v, false);
    }
    case '>=':
    case '>': {
      const bottom = numberAt(1, op.value);
      const open = op.value === '>';
      if (items.length === 2) return numericRange(bottom, open, undefined, false);
      const op2 = items[2];
      if (op2 === undefined || op2.kind !== 'string')
        invalid(`Bad value in numeric range: ${tokenText(op2)}`);
      if (op2.value !== '<' && op2.value !== '<=') invalid(`Bad numeric range operator: ${op2.value}`);
      const top = numberAt(3, op2.value);
      if (items.length > 4) invalid('Too many terms in numeric range expression');
      return numericRange(bottom, open, top, op2.value === '<');
    }
    case '<=':
    case '<': {
      const top = numberAt(1, op.value);
      if (items.length > 2) invalid('Too many elements in numeric expression');
      return numericRange(undefined, false, top, op.value === '<');
    }
    default:
      invalid(`Unrecognized numeric range operator: ${op.value}`);
  }
}

function wildcardOrInvalid(value: string): CompiledWildcard {
  try {
    return compileWildcard(value);
  } catch (error) {
    invalid((error as Error).message);
  }
}

/** `prefix`/`suffix` take a string or `{"equals-ignore-case": string}`. */
function compileAffix(kind: 'prefix' | 'suffix', value: JsonNode): Matcher {
  let text: string;
  let ignoreCase = false;
  if (value.kind === 'string') {
    text = value.value;
  } else if (
    value.kind === 'object' &&
    value.entries.length === 1 &&
    value.entries[0]?.[0] === 'equals-ignore-case'
  ) {
    const inner = value.entries[0][1];
    if (inner.kind !== 'string') invalid('equals-ignore-case match pattern must be a string');
    text = inner.value;
    ignoreCase = true;
  } else {
    invalid(`${kind} match pattern must be a string`);
  }
  const wanted = ignoreCase ? lower(text) : text;
  return {
    test: (leaf) => {
      if (!isString(leaf)) return false;
      const actual = ignoreCase ? lower(leaf.value) : leaf.value;
      return kind === 'prefix' ? actual.startsWith(wanted) : actual.endsWith(wanted);
    },
  };
}

function compileAnythingBut(value: JsonNode): Matcher {
  // `excluded` says whether a present value is one of the values anything-but rules out.
  let excluded: (leaf: LeafNode) => boolean;
  const wrongForm = 'Value of anything-but must be an array or single string/number value.';
  if (value.kind === 'object') {
    const first = value.entries[0];
    if (first === undefined) invalid('Anything-but expression name not found');
    if (value.entries.length > 1) invalid('Only one key allowed in match expression');
    const [op, operand] = first;
    const operands = operand.kind === 'array' ? operand.items : [operand];
    if (op === 'prefix' || op === 'suffix') {
      if (operand.kind === 'object') invalid(wrongForm);
      const texts = operands.map((o) => {
        if (o.kind !== 'string') invalid('prefix/suffix match pattern must be a string');
        if (o.value === '') invalid('Null prefix/suffix not allowed');
        return o.value;
      });
      if (texts.length === 0) invalid('Empty arrays are not allowed');
      excluded = (leaf) =>
        isString(leaf) &&
        texts.some((t) => (op === 'prefix' ? leaf.value.startsWith(t) : leaf.value.endsWith(t)));
    } else if (op === 'wildcard') {
      if (operand.kind === 'object') invalid(wrongForm);
      const wildcards = operands.map((o) => {
        if (o.kind !== 'string') invalid('wildcard match pattern must be a string');
        return wildcardOrInvalid(o.value);
      });
      if (wildcards.length === 0) invalid('Empty arrays are not allowed');
      excluded = (leaf) => isString(leaf) && wildcards.some((w) => w.regex.test(leaf.value));
    } else if (op === 'equals-ignore-case') {
      const texts = operands.map((o) => {
        if (o.kind !== 'string')
          invalid('Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.');
        return o.value;
      });
      excluded = (leaf) => isString(leaf) && texts.some((t) => equalsIgnoreCase(t, leaf.value));
    } else {
      invalid(`Unsupported anything-but pattern: ${op}`);
    }
  } else if (value.kind === 'string') {
    excluded = (leaf) => isString(leaf) && leaf.value === value.value;
  } else if (value.kind === 'number') {
    excluded = (leaf) => leaf.kind === 'number' && leaf.value === value.value;
  } else if (value.kind === 'array') {
    const strings = new Set<string>();
    const numbers: number[] = [];
    for (const item of value.items) {
      if (item.kind === 'string') strings.add(item.value);
      else if (item.kind === 'number') numbers.push(item.value);
      else invalid('Inside anything but list, start|null|boolean is not supported.');
    }
    if (strings.size > 0 === numbers.length > 0) {
      invalid(
        'Inside anything but list, either all values are number or string, mixed type is not supported',
      );
    }
    excluded = (leaf) =>
      (isString(leaf) && strings.has(leaf.value)) || (leaf.kind === 'number' && numbers.includes(leaf.value));
  } else {
    invalid(wrongForm);
  }
  return { test: (leaf) => !excluded(leaf) };
}

function compileMatchExpression(node: Extract<JsonNode, { kind: 'object' }>): Matcher {
  const first = node.entries[0];
  if (first === undefined) invalid('Match expression name not found');
  const [type, value] = first;
  const onlyOneKey = (message = 'Only one key allowed in match expression') => {
    if (node.entries.length > 1) invalid(message);
  };
  let matcher: Matcher;
  switch (type) {
    case 'exact':
      if (value.kind !== 'string') invalid('exact match pattern must be a string');
      matcher = { test: (leaf) => isString(leaf) && leaf.value === value.value };
      onlyOneKey();
      return matcher;
    case 'prefix':
    case 'suffix':
      matcher = compileAffix(type, value);
      onlyOneKey();
      return matcher;
    case 'equals-ignore-case':
      if (value.kind !== 'string') invalid('equals-ignore-case match pattern must be a string');
      matcher = { test: (leaf) => isString(leaf) && equalsIgnoreCase(leaf.value, value.value) };
      onlyOneKey();
      return matcher;
    case 'wildcard': {
      if (value.kind !== 'string') invalid('wildcard match pattern must be a string');
      const { regex } = wildcardOrInvalid(value.value);
      onlyOneKey();
      return { test: (leaf) => isString(leaf) && regex.test(leaf.value) };
    }
    case 'numeric':
      matcher = compileNumeric(value);
      onlyOneKey('Too many elements in numeric expression');
      return matcher;
    case 'anything-but':
      matcher = compileAnythingBut(value);
      onlyOneKey('Too many elements in numeric expression');
      return matcher;
    case 'exists':
      if (value.kind !== 'true' && value.kind !== 'false')
        invalid('exists match pattern must be either true or false.');
      onlyOneKey();
      return value.kind === 'true' ? { test: () => true } : { absence: true, test: () => false };
    case 'cidr': {
      // AWS reports a non-string CIDR with the prefix wording.
      if (value.kind !== 'string') invalid('prefix match pattern must be a string');
      let range: IpRange;
      try {
        range = parseCidr(value.value);
      } catch (error) {
        invalid((error as Error).message);
      }
      onlyOneKey();
      return {
        test: (leaf) => {
          if (!isString(leaf) || !looksLikeIp(leaf.value)) return false;
          const ip = parseIp(leaf.value);
          return ip !== undefined && ipInRange(ip, range);
        },
      };
    }
    default:
      invalid(`Unrecognized match type ${type}`);
  }
}

export function compileValueList(items: JsonNode[]): Matcher[] {
  const matchers = items.map((item): Matcher => {
    switch (item.kind) {
      case 'object':
        return compileMatchExpression(item);
      case 'string':
        return exactString(item.value);
      case 'number':
        return exactNumber(item);
      case 'true':
      case 'false':
      case 'null': {
        const kind = item.kind;
        return { test: (leaf) => leaf.kind === kind };
      }
      default:
        return invalid('Match value must be String, number, true, false, or null');
    }
  });
  if (matchers.length === 0) invalid('Empty arrays are not allowed');
  return matchers;
}

/** Compiles one object level; mirrors AWS's member-by-member compilation so duplicate keys and `$or` fork alike. */
