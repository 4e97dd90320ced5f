/**
 * EventBridge event-pattern engine: validation with AWS's messages and matching with AWS's semantics.
 *
 * Semantics (those of AWS's matcher): both the pattern and the event are flattened into dotted paths
 * (`{"a": {"b": ..}}` and `{"a.b": ..}` are the same path); arrays in the event contribute each element;
 * a pattern path matches when one of its leaf values satisfies one of the listed conditions; fields AND,
 * list entries OR, `$or` forks the pattern into alternatives. Values taken from objects inside the same
 * event array must come from the same array element ("array consistency"). `exists: false` holds when
 * the event has no leaf value at that path.
 */
import { type IpRange, ipInRange, looksLikeIp, parseCidr, parseIp } from './ip';
import { type JsonNode, JsonSyntaxError, parseJsonTree, toJsonTree } from './json';
import { type CompiledWildcard, compileWildcard } from './wildcard';

export class InvalidEventPatternError extends Error {
  readonly code = 'InvalidEventPatternException';
  constructor(readonly reason: string) {
    super(`Event pattern is not valid. Reason: ${reason}`);
    this.name = 'InvalidEventPatternError';
  }
}

type LeafNode = Extract<JsonNode, { kind: 'string' | 'number' | 'true' | 'false' | 'null' }>;

interface Leaf {
  node: LeafNode;
  /** [arrayId, elementIndex] for every event array this value sits in. */
  arrays: Array<[number, number]>;
}

interface Matcher {
  /** `exists: false` is satisfied by the absence of values rather than by a value. */
  absence?: true;
  test(leaf: LeafNode): boolean;
}

type Branch = Map<string, Matcher[]>;

export interface CompiledPattern {
  /** Alternatives produced by `$or`; the pattern matches when any branch matches. */
  readonly branches: ReadonlyArray<ReadonlyMap<string, readonly Matcher[]>>;
}

const OR_KEYWORD = '$or';
const RESERVED_IN_OR = new Set([
  'exact',
  'equals-ignore-case',
  'prefix',
  'suffix',
  'anything-but',
  'exists',
  'wildcard',
  'numeric',
  'cidr',
  '=',
  '<',
  '<=',
  '>',
  '>=',
]);

function invalid(reason: string): never {
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

// ---------- compilation ----------

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

function compileValueList(items: JsonNode[]): Matcher[] {
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
function compileObject(
  branches: Branch[],
  prefix: string[],
  node: Extract<JsonNode, { kind: 'object' }>,
  insideOr: boolean,
): void {
  if (node.entries.length === 0) invalid('Empty objects are not allowed');
  for (const [key, value] of node.entries) {
    if (key === OR_KEYWORD) {
      compileOr(branches, prefix, value);
      continue;
    }
    if (insideOr && RESERVED_IN_OR.has(key))
      invalid(`${key} is Ruler reserved fieldName which cannot be used inside ${OR_KEYWORD}.`);
    if (value.kind === 'object') {
      compileObject(branches, [...prefix, key], value, insideOr);
    } else if (value.kind === 'array') {
      const matchers = compileValueList(value.items);
      if (branches.length === 0) branches.push(new Map());
      const path = [...prefix, key].join('.');
      for (const branch of branches) branch.set(path, matchers);
    } else {
      invalid(`"${key}" must be an object or an array`);
    }
  }
}

function compileOr(branches: Branch[], prefix: string[], value: JsonNode): void {
  const before = branches.map((b) => new Map(b));
  branches.length = 0;
  if (value.kind !== 'array') invalid(`It must be an Array followed with ${OR_KEYWORD}.`);
  for (const alternative of value.items) {
    if (alternative.kind !== 'object')
      invalid(`Only JSON object is allowed in array of ${OR_KEYWORD} relationship.`);
    const forked = before.length === 0 ? [new Map()] : before.map((b) => new Map(b));
    compileObject(forked, prefix, alternative, true);
    branches.push(...forked);
  }
  if (value.items.length < 2) invalid(`There must have at least 2 Objects in ${OR_KEYWORD} relationship.`);
}

/** Parses and validates an event pattern; throws InvalidEventPatternError with AWS's reason. */
export function parsePattern(json: string | object): CompiledPattern {
  let tree: JsonNode;
  if (typeof json === 'string') {
    try {
      tree = parseJsonTree(json);
    } catch (error) {
      if (error instanceof JsonSyntaxError) invalid(error.message);
      throw error;
    }
  } else {
    tree = toJsonTree(json);
  }
  if (tree.kind !== 'object') invalid('Filter is not an object');
  const branches: Branch[] = [];
  compileObject(branches, [], tree, false);
  return { branches };
}

// ---------- matching ----------

function flatten(
  node: JsonNode,
  path: string,
  arrays: Array<[number, number]>,
  out: Map<string, Leaf[]>,
  ids: { next: number },
): void {
  switch (node.kind) {
    case 'object':
      for (const [key, child] of node.entries)
        flatten(child, path === '' ? key : `${path}.${key}`, arrays, out, ids);
      return;
    case 'array': {
      const id = ids.next++;
      node.items.forEach((item, index) => {
        flatten(item, path, [...arrays, [id, index]], out, ids);
      });
      return;
    }
    default: {
      const list = out.get(path);
      if (list === undefined) out.set(path, [{ node, arrays }]);
      else list.push({ node, arrays });
    }
  }
}

/** An event reduced to its dotted paths, so it can be matched against many patterns. */
export class FlattenedEvent {
  private constructor(readonly fields: ReadonlyMap<string, readonly Leaf[]>) {}

  static fromTree(tree: JsonNode): FlattenedEvent {
    const fields = new Map<string, Leaf[]>();
    flatten(tree, '', [], fields, { next: 0 });
    return new FlattenedEvent(fields);
  }
}

export function flattenEvent(event: object): FlattenedEvent {
  return FlattenedEvent.fromTree(toJsonTree(event));
}

function consistent(a: Leaf, b: Leaf): boolean {
  for (const [id, index] of a.arrays) {
    for (const [otherId, otherIndex] of b.arrays) {
      if (id === otherId && index !== otherIndex) return false;
    }
  }
  return true;
}

function branchMatches(
  branch: ReadonlyMap<string, readonly Matcher[]>,
  fields: ReadonlyMap<string, readonly Leaf[]>,
): boolean {
  const slots: Leaf[][] = [];
  for (const [path, matchers] of branch) {
    const leaves = fields.get(path) ?? [];
    if (leaves.length === 0 && matchers.some((m) => m.absence)) continue;
    const candidates = leaves.filter((leaf) => matchers.some((m) => !m.absence && m.test(leaf.node)));
    if (candidates.length === 0) return false;
    slots.push(candidates);
  }
  slots.sort((a, b) => a.length - b.length);
  const chosen: Leaf[] = [];
  const search = (i: number): boolean => {
    if (i === slots.length) return true;
    for (const candidate of slots[i] as Leaf[]) {
      if (chosen.every((c) => consistent(c, candidate))) {
        chosen.push(candidate);
        if (search(i + 1)) return true;
        chosen.pop();
      }
    }
    return false;
  };
  return search(0);
}

/** True when the event matches the compiled pattern. */
export function matches(pattern: CompiledPattern, event: object | FlattenedEvent): boolean {
  const flat = event instanceof FlattenedEvent ? event : flattenEvent(event);
  return pattern.branches.some((branch) => branchMatches(branch, flat.fields));
}

/** The members TestEventPattern requires in an event. */
const REQUIRED_EVENT_FIELDS = ['id', 'account', 'source', 'time', 'region', 'detail-type'];

export class InvalidEventError extends Error {
  readonly code = 'ValidationException';
  constructor() {
    super('Parameter Event is not valid.');
    this.name = 'InvalidEventError';
  }
}

/** Parses an event as TestEventPattern does: a JSON object with the envelope's mandatory members. */
export function parseTestEvent(text: string): FlattenedEvent {
  let tree: JsonNode;
  try {
    tree = parseJsonTree(text);
  } catch {
    throw new InvalidEventError();
  }
  if (tree.kind !== 'object') throw new InvalidEventError();
  const keys = new Set(tree.entries.map(([key]) => key));
  if (!REQUIRED_EVENT_FIELDS.every((field) => keys.has(field))) throw new InvalidEventError();
  return FlattenedEvent.fromTree(tree);
}
