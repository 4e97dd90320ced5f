/**
 * IAM identity-policy evaluation, as AWS documents it for one principal's identity-based policies:
 * an explicit Deny wins, then any Allow, otherwise the request is implicitly denied. Pure: no I/O.
 *
 * Covered: Action/NotAction (wildcards `*` and `?`, case-insensitive), Resource/NotResource (wildcards,
 * case-sensitive), and the condition operators policies commonly use (String*, Arn*, Bool, Null,
 * Numeric*, Date*), with the `ForAllValues:`/`ForAnyValue:` set qualifiers and the `IfExists` suffix.
 * Policy variables (`${aws:username}`) are not substituted: no project policy uses them.
 */

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

/**
 * Values of the request's condition keys, by key (matched case-insensitively). `null` is a key the
 * request has but whose value the local cloud cannot know (e.g. `dynamodb:LeadingKeys` of a Scan):
 * every condition on it fails, so an Allow that depends on it never applies.
 */
export type RequestContext = Readonly<Record<string, readonly string[] | null | undefined>>;

export interface AuthorizationRequest {
  /** `service:Operation`, e.g. `dynamodb:PutItem`. */
  action: string;
  /** The resource ARN, or `*` for actions without resource-level permissions. */
  resource: string;
  context?: RequestContext;
}

export type Decision =
  | { effect: 'allow'; statement: PolicyStatement }
  | { effect: 'explicit-deny'; statement: PolicyStatement }
  | { effect: 'implicit-deny' };

export function evaluate(statements: readonly PolicyStatement[], request: AuthorizationRequest): Decision {
  let allowedBy: PolicyStatement | undefined;
  for (const statement of statements) {
    if (!applies(statement, request)) continue;
    if (statement.Effect === 'Deny') return { effect: 'explicit-deny', statement };
    allowedBy ??= statement;
  }
  return allowedBy ? { effect: 'allow', statement: allowedBy } : { effect: 'implicit-deny' };
}

function applies(statement: PolicyStatement, request: AuthorizationRequest): boolean {
  const actionMatches =
    statement.Action !== undefined
      ? list(statement.Action).some((pattern) => wildcardMatch(pattern, request.action, true))
      : statement.NotAction !== undefined &&
        !list(statement.NotAction).some((pattern) => wildcardMatch(pattern, request.action, true));
  if (!actionMatches) return false;
  const resourceMatches =
    statement.Resource !== undefined
      ? list(statement.Resource).some((pattern) => wildcardMatch(pattern, request.resource, false))
      : statement.NotResource !== undefined &&
        !list(statement.NotResource).some((pattern) => wildcardMatch(pattern, request.resource, false));
  if (!resourceMatches) return false;
  return conditionsHold(statement.Condition, request.context ?? {});
}

function list(value: string | string[]): string[] {
  return Array.isArray(value) ? value : [value];
}

/** IAM's glob: `*` any run of characters (also across `:` and `/`), `?` exactly one. */
export function wildcardMatch(pattern: string, value: string, ignoreCase: boolean): boolean {
  if (pattern === '*') return true;
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const v = ignoreCase ? value.toLowerCase() : value;
  // Iterative glob with backtracking on the last `*`: linear in practice, no regex built per call.
  let pi = 0;
  let vi = 0;
  let star = -1;
  let mark = 0;
  while (vi < v.length) {
    if (pi < p.length && (p[pi] === '?' || p[pi] === v[vi])) {
      pi++;
      vi++;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++;
      mark = vi;
    } else if (star >= 0) {
      pi = star + 1;
      vi = ++mark;
    } else return false;
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

// --- conditions -------------------------------------------------------------------------------------------

type Comparator = (requestValue: string, policyValue: string) => boolean;

const numeric = (compare: (a: number, b: number) => boolean): Comparator => {
  return (a, b) => {
    const x = Number(a);
    const y = Number(b);
    return Number.isFinite(x) && Number.isFinite(y) && compare(x, y);
  };
};
const date = (compare: (a: number, b: number) => boolean): Comparator => {
  const time = (s: string) => (/^\d+$/.test(s) ? Number(s) * 1000 : Date.parse(s));
  return (a, b) => {
    const x = time(a);
    const y = time(b);
    return Number.isFinite(x) && Number.isFinite(y) && compare(x, y);
  };
};

/** Positive comparators; each `…Not…` operator is the negation of its positive twin. */
const COMPARATORS: Record<string, Comparator> = {
  stringequals: (a, b) => a === b,
  stringequalsignorecase: (a, b) => a.toLowerCase() === b.toLowerCase(),
  stringlike: (a, b) => wildcardMatch(b, a, false),
  arnequals: (a, b) => arnLike(a, b),
  arnlike: (a, b) => arnLike(a, b),
  bool: (a, b) => a.toLowerCase() === b.toLowerCase(),
  numericequals: numeric((a, b) => a === b),
  numericlessthan: numeric((a, b) => a < b),
  numericlessthanequals: numeric((a, b) => a <= b),
  numericgreaterthan: numeric((a, b) => a > b),
  numericgreaterthanequals: numeric((a, b) => a >= b),
  dateequals: date((a, b) => a === b),
  datelessthan: date((a, b) => a < b),
  datelessthanequals: date((a, b) => a <= b),
  dategreaterthan: date((a, b) => a > b),
  dategreaterthanequals: date((a, b) => a >= b),
};
const NEGATED: Record<string, string> = {
  stringnotequals: 'stringequals',
  stringnotequalsignorecase: 'stringequalsignorecase',
  stringnotlike: 'stringlike',
  arnnotequals: 'arnequals',
  arnnotlike: 'arnlike',
  numericnotequals: 'numericequals',
  datenotequals: 'dateequals',
};

/** Operators this evaluator knows; anything else makes its statement never apply (reported at start). */
export function isSupportedOperator(operator: string): boolean {
  const { base } = parseOperator(operator);
  return base === 'null' || base in COMPARATORS || base in NEGATED;
}

/** ARNs compare per colon-separated part, each part a glob (ArnLike; ArnEquals behaves the same in IAM). */
function arnLike(value: string, pattern: string): boolean {
  const v = value.split(':');
  const p = pattern.split(':');
  if (p.length < 6 || v.length < 6) return wildcardMatch(pattern, value, false);
  // The sixth part (resource) may itself contain colons.
  const head = (parts: string[]) => [...parts.slice(0, 5), parts.slice(5).join(':')];
  const hv = head(v);
  return head(p).every((part, i) => wildcardMatch(part, hv[i]!, false));
}

function parseOperator(operator: string): { set?: 'all' | 'any'; base: string; ifExists: boolean } {
  let rest = operator.toLowerCase();
  let set: 'all' | 'any' | undefined;
  if (rest.startsWith('forallvalues:')) {
    set = 'all';
    rest = rest.slice('forallvalues:'.length);
  } else if (rest.startsWith('foranyvalue:')) {
    set = 'any';
    rest = rest.slice('foranyvalue:'.length);
  }
  const ifExists = rest.endsWith('ifexists');
  if (ifExists) rest = rest.slice(0, -'ifexists'.length);
  return { ...(set && { set }), base: rest, ifExists };
}

function contextValue(context: RequestContext, key: string): readonly string[] | null | undefined {
  const wanted = key.toLowerCase();
  for (const [name, value] of Object.entries(context)) if (name.toLowerCase() === wanted) return value;
  return undefined;
}

function policyValues(value: unknown): string[] {
  return (Array.isArray(value) ? value : [value]).map((v) => String(v));
}

/** Every operator, every key within it: all must hold (values of one key are alternatives). */
function conditionsHold(condition: PolicyStatement['Condition'], context: RequestContext): boolean {
  if (condition === undefined) return true;
  return Object.entries(condition).every(([operator, keys]) =>
    Object.entries(keys ?? {}).every(([key, value]) =>
      operatorHolds(operator, contextValue(context, key), policyValues(value)),
    ),
  );
}

function operatorHolds(
  operator: string,
  requestValues: readonly string[] | null | undefined,
  policy: string[],
): boolean {
  const { set, base, ifExists } = parseOperator(operator);
  if (requestValues === null) return false;
  if (base === 'null') {
    const absent = requestValues === undefined || requestValues.length === 0;
    return policy.some((p) => (p.toLowerCase() === 'true') === absent);
  }
  const negatedOf = NEGATED[base];
  const compare = COMPARATORS[negatedOf ?? base];
  if (compare === undefined) return false;
  // "matches" = the value equals/likes at least one policy value; a negated operator wants none.
  const ok = (value: string) => {
    const matches = policy.some((p) => compare(value, p));
    return negatedOf ? !matches : matches;
  };
  const absent = requestValues === undefined || requestValues.length === 0;
  if (set === 'all') return absent || requestValues.every(ok);
  if (set === 'any') return !absent && requestValues.some(ok);
  if (absent) return ifExists;
  return requestValues.some(ok);
}

/** The statements with every condition on `keys` removed: "would this be allowed whatever those keys were". */
export function withoutConditionKeys(
  statements: readonly PolicyStatement[],
  keys: readonly string[],
): PolicyStatement[] {
  const drop = new Set(keys.map((k) => k.toLowerCase()));
  return statements.map((statement) => {
    if (!statement.Condition) return statement;
    const Condition = Object.fromEntries(
      Object.entries(statement.Condition).map(([operator, byKey]) => [
        operator,
        Object.fromEntries(Object.entries(byKey ?? {}).filter(([key]) => !drop.has(key.toLowerCase()))),
      ]),
    );
    return { ...statement, Condition };
  });
}
