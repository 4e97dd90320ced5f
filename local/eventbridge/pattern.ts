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
import { type JsonNode, JsonSyntaxError, parseJsonTree, toJsonTree } from './json';
import { compileValueList, invalid, type LeafNode, type Matcher } from './pattern-matchers';

export { InvalidEventPatternError } from './pattern-matchers';

interface Leaf {
  node: LeafNode;
  /** [arrayId, elementIndex] for every event array this value sits in. */
  arrays: Array<[number, number]>;
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

// ---------- compilation ----------

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
