/**
 * The items API integration tests' shared set-up and requests: the items-write and items-read handlers
 * against their tables in DynamoDB Local, called as API Gateway calls them, with the stdout and stderr
 * they write captured for assertions. Importing it registers the hooks in the importing file.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, expect, inject, type MockInstance, vi } from 'vitest';
import type { HttpLambdaHandler } from '#shared/adapters/http/index.ts';
import { ItemReceipt, Problem } from '#shared/contracts/api/schemas.ts';
import { newId } from '#shared/domain/ids.ts';
import { type HttpEventInput, httpEvent, lambdaContext, partnerContext, responseHeader } from './api-events';
import { localDynamoClient, uniqueTableName } from './dynamodb';
import { createItemsTable, createPartnersTable } from './tables';

export const tableName = uniqueTableName('api-handlers');
const partnersTableName = uniqueTableName('api-handlers-partners');
export const client = localDynamoClient();
export const documents = DynamoDBDocumentClient.from(client);

const awsEnv = () => ({
  AWS_ENDPOINT_URL_DYNAMODB: inject('dynamodbEndpoint'),
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  POWERTOOLS_METRICS_NAMESPACE: 'Diplowire',
  POWERTOOLS_SERVICE_NAME: 'items-api',
});

export let write: HttpLambdaHandler;
export let read: HttpLambdaHandler;

beforeAll(async () => {
  await createItemsTable(client, tableName);
  await createPartnersTable(client, partnersTableName);
  // Set before importing: the handlers read config and build their clients at module load.
  Object.assign(process.env, awsEnv(), {
    ITEMS_TABLE_NAME: tableName,
    PARTNERS_TABLE_NAME: partnersTableName,
  });
  write = (await import('#functions/items-write/handler.ts')).handler;
  read = (await import('#functions/items-read/handler.ts')).handler;
});

afterAll(() => client.destroy());

// Logs and EMF metrics go to stdout (errors to stderr): keep them for assertions and out of the report.
let streams: MockInstance<typeof process.stdout.write>[] = [];
beforeEach(() => {
  streams = [process.stdout, process.stderr].map((stream) =>
    vi.spyOn(stream, 'write').mockImplementation(() => true),
  );
  return () => {
    for (const stream of streams) stream.mockRestore();
  };
});
export const logged = () =>
  streams.flatMap((stream) => stream.mock.calls.map((call) => String(call[0]))).join('');

// --- requests -------------------------------------------------------------------------------

export const partnerA = partnerContext(newId('ptn'));
export const partnerB = partnerContext(newId('ptn'));

export interface Sent {
  status: number;
  headers: Record<string, string>;
  raw: string;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are checked against the contract schemas below
  body: any;
}

export async function send(handler: HttpLambdaHandler, input: HttpEventInput): Promise<Sent> {
  const response = await handler(httpEvent(input), lambdaContext());
  expect(typeof response.body).toBe('string');
  return {
    status: response.statusCode,
    headers: response.headers,
    raw: response.body,
    body: JSON.parse(response.body),
  };
}

export function item(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    uri: `urn:diplowire:test:${randomUUID()}`,
    language: 'ar',
    headlines: [{ value: 'الكويت وبلجيكا تبحثان العلاقات الثنائية' }],
    bodies: [{ role: 'main', contenttype: 'text/plain', value: 'نص الخبر' }],
    ...overrides,
  };
}

export interface Options {
  partner?: Record<string, unknown> | null;
  headers?: Record<string, string>;
}

const jsonHeaders = (options: Options) => ({ 'content-type': 'application/json', ...options.headers });

export const post = (body: string | undefined, options: Options = {}) =>
  send(write, {
    routeKey: 'POST /v1/items',
    headers: jsonHeaders(options),
    ...(body !== undefined && { body }),
    authorizer: options.partner === undefined ? partnerA : options.partner,
  });

export const put = (id: string, body: string, ifMatch: string | undefined, options: Options = {}) =>
  send(write, {
    routeKey: 'PUT /v1/items/{id}',
    pathParameters: { id },
    headers: { ...jsonHeaders(options), ...(ifMatch !== undefined && { 'if-match': ifMatch }) },
    body,
    authorizer: options.partner === undefined ? partnerA : options.partner,
  });

export const del = (id: string, ifMatch: string | undefined, options: Options = {}) =>
  send(write, {
    routeKey: 'DELETE /v1/items/{id}',
    pathParameters: { id },
    headers: { ...options.headers, ...(ifMatch !== undefined && { 'if-match': ifMatch }) },
    authorizer: options.partner === undefined ? partnerA : options.partner,
  });

export const getItem = (id: string, options: Options = {}) =>
  send(read, {
    routeKey: 'GET /v1/items/{id}',
    pathParameters: { id },
    authorizer: options.partner === undefined ? partnerA : options.partner,
  });

export const getVersions = (id: string, options: Options & { query?: Record<string, string> } = {}) =>
  send(read, {
    routeKey: 'GET /v1/items/{id}/versions',
    pathParameters: { id },
    ...(options.query && { queryStringParameters: options.query }),
    authorizer: options.partner === undefined ? partnerA : options.partner,
  });

export const getVersion = (id: string, version: string, options: Options = {}) =>
  send(read, {
    routeKey: 'GET /v1/items/{id}/versions/{version}',
    pathParameters: { id, version },
    authorizer: options.partner === undefined ? partnerA : options.partner,
  });

export const getTranslation = (id: string, lang: string, options: Options = {}) =>
  send(read, {
    routeKey: 'GET /v1/items/{id}/translations/{lang}',
    pathParameters: { id, lang },
    authorizer: options.partner === undefined ? partnerA : options.partner,
  });

export async function created(document = item()) {
  const response = await post(JSON.stringify(document));
  expect(response.status).toBe(201);
  return { id: ItemReceipt.parse(response.body).id, document };
}

export function expectProblem(response: Sent, status: number, slug: string) {
  expect(response.status, response.raw).toBe(status);
  expect(responseHeader(response, 'content-type')).toBe('application/problem+json');
  const problem = Problem.parse(response.body);
  expect(problem).toMatchObject({ type: `/problems/${slug}`, status });
  return problem;
}
