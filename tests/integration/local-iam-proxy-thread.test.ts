/**
 * The authorizing proxies on their own thread (local/iam/proxy-thread.ts), as the local cloud runs
 * them: the main thread's authority hands out a function's credentials, the thread learns of them
 * before any call (`synced`), refuses what the role does not allow with DynamoDB's own error, logs
 * the denial through the main thread, forwards the rest to DynamoDB Local, and closes.
 */
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { IamAuthority } from '#local/iam/authority.ts';
import { keySchemasOf } from '#local/iam/dynamodb.ts';
import { type ProxyThread, startProxyThread } from '#local/iam/proxy-host.ts';
import { localDynamoClient, uniqueTableName } from '../support/dynamodb';
import { createPartnersTable } from '../support/tables';

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const TABLE = uniqueTableName('iam-thread');
const TABLE_ARN = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${TABLE}`;
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/writer-role`;

const lines: string[] = [];
let thread: ProxyThread;
let asFunction: ConstructorParameters<typeof DynamoDBClient>[0];
const asOperator = { region: REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
const key = (pk: string) => ({ PK: { S: pk }, SK: { S: 'ROW' } });
const item = (pk: string) => ({ TableName: TABLE, Item: key(pk) });

beforeAll(async () => {
  const admin = localDynamoClient();
  await createPartnersTable(admin, TABLE);
  admin.destroy();
  thread = await startProxyThread(
    {
      enabled: true,
      accountId: ACCOUNT,
      region: REGION,
      host: '127.0.0.1',
      dynamodbUpstream: inject('dynamodbEndpoint'),
      keys: keySchemasOf([
        { physicalId: TABLE, properties: { KeySchema: [{ AttributeName: 'PK', KeyType: 'HASH' }] } },
      ]),
    },
    (line) => lines.push(line),
  );
  const authority = new IamAuthority({
    enabled: true,
    accountId: ACCOUNT,
    roles: new Map([
      [
        ROLE_ARN,
        {
          roleName: 'writer-role',
          roleArn: ROLE_ARN,
          statements: [
            {
              Effect: 'Allow',
              Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
              Resource: TABLE_ARN,
              Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['ITEM#*'] } },
            },
          ],
        },
      ],
    ]),
    log: (line) => lines.push(line),
    onPrincipal: (accessKeyId, principal) => thread.admit(accessKeyId, principal),
  });
  const credentials = authority.credentialsFor('writer', ROLE_ARN)!;
  asFunction = {
    region: REGION,
    maxAttempts: 1,
    credentials: {
      accessKeyId: credentials.AWS_ACCESS_KEY_ID,
      secretAccessKey: credentials.AWS_SECRET_ACCESS_KEY,
      sessionToken: credentials.AWS_SESSION_TOKEN,
    },
  };
  await thread.synced();
});

afterAll(async () => {
  await thread?.close();
});

describe('the IAM proxy thread', () => {
  it('listens on loopback, forwards what the role allows and refuses the rest as DynamoDB does', async () => {
    expect(new URL(thread.dynamodbEndpoint).hostname).toBe('127.0.0.1');
    const fn = new DynamoDBClient({ ...asFunction, endpoint: thread.dynamodbEndpoint });
    await fn.send(new PutItemCommand(item('ITEM#1')));
    const refused = await fn.send(new PutItemCommand(item('PARTNER#1'))).then(
      () => undefined,
      (error: Error & { $metadata?: { httpStatusCode?: number } }) => error,
    );
    expect(refused?.name).toBe('AccessDeniedException');
    expect(refused?.$metadata?.httpStatusCode).toBe(400);
    expect(refused?.message).toContain(
      `is not authorized to perform: dynamodb:PutItem on resource: ${TABLE_ARN}`,
    );
    // The denial is logged by the main thread's log, named by function, action and resource.
    await vi.waitFor(() =>
      expect(lines).toContain(
        `[iam] denied writer: dynamodb:PutItem on ${TABLE_ARN} (no identity-based policy allows it; role writer-role)`,
      ),
    );
    const admin = new DynamoDBClient({ ...asOperator, endpoint: thread.dynamodbEndpoint });
    expect((await admin.send(new GetItemCommand({ TableName: TABLE, Key: key('ITEM#1') }))).Item).toEqual(
      key('ITEM#1'),
    );
    // The refused write never reached DynamoDB Local.
    expect(
      (await admin.send(new GetItemCommand({ TableName: TABLE, Key: key('PARTNER#1') }))).Item,
    ).toBeUndefined();
    fn.destroy();
    admin.destroy();
  });

  it('stops listening when closed', async () => {
    const endpoint = thread.dynamodbEndpoint;
    await thread.close();
    await expect(fetch(endpoint, { method: 'POST', body: '{}' })).rejects.toThrow();
  });
});
