import type { RouteKey } from './routes';

/**
 * The API's resource paths, filled from the route table's templates (a template that is not a
 * route does not compile), each parameter percent-encoded. Responses, `Location` headers and the
 * events' `bodyRef.href` take their paths from here; nothing else spells `/v1/...`.
 */
type PathTemplate = RouteKey extends `${string} ${infer Path}` ? Path : never;

function fill(template: PathTemplate, params: Record<string, string | number>): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(String(params[name])));
}

export const itemPath = (itemId: string): string => fill('/v1/items/{id}', { id: itemId });
export const versionsPath = (itemId: string): string => fill('/v1/items/{id}/versions', { id: itemId });
/** One version: also where subscribers fetch the bodies an event left out (`bodyRef.href`). */
export const versionPath = (itemId: string, version: number): string =>
  fill('/v1/items/{id}/versions/{version}', { id: itemId, version });
