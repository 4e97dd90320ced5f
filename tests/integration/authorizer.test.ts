import { afterAll, beforeAll, beforeEach, describe, expect, inject, it, type MockInstance, vi } from 'vitest';
import { DynamoPartnerStore } from '#shared/adapters/dynamodb/partner-store.ts';
import { generateApiKey } from '#shared/domain/api-keys.ts';
import { newId } from '#shared/domain/ids.ts';
import type { ApiKeyRecord } from '#shared/domain/ports.ts';
import { authorizerEvent, lambdaContext } from '../support/api-events';
import { localDynamoClient, uniqueTableName } from '../support/dynamodb';
import { createPartnersTable } from '../support/tables';

const tableName = uniqueTableName('authorizer');
const client = localDynamoClient();
const partners = new DynamoPartnerStore(client, tableName);
let handler: typeof import('#functions/authorizer/handler.ts').handler;

async function addPartner(scopes = ['items:read', 'items:write']) {
  const partnerId = newId('ptn');
  const key = generateApiKey();
  const createdAt = new Date().toISOString();
  const record: ApiKeyRecord = {
    keyHash: key.keyHash,
    keyPrefix: key.keyPrefix,
    partnerId,
    partnerName: 'Kuwait News Agency',
    scopes,
    status: 'active',
    createdAt,
  };
  await partners.createPartner({ partnerId, name: record.partnerName, status: 'active', createdAt }, record);
  return { partnerId, apiKey: key.apiKey };
}

// Everything the function writes, to prove keys never reach the logs.
let output: string[] = [];
let spies: MockInstance[] = [];
const logs = () => output.join('');

beforeAll(async () => {
  await createPartnersTable(client, tableName);
  Object.assign(process.env, {
    PARTNERS_TABLE_NAME: tableName,
    AWS_ENDPOINT_URL_DYNAMODB: inject('dynamodbEndpoint'),
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    POWERTOOLS_SERVICE_NAME: 'authorizer',
    POWERTOOLS_METRICS_NAMESPACE: 'Diplowire',
    // The most talkative settings an operator could choose: the key must still not appear.
    POWERTOOLS_LOG_LEVEL: 'DEBUG',
    POWERTOOLS_LOGGER_LOG_EVENT: 'true',
  });
  ({ handler } = await import('#functions/authorizer/handler.ts'));
});

beforeEach(() => {
  output = [];
  const capture = (chunk: unknown) => {
    output.push(String(chunk));
    return true;
  };
  spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(capture),
    vi.spyOn(process.stderr, 'write').mockImplementation(capture),
  ];
  return () => {
    for (const spy of spies) spy.mockRestore();
  };
});

afterAll(() => client.destroy());

describe('authorizer', () => {
  it('passes the partner, its name and its scopes for an active key', async () => {
    const { partnerId, apiKey } = await addPartner(['items:read', 'items:write']);
    const result = await handler(authorizerEvent(`Bearer ${apiKey}`), lambdaContext('authorizer'));
    expect(result).toEqual({
      isAuthorized: true,
      context: { partnerId, partnerName: 'Kuwait News Agency', scopes: 'items:read items:write' },
    });
    expect(logs()).toContain('API key accepted');
    expect(logs()).not.toContain(apiKey);
    expect(logs()).not.toContain(apiKey.slice(12));
  });

  it('accepts the scheme in any case', async () => {
    const { partnerId, apiKey } = await addPartner(['items:read']);
    const result = await handler(authorizerEvent(`bearer ${apiKey}`), lambdaContext('authorizer'));
    expect(result.context).toEqual({ partnerId, partnerName: 'Kuwait News Agency', scopes: 'items:read' });
  });

  it('flags an unknown key (well-formed, never issued)', async () => {
    const { apiKey } = generateApiKey();
    const result = await handler(authorizerEvent(`Bearer ${apiKey}`), lambdaContext('authorizer'));
    expect(result).toEqual({ isAuthorized: true, context: { authError: 'invalid-key' } });
    expect(logs()).toContain('"reason":"unknown"');
    expect(logs()).not.toContain(apiKey.slice(4));
  });

  it('flags a revoked key', async () => {
    const { partnerId, apiKey } = await addPartner();
    expect(await partners.revoke(partnerId)).toBe(partnerId);
    const result = await handler(authorizerEvent(`Bearer ${apiKey}`), lambdaContext('authorizer'));
    expect(result).toEqual({ isAuthorized: true, context: { authError: 'invalid-key' } });
    expect(logs()).toContain('"reason":"revoked"');
    expect(logs()).not.toContain(apiKey.slice(12));
  });

  it.each([
    ['a missing header', undefined],
    ['an empty header', ''],
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['a bare key', 'dwk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['a truncated key', 'Bearer dwk_short'],
    ['two tokens', 'Bearer dwk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA extra'],
  ])('flags %s', async (_, header) => {
    const result = await handler(authorizerEvent(header), lambdaContext('authorizer'));
    expect(result).toEqual({ isAuthorized: true, context: { authError: 'invalid-key' } });
    expect(logs()).toContain('"reason":"malformed-or-missing"');
    if (header) expect(logs()).not.toContain(header);
  });

  it('never writes a valid key anywhere, even with event logging switched on by the environment', async () => {
    const { apiKey } = await addPartner();
    await handler(authorizerEvent(`Bearer ${apiKey}`), lambdaContext('authorizer'));
    await handler(authorizerEvent(`Bearer ${apiKey}x`), lambdaContext('authorizer'));
    expect(logs().length).toBeGreaterThan(0);
    expect(logs()).not.toContain(apiKey.slice(12));
    expect(logs()).not.toContain('Lambda invocation event');
  });
});
