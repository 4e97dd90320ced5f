/**
 * The typed TypeScript client of the Diplowire API, for partners: openapi-fetch over the types that
 * openapi-typescript generates from docs/openapi.json (schema.ts). Paths, parameters, bodies and
 * responses (problems included) are checked at compile time.
 *
 *   const diplowire = createDiplowireClient({ baseUrl, apiKey });
 *   const { data, error } = await diplowire.POST('/v1/items', { body: article });
 */
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './schema';

export type { components, operations, paths } from './schema';

export interface DiplowireClientOptions {
  /** The API's base URL, e.g. the stack's `ApiUrl` output or the local cloud's API. */
  baseUrl: string;
  /** A partner API key, `dwk_...`. */
  apiKey: string;
  /** A fetch implementation (default: the global fetch). */
  fetch?: typeof fetch;
}

export type DiplowireClient = Client<paths>;

export function createDiplowireClient(options: DiplowireClientOptions): DiplowireClient {
  return createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/$/, ''),
    headers: { authorization: `Bearer ${options.apiKey}` },
    ...(options.fetch && { fetch: options.fetch }),
  });
}
