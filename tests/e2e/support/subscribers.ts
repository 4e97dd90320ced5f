/**
 * Support for the subscriber e2e tests (webhooks, translation, counting): starting the local cloud
 * with extra environment, partners with the webhook scope, the subscriptions API over real HTTP,
 * and test content (a long Arabic body).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { apiClient, type HttpResult, jsonOf } from './helpers';
import { type Endpoints, killLeftoverDynamoDb, type RunningCloud, startCloud } from './local-cloud';
import { REPO_ROOT, synthesize } from './synth';

/**
 * Starts the e2e cloud (fresh, in a new temp data dir) with `env` added to the cloud process's
 * environment (`npm start` passes e.g. AWS_ENDPOINT_URL_TRANSLATE and WEBHOOK_RETRY_SCHEDULE on to
 * the functions). `stop` stops it, checks that no DynamoDB Local outlived it and removes the data.
 */
export async function startSubscriberCloud(
  prefix: string,
  env: Record<string, string> = {},
): Promise<{ cloud: RunningCloud; dataDir: string; stop: () => Promise<void> }> {
  const cdkOut = await synthesize();
  const dataDir = mkdtempSync(join(tmpdir(), `diplowire-e2e-${prefix}-`));
  let cloud: RunningCloud;
  try {
    cloud = await startCloud({ dataDir, cdkOut, fresh: true, env });
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const stop = async () => {
    await cloud.stop();
    // Benchmarks and failing runs can keep the cloud's log for a stage-by-stage look.
    const logDir = process.env.DIPLOWIRE_KEEP_LOGS;
    if (logDir) writeFileSync(join(logDir, `${prefix}.log`), cloud.log());
    const leaked = await killLeftoverDynamoDb(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
    if (leaked.length > 0) throw new Error(`DynamoDB Local (pid ${leaked}) outlived the stopped cloud`);
  };
  return { cloud, dataDir, stop };
}

export const SUBSCRIBER_SCOPES = ['items:write', 'items:read', 'webhooks:manage'];

const execFileAsync = promisify(execFile);

/** `scripts/partners.ts --local create <name> --scopes ... --json` against the cloud of `dataDir`. */
export async function createPartner(
  dataDir: string,
  name: string,
  scopes: string[] = SUBSCRIBER_SCOPES,
): Promise<{ partnerId: string; apiKey: string }> {
  const { stdout } = await execFileAsync(
    'npx',
    ['tsx', 'scripts/partners.ts', '--local', 'create', name, '--scopes', scopes.join(','), '--json'],
    { cwd: REPO_ROOT, env: { ...process.env, DIPLOWIRE_LOCAL_DIR: dataDir }, timeout: 60_000 },
  );
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '') as { partnerId: string; apiKey: string };
}

/** `scripts/partners.ts --local entitle <partnerId> --sources ... --languages ...` against the cloud of `dataDir`. */
export async function entitlePartner(
  dataDir: string,
  partnerId: string,
  grant: { sources: string; languages: string },
): Promise<void> {
  await execFileAsync(
    'npx',
    [
      'tsx',
      'scripts/partners.ts',
      '--local',
      'entitle',
      partnerId,
      '--sources',
      grant.sources,
      '--languages',
      grant.languages,
    ],
    { cwd: REPO_ROOT, env: { ...process.env, DIPLOWIRE_LOCAL_DIR: dataDir }, timeout: 60_000 },
  );
}

export interface SubscriptionBody {
  id: string;
  url: string;
  eventTypes: string[];
  status: 'active' | 'disabled';
  disabledReason?: string;
  secret?: string;
}

export interface DeliveryBody {
  id: string;
  eventId: string;
  eventType: string;
  status: 'pending' | 'succeeded' | 'failed' | 'cancelled';
  reason?: string;
  attempts: Array<{
    sequence: number;
    attempt: number;
    at: string;
    outcome: 'succeeded' | 'failed';
    httpStatus?: number;
    durationMs: number;
    error?: string;
  }>;
}

/** The partner API of one cloud with the subscription routes (docs/webhooks.md). */
export function partnerApi(endpoints: Endpoints, apiKey: string) {
  const base = apiClient(endpoints, apiKey);
  const json = (body: unknown) => ({
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  return {
    ...base,
    subscribe: (body: Record<string, unknown>) => base.request('POST', '/v1/subscriptions', json(body)),
    subscription: (id: string) => base.request('GET', `/v1/subscriptions/${id}`),
    unsubscribe: (id: string) => base.request('DELETE', `/v1/subscriptions/${id}`),
    deliveries: (id: string) => base.request('GET', `/v1/subscriptions/${id}/deliveries`),
    redeliver: (id: string, deliveryId: string) =>
      base.request('POST', `/v1/subscriptions/${id}/deliveries/${deliveryId}/redeliver`),
    translation: (itemId: string, language: string) =>
      base.request('GET', `/v1/items/${itemId}/translations/${language}`),
  };
}

export type PartnerApi = ReturnType<typeof partnerApi>;

/** Registers `url` for `eventTypes` and returns the subscription with its (once-shown) secret. */
export async function subscribe(
  api: PartnerApi,
  url: string,
  eventTypes: string[] = ['NewsItemPublished'],
): Promise<SubscriptionBody & { secret: string }> {
  const result = await api.subscribe({ url, eventTypes });
  if (result.status !== 201)
    throw new Error(`POST /v1/subscriptions answered ${result.status}: ${result.text}`);
  return jsonOf<SubscriptionBody & { secret: string }>(result);
}

export async function deliveriesOf(api: PartnerApi, subscriptionId: string): Promise<DeliveryBody[]> {
  const result: HttpResult = await api.deliveries(subscriptionId);
  if (result.status !== 200) throw new Error(`GET deliveries answered ${result.status}: ${result.text}`);
  return jsonOf<{ deliveries: DeliveryBody[] }>(result).deliveries;
}

const SEED = readFileSync(new URL('../../fixtures/seed/kuwait-belgium-call.ar.txt', import.meta.url), 'utf8');

/**
 * An Arabic plain-text body of at least `minBytes` UTF-8 bytes built from the seed article: first one
 * paragraph longer than the 10,000-byte Translate limit (the seed's lines joined by spaces, twice, so
 * the chunker must cut it at sentence ends or spaces), then the seed's paragraphs repeated.
 */
export function longArabicBody(minBytes = 30_000): string {
  const lines = SEED.split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const longParagraph = [...lines, ...lines].join(' ');
  const paragraphs = [longParagraph];
  let i = 0;
  while (Buffer.byteLength(paragraphs.join('\n\n'), 'utf8') < minBytes) {
    paragraphs.push(lines[i % lines.length] ?? '');
    i++;
  }
  return paragraphs.join('\n\n');
}

/** The words of a text (runs of non-whitespace), in order. */
export const wordsOf = (text: string): string[] => text.split(/\s+/u).filter((word) => word !== '');
