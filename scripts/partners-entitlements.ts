/**
 * The entitlement commands of the partners CLI (`entitle`, `unentitle`, `entitlements`), kept apart
 * from scripts/partners.ts so key management and entitlements evolve separately. See docs/feed.md.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoEntitlementStore, UnknownPartnerError } from '#shared/adapters/dynamodb/entitlement-store.ts';
import { type Entitlement, FEED_TYPES, type FeedType, primaryLanguage } from '#shared/domain/feed/model.ts';
import { isWellFormedLanguageTag } from '#shared/domain/ingest/language-tag.ts';

export const ENTITLEMENT_COMMANDS = ['entitle', 'unentitle', 'entitlements'] as const;
export type EntitlementCommand = (typeof ENTITLEMENT_COMMANDS)[number];

export const ENTITLEMENT_USAGE = `  npm run partners -- entitle <partnerId> --sources <ptn_...,...|all> --languages <tag,...|all>
                     [--types <EventType,...>] [--places <code,...>] [--subjects <code,...>] [--embargoed]
  npm run partners -- unentitle <partnerId>
  npm run partners -- entitlements [--json]
`;

export const ENTITLEMENT_HELP = `  entitle       Grant (or replace) what a consumer may read in GET /v1/feed beyond its own
                items: source partners, item languages, and optionally change types
                (${FEED_TYPES.join(', ')}),
                places and subjects. --embargoed also lets it read held (embargoed,
                withheld) versions when it asks for them. Its keys need the scope feed:read
                (create --scopes feed:read,...). Applies to the consumer's next request.
  unentitle     Remove a consumer's entitlement (its next request sees only its own items).
  entitlements  List entitlements (also shown by list).
`;

export const ENTITLEMENT_OPTIONS = {
  sources: { type: 'string' },
  languages: { type: 'string' },
  types: { type: 'string' },
  places: { type: 'string' },
  subjects: { type: 'string' },
  embargoed: { type: 'boolean' },
} as const;

export interface EntitlementOptions {
  sources?: string;
  languages?: string;
  types?: string;
  places?: string;
  subjects?: string;
  embargoed?: boolean;
  json?: boolean;
}

const ENTITLE_ONLY = ['sources', 'languages', 'types', 'places', 'subjects', 'embargoed'] as const;

/** The entitle options belong to entitle only. */
export function refuseEntitlementOptions(
  values: EntitlementOptions,
  usage: (message: string) => Error,
): void {
  const misplaced = ENTITLE_ONLY.find((name) => values[name] !== undefined);
  if (misplaced) throw usage(`--${misplaced} only applies to entitle.`);
}

/** Checks arguments before any network call; returns the entitlement to write for `entitle`. */
export function parseEntitlementCommand(
  command: EntitlementCommand,
  args: string[],
  values: EntitlementOptions,
  usage: (message: string) => Error,
  now: () => Date = () => new Date(),
): Entitlement | undefined {
  if (command !== 'entitle') refuseEntitlementOptions(values, usage);
  if (command === 'entitlements') {
    if (args.length !== 0) throw usage('entitlements takes no arguments.');
    return undefined;
  }
  if (args.length !== 1 || !/^ptn_\S+$/.test(args[0] ?? '')) {
    throw usage(`${command} takes exactly one partner id (ptn_...).`);
  }
  if (command === 'unentitle') return undefined;
  const list = (
    name: string,
    raw: string | undefined,
    valid: (v: string) => boolean,
  ): string[] | undefined => {
    if (raw === undefined) return undefined;
    const values = [...new Set(raw.split(',').map((v) => v.trim()))].filter((v) => v !== '');
    const bad = values.filter((v) => !valid(v));
    if (values.length === 0 || bad.length > 0)
      throw usage(`--${name}: invalid value(s) ${JSON.stringify(bad)}.`);
    return values;
  };
  const allOr = (name: string, raw: string | undefined, valid: (v: string) => boolean): string[] | 'all' => {
    if (raw === undefined) throw usage(`entitle needs --${name} (a list, or all).`);
    return raw.trim() === 'all' ? 'all' : list(name, raw, valid)!;
  };
  const sources = allOr('sources', values.sources, (v) => /^ptn_\S+$/.test(v));
  const languages = allOr('languages', values.languages, isWellFormedLanguageTag);
  const types = list('types', values.types, (v) => (FEED_TYPES as readonly string[]).includes(v));
  const places = list('places', values.places, (v) => v.length <= 256);
  const subjects = list('subjects', values.subjects, (v) => v.length <= 256);
  return {
    partnerId: args[0]!,
    sources,
    languages: languages === 'all' ? 'all' : [...new Set(languages.map(primaryLanguage))],
    ...(types && { types: types as FeedType[] }),
    ...(places && { places }),
    ...(subjects && { subjects }),
    embargoed: values.embargoed === true,
    updatedAt: now().toISOString(),
  };
}

export function describeEntitlement(e: Entitlement): string {
  const parts = [
    `sources=${e.sources === 'all' ? 'all' : e.sources.join(',')}`,
    `languages=${e.languages === 'all' ? 'all' : e.languages.join(',')}`,
    ...(e.types ? [`types=${e.types.join(',')}`] : []),
    ...(e.places ? [`places=${e.places.join(',')}`] : []),
    ...(e.subjects ? [`subjects=${e.subjects.join(',')}`] : []),
    ...(e.embargoed ? ['embargoed'] : []),
  ];
  return parts.join(' ');
}

export async function listEntitlements(
  client: DynamoDBClient,
  tableName: string,
): Promise<Map<string, Entitlement>> {
  const entitlements = await new DynamoEntitlementStore(client, tableName).list();
  return new Map(entitlements.map((e) => [e.partnerId, e]));
}

export async function runEntitlementCommand(
  command: EntitlementCommand,
  partnerId: string | undefined,
  entitlement: Entitlement | undefined,
  options: { client: DynamoDBClient; tableName: string; json: boolean },
  operational: (message: string) => Error,
): Promise<void> {
  const store = new DynamoEntitlementStore(options.client, options.tableName);
  if (command === 'entitle') {
    try {
      await store.put(entitlement!);
    } catch (error) {
      if (error instanceof UnknownPartnerError)
        throw operational(`No partner ${entitlement!.partnerId}; nothing was granted.`);
      throw error;
    }
    process.stdout.write(`Entitled ${entitlement!.partnerId}: ${describeEntitlement(entitlement!)}\n`);
    return;
  }
  if (command === 'unentitle') {
    if (!(await store.remove(partnerId!))) throw operational(`Partner ${partnerId} has no entitlement.`);
    process.stdout.write(`Removed the entitlement of ${partnerId}.\n`);
    return;
  }
  const all = await store.list();
  if (options.json) {
    process.stdout.write(`${JSON.stringify(all)}\n`);
    return;
  }
  if (all.length === 0) process.stdout.write('No entitlements.\n');
  for (const e of all) process.stdout.write(`${e.partnerId}  ${describeEntitlement(e)}\n`);
}
