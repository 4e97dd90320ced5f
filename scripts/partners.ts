/**
 * Operator CLI for partners and their API keys: `npm run partners -- <command>`.
 * Exit codes: 0 ok, 1 operational error (AWS, unknown partner), 2 usage error.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  addKeyToPartner,
  createPartnerWithKey,
  DEFAULT_PARTNER_SCOPES,
} from '#shared/adapters/dynamodb/partner-keys.ts';
import { DynamoPartnerStore, PartnerNotActiveError } from '#shared/adapters/dynamodb/partner-store.ts';
import { DynamoSubscriptionStore } from '#shared/adapters/dynamodb/subscription-store.ts';
import type { Entitlement } from '#shared/domain/feed/model.ts';
import type { PartnerStore } from '#shared/domain/ports.ts';
import { disablePartnerSubscriptions } from '#shared/domain/webhooks/revocation.ts';
import {
  describeEntitlement,
  ENTITLEMENT_COMMANDS,
  ENTITLEMENT_HELP,
  ENTITLEMENT_OPTIONS,
  ENTITLEMENT_USAGE,
  type EntitlementCommand,
  type EntitlementOptions,
  listEntitlements,
  parseEntitlementCommand,
  refuseEntitlementOptions,
  runEntitlementCommand,
} from './partners-entitlements';

const HELP = `Manage Diplowire partners and their API keys.

Usage:
  npm run partners -- create <name> [--scopes items:write,items:read,webhooks:manage] [--json]
  npm run partners -- list [--json]
  npm run partners -- add-key <partnerId> [--scopes ...] [--json]
  npm run partners -- revoke-key <keyPrefix>
  npm run partners -- revoke <partnerId>
${ENTITLEMENT_USAGE}

Commands:
  create   Create a partner with one API key. The key is printed ONCE and only its
           SHA-256 is stored: hand it to the partner over a secure channel.
           --json prints exactly one line: {"partnerId":"...","apiKey":"..."}
  list     List partners: id, name, status, key prefixes, creation time (never keys).
  add-key     Add another API key to an active partner (key rotation: hand out the
              new key, move the partner's systems over, then revoke-key the old one).
              Scopes default to those of the partner's newest key. The key is printed
              once; --json prints {"partnerId":"...","apiKey":"..."}.
  revoke-key  Revoke one key by its prefix (dwk_..., as shown by list). The partner
              and its other keys stay active.
  revoke      Revoke a partner (ptn_...): all its keys, and every webhook
              subscription it registered is disabled. Re-running it is safe.
${ENTITLEMENT_HELP}

Options:
  --table <name>  Partners table (default: env PARTNERS_TABLE_NAME)
  --webhooks-table <name>
                  Webhooks table, for revoke (default: env WEBHOOKS_TABLE_NAME)
  --local         Use the local cloud started by \`npm start\` (.local/endpoints.json)
  --scopes <list> Comma-separated scopes for create and add-key
                  (default: items:write,items:read,webhooks:manage; also known: events:all,
                  which lets the partner's webhooks receive other partners' items: never a
                  default, grant it explicitly, e.g.
                  --scopes items:write,items:read,webhooks:manage,events:all)
  --json          Machine-readable output
  -h, --help      Show this help

Connection: the standard AWS credential chain and region, or DynamoDB Local when
DYNAMODB_ENDPOINT or AWS_ENDPOINT_URL_DYNAMODB is set (region us-east-1 unless
AWS_REGION is set; dummy credentials).

Exit codes: 0 ok, 1 operational error, 2 usage error.
`;

const KNOWN_SCOPES = ['items:write', 'items:read', 'webhooks:manage', 'events:all', 'feed:read'] as const;
const DEFAULT_SCOPES = DEFAULT_PARTNER_SCOPES.join(',');
const MAX_NAME_LENGTH = 200;

class UsageError extends Error {}
class OperationalError extends Error {}

interface Options extends EntitlementOptions {
  table?: string;
  'webhooks-table'?: string;
  local?: boolean;
  scopes?: string;
  json?: boolean;
  help?: boolean;
}

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const { values, positionals } = parseCommandLine(argv);
  const [command, ...args] = positionals;
  if (values.help || command === 'help') {
    process.stdout.write(HELP);
    return;
  }
  if (command === undefined) throw new UsageError('No command given.');
  if ((ENTITLEMENT_COMMANDS as readonly string[]).includes(command)) {
    const entitlementCommand = command as EntitlementCommand;
    const entitlement = parseEntitlementCommand(entitlementCommand, args, values, (m) => new UsageError(m));
    const { client, tableName } = connect(values, env);
    try {
      await runEntitlementCommand(
        entitlementCommand,
        args[0],
        entitlement,
        { client, tableName, json: values.json === true },
        (m) => new OperationalError(m),
      );
    } catch (error) {
      throw describeAwsError(error, tableName);
    } finally {
      client.destroy();
    }
    return;
  }
  if (!['create', 'list', 'revoke', 'add-key', 'revoke-key'].includes(command))
    throw new UsageError(`Unknown command "${command}".`);
  refuseEntitlementOptions(values, (m) => new UsageError(m));
  if (values.scopes !== undefined && command !== 'create' && command !== 'add-key')
    throw new UsageError('--scopes only applies to create and add-key.');

  const expected = command === 'list' ? 0 : 1;
  if (args.length !== expected) {
    throw new UsageError(
      command === 'list'
        ? 'list takes no arguments.'
        : `${command} takes exactly one argument (quote names with spaces).`,
    );
  }
  // Validate the arguments before touching the network.
  const argument = args[0] ?? '';
  const name = command === 'create' ? partnerName(argument) : '';
  const scopes = command === 'create' ? parseScopes(values.scopes ?? DEFAULT_SCOPES) : [];
  const keyScopes =
    command === 'add-key' && values.scopes !== undefined ? parseScopes(values.scopes) : undefined;
  if ((command === 'revoke' || command === 'add-key') && !/^ptn_\S+$/.test(argument)) {
    const hint =
      argument.startsWith('dwk_') && command === 'revoke' ? ' To revoke one key, use revoke-key.' : '';
    throw new UsageError(`Expected a partner id (ptn_...), got "${argument}".${hint}`);
  }
  if (command === 'revoke-key' && !/^dwk_\S+$/.test(argument)) {
    throw new UsageError(`Expected a key prefix (dwk_..., as shown by list), got "${argument}".`);
  }

  const { client, tableName, webhooksTable } = connect(values, env);
  if (command === 'revoke' && !webhooksTable) {
    client.destroy();
    throw new UsageError(
      "revoke also disables the partner's webhooks: pass --webhooks-table <name> or set WEBHOOKS_TABLE_NAME.",
    );
  }
  const store = new DynamoPartnerStore(client, tableName);
  try {
    if (command === 'create') await create(store, name, scopes, values.json === true);
    else if (command === 'list')
      await list(store, values.json === true, await listEntitlements(client, tableName));
    else if (command === 'add-key') await addKey(store, argument, keyScopes, values.json === true);
    else if (command === 'revoke-key') await revokeKey(store, argument);
    else await revoke(store, new DynamoSubscriptionStore(client, webhooksTable ?? ''), argument);
  } catch (error) {
    throw describeAwsError(error, tableName);
  } finally {
    client.destroy();
  }
}

function parseCommandLine(argv: string[]): { values: Options; positionals: string[] } {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        table: { type: 'string' },
        'webhooks-table': { type: 'string' },
        local: { type: 'boolean' },
        scopes: { type: 'string' },
        json: { type: 'boolean' },
        ...ENTITLEMENT_OPTIONS,
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

async function create(store: PartnerStore, name: string, scopes: string[], json: boolean): Promise<void> {
  const { partnerId, apiKey, keyPrefix } = await createPartnerWithKey(store, name, scopes);
  if (json) {
    process.stdout.write(`${JSON.stringify({ partnerId, apiKey })}\n`);
    return;
  }
  process.stdout.write(
    `Created partner ${partnerId} (${name}) with scopes ${scopes.join(', ')}.\n\n` +
      `API key (shown only now; only its hash is stored):\n\n  ${apiKey}\n\n` +
      `Key prefix for listings and revocation: ${keyPrefix}\n`,
  );
}

async function list(
  store: PartnerStore,
  json: boolean,
  entitlements: Map<string, Entitlement>,
): Promise<void> {
  const partners = await store.listPartners();
  if (json) {
    const rows = partners.map(({ partnerId, name, status, keyPrefixes, createdAt }) => ({
      partnerId,
      name,
      status,
      keyPrefixes,
      createdAt,
      ...(entitlements.has(partnerId) && { entitlement: entitlements.get(partnerId) }),
    }));
    process.stdout.write(`${JSON.stringify(rows)}\n`);
    return;
  }
  if (partners.length === 0) {
    process.stdout.write('No partners yet. Create one with: npm run partners -- create "<name>"\n');
    return;
  }
  const header = ['PARTNER ID', 'NAME', 'STATUS', 'KEY PREFIXES', 'CREATED', 'ENTITLEMENT'];
  const rows = partners.map((p) => {
    const entitlement = entitlements.get(p.partnerId);
    const granted = entitlement ? describeEntitlement(entitlement) : '-';
    return [p.partnerId, p.name, p.status, p.keyPrefixes.join(','), p.createdAt, granted];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)));
  for (const row of [header, ...rows]) {
    process.stdout.write(
      `${row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd()}\n`,
    );
  }
}

async function revoke(
  store: PartnerStore,
  webhooks: DynamoSubscriptionStore,
  partnerId: string,
): Promise<void> {
  if ((await store.revoke(partnerId)) === undefined) {
    throw new OperationalError(`No partner matches "${partnerId}"; nothing was revoked.`);
  }
  // After the keys: a key that still works could register a new subscription meanwhile. One that
  // slips in through a gateway-cached key is refused by fan-out and dispatch (docs/security.md).
  const { disabled } = await disablePartnerSubscriptions(webhooks, partnerId, new Date().toISOString());
  process.stdout.write(
    `Revoked partner ${partnerId} and all its API keys; disabled ${disabled} webhook subscription(s).\n`,
  );
}

async function addKey(
  store: DynamoPartnerStore,
  partnerId: string,
  scopes: string[] | undefined,
  json: boolean,
): Promise<void> {
  let created: Awaited<ReturnType<typeof addKeyToPartner>>;
  try {
    created = await addKeyToPartner(store, partnerId, scopes);
  } catch (error) {
    if (error instanceof PartnerNotActiveError)
      throw new OperationalError(`No active partner "${partnerId}"; no key was added.`);
    throw error;
  }
  if (json) {
    process.stdout.write(`${JSON.stringify({ partnerId, apiKey: created.apiKey })}\n`);
    return;
  }
  process.stdout.write(
    `Added a key to partner ${partnerId}.\n\n` +
      `API key (shown only now; only its hash is stored):\n\n  ${created.apiKey}\n\n` +
      `Key prefix for listings and revoke-key: ${created.keyPrefix}\n`,
  );
}

async function revokeKey(store: DynamoPartnerStore, keyPrefix: string): Promise<void> {
  const revoked = await store.revokeKey(keyPrefix);
  if (revoked === undefined) {
    throw new OperationalError(`No key matches "${keyPrefix}"; nothing was revoked.`);
  }
  process.stdout.write(
    revoked.alreadyRevoked
      ? `Key ${keyPrefix} of partner ${revoked.partnerId} was already revoked.\n`
      : `Revoked key ${keyPrefix} of partner ${revoked.partnerId}; its other keys stay active.\n`,
  );
}

function partnerName(raw: string): string {
  const name = raw.normalize('NFC').trim();
  if (name === '') throw new UsageError('The partner name must not be empty.');
  if (name.length > MAX_NAME_LENGTH)
    throw new UsageError(`The partner name is longer than ${MAX_NAME_LENGTH} characters.`);
  return name;
}

function parseScopes(raw: string): string[] {
  const scopes = [...new Set(raw.split(',').map((s) => s.trim()))].filter((s) => s !== '');
  const unknown = scopes.filter((s) => !(KNOWN_SCOPES as readonly string[]).includes(s));
  if (scopes.length === 0 || unknown.length > 0) {
    throw new UsageError(
      `Scopes must be a comma-separated subset of ${KNOWN_SCOPES.join(', ')}; got "${raw}".`,
    );
  }
  return scopes;
}

function connect(
  values: Options,
  env: NodeJS.ProcessEnv,
): { client: DynamoDBClient; tableName: string; webhooksTable: string | undefined } {
  let endpoint = env.DYNAMODB_ENDPOINT || env.AWS_ENDPOINT_URL_DYNAMODB || undefined;
  let tableName = values.table || env.PARTNERS_TABLE_NAME || undefined;
  let webhooksTable = values['webhooks-table'] || env.WEBHOOKS_TABLE_NAME || undefined;

  if (values.local) {
    // Hook for the local cloud: `npm start` writes .local/endpoints.json with its endpoints and table names.
    const local = readLocalEndpoints();
    endpoint = local.dynamodb;
    tableName = values.table || local.partnersTable;
    webhooksTable = values['webhooks-table'] || local.webhooksTable;
  }
  if (!tableName) throw new UsageError('No partners table: pass --table <name> or set PARTNERS_TABLE_NAME.');

  const client = endpoint
    ? new DynamoDBClient({
        endpoint,
        region: env.AWS_REGION || 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      })
    : new DynamoDBClient({});
  return { client, tableName, webhooksTable };
}

function readLocalEndpoints(): { dynamodb: string; partnersTable: string; webhooksTable?: string } {
  // DIPLOWIRE_LOCAL_DIR: the local cloud's data directory when started with --data-dir (tests do).
  const dir = process.env.DIPLOWIRE_LOCAL_DIR ?? fileURLToPath(new URL('../.local', import.meta.url));
  const path = join(dir, 'endpoints.json');
  if (!existsSync(path)) {
    throw new OperationalError(
      `The local cloud is not running (${path} not found). Start it with: npm start`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new OperationalError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  const { dynamodb, partnersTable, webhooksTable } = (parsed ?? {}) as Record<string, unknown>;
  if (typeof dynamodb !== 'string' || typeof partnersTable !== 'string') {
    throw new OperationalError(
      `${path} lacks "dynamodb" or "partnersTable"; restart the local cloud with: npm start`,
    );
  }
  return { dynamodb, partnersTable, ...(typeof webhooksTable === 'string' && { webhooksTable }) };
}

function describeAwsError(error: unknown, tableName: string): unknown {
  if (!(error instanceof Error) || error instanceof UsageError || error instanceof OperationalError)
    return error;
  if (error.name === 'ResourceNotFoundException')
    return new OperationalError(`Table "${tableName}" not found.`);
  return new OperationalError(`${error.name}: ${error.message}`);
}

main(process.argv.slice(2), process.env).then(
  () => {
    process.exitCode = 0;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`partners: ${error.message}\nRun with --help for usage.\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`partners: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    }
  },
);
