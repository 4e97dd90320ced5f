/**
 * IAM in the local cloud, through unmodified SDK clients: a function's credentials are checked
 * against its role's policy by the DynamoDB proxy (in front of the DynamoDB Local of the global
 * setup) and by the local EventBridge, SQS and Scheduler; refusals reach the SDK as the service's
 * AccessDeniedException. The operator's credentials, and a disabled authority, are never refused.
 */
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LocalEventBridge } from '#local/eventbridge/index.ts';
import { IamAuthority } from '#local/iam/authority.ts';
import { dynamoDbRequests, keySchemasOf } from '#local/iam/dynamodb.ts';
import { eventBridgeAuthorizer, schedulerAuthorizer, sqsAuthorizer } from '#local/iam/endpoints.ts';
import type { PolicyStatement } from '#local/iam/policy.ts';
import { type AuthorizingProxy, dynamoDbDenied, startAuthorizingProxy } from '#local/iam/proxy.ts';
import { LocalScheduler } from '#local/scheduler/index.ts';
import { LocalSqs } from '#local/sqs/index.ts';
import { freePort } from '#local/support/ports.ts';
import { uniqueTableName } from '../support/dynamodb';

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const scope = { region: REGION, accountId: ACCOUNT };
const TABLE = uniqueTableName('iam-items');
const TABLE_ARN = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${TABLE}`;
const BUS_ARN = `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/app`;
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/writer-role`;
const TARGET_ROLE = `arn:aws:iam::${ACCOUNT}:role/scheduler-role`;
const SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/writer-role/writer`;

const STATEMENTS: PolicyStatement[] = [
  {
    Effect: 'Allow',
    Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:Scan'],
    Resource: TABLE_ARN,
    Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['ITEM#*'] } },
  },
  {
    Effect: 'Allow',
    Action: 'events:PutEvents',
    Resource: BUS_ARN,
    Condition: { StringEquals: { 'events:source': 'app' } },
  },
  { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: `arn:aws:sqs:${REGION}:${ACCOUNT}:allowed` },
  {
    Effect: 'Allow',
    Action: 'scheduler:CreateSchedule',
    Resource: `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/default/ok-*`,
  },
  {
    Effect: 'Allow',
    Action: 'iam:PassRole',
    Resource: TARGET_ROLE,
    Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
  },
];

const denials: string[] = [];
let enabled = true;
const authority = new IamAuthority({
  get enabled() {
    return enabled;
  },
  accountId: ACCOUNT,
  roles: new Map([[ROLE_ARN, { roleName: 'writer-role', roleArn: ROLE_ARN, statements: STATEMENTS }]]),
  log: (line) => denials.push(line),
});
const fnCredentials = authority.credentialsFor('writer', ROLE_ARN)!;
const asFunction = {
  region: REGION,
  credentials: {
    accessKeyId: fnCredentials.AWS_ACCESS_KEY_ID,
    secretAccessKey: fnCredentials.AWS_SECRET_ACCESS_KEY,
    sessionToken: fnCredentials.AWS_SESSION_TOKEN,
  },
};
const asOperator = { region: REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

let proxy: AuthorizingProxy;
let sqs: LocalSqs;
let bridge: LocalEventBridge;
let scheduler: LocalScheduler;
const endpoints: Record<string, string> = {};

beforeAll(async () => {
  const admin = new DynamoDBClient({ ...asOperator, endpoint: inject('dynamodbEndpoint') });
  await admin.send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'PK', AttributeType: 'S' },
        { AttributeName: 'GSI1PK', AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: 'PK', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'GSI1',
          KeySchema: [{ AttributeName: 'GSI1PK', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
  admin.destroy();
  const keys = keySchemasOf([
    {
      physicalId: TABLE,
      properties: {
        KeySchema: [{ AttributeName: 'PK', KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [
          { IndexName: 'GSI1', KeySchema: [{ AttributeName: 'GSI1PK', KeyType: 'HASH' }] },
        ],
      },
    },
  ]);
  proxy = await startAuthorizingProxy({
    upstream: inject('dynamodbEndpoint'),
    authority,
    describe: (target, input) => dynamoDbRequests(target, input, { ...scope, keys }),
    denied: dynamoDbDenied,
    log: () => {},
  });
  endpoints.dynamodb = proxy.endpoint;
  sqs = new LocalSqs({
    queues: [{ name: 'allowed' }, { name: 'other' }],
    ...scope,
    log: () => {},
    authorize: sqsAuthorizer(authority, scope),
  });
  endpoints.sqs = await sqs.listen(0);
  bridge = new LocalEventBridge({
    buses: [{ name: 'app', arn: BUS_ARN }],
    rules: [],
    archives: [],
    ...scope,
    invokeTarget: async () => {},
    sendToDeadLetter: async () => {},
    authorize: eventBridgeAuthorizer(authority, scope),
  });
  // (listen(0) answers port 0 in its URL: take a free port first.)
  endpoints.eventbridge = await bridge.listen(await freePort());
  scheduler = new LocalScheduler({
    ...scope,
    invokeTarget: async () => {},
    sendToDeadLetter: async () => {},
    authorize: schedulerAuthorizer(authority, scope),
  });
  endpoints.scheduler = await scheduler.listen(0);
});

afterAll(async () => {
  await proxy?.close();
  await sqs?.close();
  await bridge?.close();
  await scheduler?.close();
});

async function refusal(call: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  const error = (await call.then(
    () => undefined,
    (e: unknown) => e,
  )) as (Error & { $metadata?: { httpStatusCode?: number } }) | undefined;
  if (!error) throw new Error('expected the call to be refused');
  return { name: error.name, message: error.message, status: error.$metadata?.httpStatusCode };
}

const item = (pk: string) => ({ TableName: TABLE, Item: { PK: { S: pk }, GSI1PK: { S: 'G' } } });

describe('DynamoDB through the authorizing proxy', () => {
  const fn = () => new DynamoDBClient({ ...asFunction, endpoint: endpoints.dynamodb, maxAttempts: 1 });

  it('forwards what the role allows and refuses the rest with DynamoDB’s AccessDeniedException', async () => {
    await fn().send(new PutItemCommand(item('ITEM#1')));
    denials.length = 0;
    const refused = await refusal(fn().send(new PutItemCommand(item('PARTNER#1'))));
    expect(refused).toEqual({
      name: 'AccessDeniedException',
      status: 400,
      message: `User: ${SESSION} is not authorized to perform: dynamodb:PutItem on resource: ${TABLE_ARN} because no identity-based policy allows the dynamodb:PutItem action`,
    });
    expect(denials).toEqual([
      `[iam] denied writer: dynamodb:PutItem on ${TABLE_ARN} (no identity-based policy allows it; role writer-role)`,
    ]);
    // The refused write never reached DynamoDB Local.
    const admin = new DynamoDBClient({ ...asOperator, endpoint: endpoints.dynamodb });
    expect(
      (await admin.send(new GetItemCommand({ TableName: TABLE, Key: { PK: { S: 'PARTNER#1' } } }))).Item,
    ).toBeUndefined();
  });

  it('checks the index ARN of a Query and refuses a Scan under a LeadingKeys condition', async () => {
    const query = (IndexName?: string) =>
      fn().send(
        new QueryCommand({
          TableName: TABLE,
          ...(IndexName && { IndexName }),
          KeyConditionExpression: IndexName ? 'GSI1PK = :v' : '#pk = :v',
          ...(!IndexName && { ExpressionAttributeNames: { '#pk': 'PK' } }),
          ExpressionAttributeValues: { ':v': { S: IndexName ? 'G' : 'ITEM#1' } },
        }),
      );
    expect((await query()).Count).toBe(1);
    expect((await refusal(query('GSI1'))).message).toContain(
      `dynamodb:Query on resource: ${TABLE_ARN}/index/GSI1`,
    );
    expect((await refusal(fn().send(new ScanCommand({ TableName: TABLE })))).name).toBe(
      'AccessDeniedException',
    );
  });

  it('lets the operator’s credentials do anything, and a disabled authority refuse nothing', async () => {
    const admin = new DynamoDBClient({ ...asOperator, endpoint: endpoints.dynamodb });
    await admin.send(new PutItemCommand(item('PARTNER#2')));
    enabled = false;
    try {
      await fn().send(new PutItemCommand(item('PARTNER#3')));
    } finally {
      enabled = true;
    }
  });
});

describe('EventBridge, SQS and Scheduler', () => {
  it('PutEvents: entries under a source the role may not use fail alone; another bus fails the call', async () => {
    const events = new EventBridgeClient({ ...asFunction, endpoint: endpoints.eventbridge, maxAttempts: 1 });
    const entry = (Source: string, EventBusName = 'app') => ({
      Source,
      DetailType: 'T',
      Detail: '{}',
      EventBusName,
    });
    const result = await events.send(new PutEventsCommand({ Entries: [entry('app'), entry('other')] }));
    expect(result.FailedEntryCount).toBe(1);
    expect(result.Entries?.[0]?.EventId).toBeDefined();
    expect(result.Entries?.[1]).toEqual({
      ErrorCode: 'NotAuthorizedForSourceException',
      ErrorMessage: 'Not authorized for the source.',
    });
    expect((bridge.eventLog('app').buses.app ?? []).map((r) => r.event.source)).toEqual(['app']);
    const refused = await refusal(events.send(new PutEventsCommand({ Entries: [entry('app', 'default')] })));
    expect(refused.name).toBe('AccessDeniedException');
    expect(refused.message).toContain(
      `events:PutEvents on resource: arn:aws:events:${REGION}:${ACCOUNT}:event-bus/default`,
    );
  });

  it('SQS: SendMessage to a queue outside the grant is refused with 403 AccessDenied', async () => {
    const client = new SQSClient({ ...asFunction, endpoint: endpoints.sqs, maxAttempts: 1 });
    await client.send(new SendMessageCommand({ QueueUrl: sqs.queueUrl('allowed'), MessageBody: 'x' }));
    const refused = await refusal(
      client.send(new SendMessageCommand({ QueueUrl: sqs.queueUrl('other'), MessageBody: 'x' })),
    );
    expect(refused.status).toBe(403);
    expect(refused.name).toMatch(/^AccessDenied/);
    expect(refused.message).toContain(`sqs:SendMessage on resource: arn:aws:sqs:${REGION}:${ACCOUNT}:other`);
    expect(sqs.engine.counts('other')).toMatchObject({ visible: 0 });
  });

  it('Scheduler: CreateSchedule needs the schedule ARN and iam:PassRole on the target role', async () => {
    const client = new SchedulerClient({ ...asFunction, endpoint: endpoints.scheduler, maxAttempts: 1 });
    const create = (Name: string, RoleArn: string) =>
      client.send(
        new CreateScheduleCommand({
          Name,
          ScheduleExpression: 'at(2099-01-01T00:00:00)',
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: { Arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:allowed`, RoleArn },
        }),
      );
    expect((await create('ok-1', TARGET_ROLE)).ScheduleArn).toContain('schedule/default/ok-1');
    const wrongName = await refusal(create('nope', TARGET_ROLE));
    expect(wrongName).toMatchObject({ name: 'AccessDeniedException', status: 403 });
    const wrongRole = await refusal(create('ok-2', `arn:aws:iam::${ACCOUNT}:role/admin`));
    expect(wrongRole.message).toContain('iam:PassRole on resource: arn:aws:iam::000000000000:role/admin');
  });
});
