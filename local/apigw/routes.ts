/**
 * HTTP API route selection, as API Gateway documents it: an exact (non-greedy) match of path and method
 * wins, then a greedy `{name+}` match, then the `$default` route. Among candidates, literal segments beat
 * path variables, and a named method beats `ANY`.
 */

export const DEFAULT_ROUTE_KEY = '$default';

type Segment =
  | { kind: 'literal'; value: string }
  | { kind: 'variable'; name: string }
  | { kind: 'greedy'; name: string };

export interface CompiledRoute<T> {
  routeKey: string;
  method: string;
  segments: Segment[];
  greedy: boolean;
  target: T;
}

export interface RouteMatch<T> {
  routeKey: string;
  target: T;
  /** Decoded path parameters, or undefined when the route has none (API Gateway omits the field). */
  pathParameters: Record<string, string> | undefined;
}

export class InvalidRouteKeyError extends Error {
  constructor(routeKey: string, reason: string) {
    super(`Invalid HTTP API route key '${routeKey}': ${reason}`);
    this.name = 'InvalidRouteKeyError';
  }
}

export function compileRoute<T>(routeKey: string, target: T): CompiledRoute<T> {
  if (routeKey === DEFAULT_ROUTE_KEY) {
    return { routeKey, method: '*', segments: [], greedy: true, target };
  }
  const match = /^([A-Z]+) (\/\S*)$/.exec(routeKey);
  if (!match) throw new InvalidRouteKeyError(routeKey, "expected '<METHOD> /path' or '$default'");
  const method = match[1]!;
  const path = match[2]!;
  const parts = path === '/' ? [] : path.slice(1).split('/');
  const segments: Segment[] = parts.map((part, index) => {
    const variable = /^\{([^{}+]+)(\+)?\}$/.exec(part);
    if (!variable) return { kind: 'literal', value: part };
    if (variable[2]) {
      if (index !== parts.length - 1) {
        throw new InvalidRouteKeyError(routeKey, 'a greedy path variable must be the last segment');
      }
      return { kind: 'greedy', name: variable[1]! };
    }
    return { kind: 'variable', name: variable[1]! };
  });
  return { routeKey, method, segments, greedy: segments.some((s) => s.kind === 'greedy'), target };
}

/** Matches one compiled route against raw (still percent-encoded) path segments. */
function matchSegments(segments: Segment[], requestSegments: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if (segment.kind === 'greedy') {
      const rest = requestSegments.slice(i).join('/');
      // A greedy variable needs at least one child resource: `/pets/{proxy+}` does not match `/pets`.
      if (rest === '') return undefined;
      params[segment.name] = safeDecode(rest);
      return params;
    }
    const actual = requestSegments[i];
    if (actual === undefined) return undefined;
    if (segment.kind === 'literal') {
      if (safeDecode(actual) !== segment.value) return undefined;
    } else {
      if (actual === '') return undefined;
      params[segment.name] = safeDecode(actual);
    }
  }
  return segments.length === requestSegments.length ? params : undefined;
}

const segmentRank = { literal: 0, variable: 1, greedy: 2 } as const;

/** Negative when a is the better (more specific) candidate. */
function compareSpecificity<T>(a: CompiledRoute<T>, b: CompiledRoute<T>): number {
  if (a.greedy !== b.greedy) return a.greedy ? 1 : -1;
  const length = Math.max(a.segments.length, b.segments.length);
  for (let i = 0; i < length; i++) {
    const sa = a.segments[i];
    const sb = b.segments[i];
    if (!sa || !sb) return sa ? -1 : 1;
    const diff = segmentRank[sa.kind] - segmentRank[sb.kind];
    if (diff !== 0) return diff;
  }
  if (a.method !== b.method) return a.method === 'ANY' ? 1 : b.method === 'ANY' ? -1 : 0;
  return 0;
}

export class RouteTable<T> {
  private readonly routes: CompiledRoute<T>[];
  private readonly defaultRoute: CompiledRoute<T> | undefined;

  constructor(routes: Array<{ routeKey: string; target: T }>) {
    const compiled = routes.map((r) => compileRoute(r.routeKey, r.target));
    this.defaultRoute = compiled.find((r) => r.routeKey === DEFAULT_ROUTE_KEY);
    this.routes = compiled.filter((r) => r.routeKey !== DEFAULT_ROUTE_KEY);
  }

  /** `rawPath` is the request path as sent, without the query string. */
  select(method: string, rawPath: string): RouteMatch<T> | undefined {
    const requestSegments = rawPath === '/' ? [] : rawPath.replace(/^\//, '').split('/');
    let best: { route: CompiledRoute<T>; params: Record<string, string> } | undefined;
    for (const route of this.routes) {
      if (route.method !== method && route.method !== 'ANY') continue;
      const params = matchSegments(route.segments, requestSegments);
      if (!params) continue;
      if (!best || compareSpecificity(route, best.route) < 0) best = { route, params };
    }
    if (best) {
      const hasParams = Object.keys(best.params).length > 0;
      return {
        routeKey: best.route.routeKey,
        target: best.route.target,
        pathParameters: hasParams ? best.params : undefined,
      };
    }
    if (this.defaultRoute) {
      return { routeKey: DEFAULT_ROUTE_KEY, target: this.defaultRoute.target, pathParameters: undefined };
    }
    return undefined;
  }
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
