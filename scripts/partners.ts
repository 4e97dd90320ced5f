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
  createPartnerWithKey,
  DEFAULT_PARTNER_SCOPES,
  DynamoPartnerStore,
} from '../shared/adapters/dynamodb/partner-store';
import type { Entitlement } from '../shared/domain/feed/model';
import type { PartnerStore } from '../shared/domain/ports';
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
  npm run partners -- revoke <partnerId|keyPrefix>
${ENTITLEMENT_USAGE}
Commands:
  create   Create a partner with one API key. The key is printed ONCE and only its
           SHA-256 is stored: hand it to the partner over a secure channel.
           --json prints exactly one line: {"partnerId":"...","apiKey":"..."}
  list     List partners: id, name, status, key prefixes, creation time (never keys).
  revoke   Revoke a partner and all its keys, by partner id (ptn_...) or by
           key prefix (dwk_..., as shown by list).
${ENTITLEMENT_HELP}
Options:
  --table <name>  Partners table (default: env PARTNERS_TABLE_NAME)
  --local         Use the local cloud started by \`npm start\` (.local/endpoints.json)
  --scopes <list> Comma-separated scopes for create
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
  if (!['create', 'list', 'revoke'].includes(command)) throw new UsageError(`Unknown command "${command}".`);
  refuseEntitlementOptions(values, (m) => new UsageError(m));
  if (values.scopes !== undefined && command !== 'create')
    throw new UsageError('--scopes only applies to create.');

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
  if (command === 'revoke' && !/^(ptn|dwk)_\S+$/.test(argument)) {
    throw new UsageError(`Expected a partner id (ptn_...) or a key prefix (dwk_...), got "${argument}".`);
  }

  const { client, tableName } = connect(values, env);
  const store = new DynamoPartnerStore(client, tableName);
  try {
    if (command === 'create') await create(store, name, scopes, values.json === true);
    else if (command === 'list')
      await list(store, values.json === true, await listEntitlements(client, tableName));
    else await revoke(store, argument);
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

async function revoke(store: PartnerStore, partnerIdOrKeyPrefix: string): Promise<void> {
  const partnerId = await store.revoke(partnerIdOrKeyPrefix);
  if (partnerId === undefined) {
    throw new OperationalError(
      `No partner or key prefix matches "${partnerIdOrKeyPrefix}"; nothing was revoked.`,
    );
  }
  process.stdout.write(`Revoked partner ${partnerId} and all its API keys.\n`);
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

function connect(values: Options, env: NodeJS.ProcessEnv): { client: DynamoDBClient; tableName: string } {
  let endpoint = env.DYNAMODB_ENDPOINT || env.AWS_ENDPOINT_URL_DYNAMODB || undefined;
  let tableName = values.table || env.PARTNERS_TABLE_NAME || undefined;

  if (values.local) {
    // Hook for the local cloud: `npm start` writes .local/endpoints.json with its endpoints and table names.
    const local = readLocalEndpoints();
    endpoint = local.dynamodb;
    tableName = values.table || local.partnersTable;
  }
  if (!tableName) throw new UsageError('No partners table: pass --table <name> or set PARTNERS_TABLE_NAME.');

  const client = endpoint
    ? new DynamoDBClient({
        endpoint,
        region: env.AWS_REGION || 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      })
    : new DynamoDBClient({});
  return { client, tableName };
}

function readLocalEndpoints(): { dynamodb: string; partnersTable: string } {
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
  const { dynamodb, partnersTable } = (parsed ?? {}) as Record<string, unknown>;
  if (typeof dynamodb !== 'string' || typeof partnersTable !== 'string') {
    throw new OperationalError(
      `${path} lacks "dynamodb" or "partnersTable"; restart the local cloud with: npm start`,
    );
  }
  return { dynamodb, partnersTable };
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
