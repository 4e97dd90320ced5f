import { describe, expect, it } from 'vitest';
import { accessKeyIdOf, deniedMessage } from '#local/iam/authority.ts';
import { dynamoDbRequests, keySchemasOf } from '#local/iam/dynamodb.ts';
import { schedulerRequests, sqsRequests } from '#local/iam/services.ts';

const keys = keySchemasOf([
  {
    physicalId: 'items',
    properties: {
      KeySchema: [
        { AttributeName: 'PK', KeyType: 'HASH' },
        { AttributeName: 'SK', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        { IndexName: 'GSI1', KeySchema: [{ AttributeName: 'GSI1PK', KeyType: 'HASH' }] },
      ],
    },
  },
  { physicalId: 'partners', properties: { KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }] } },
]);
const scope = { region: 'us-east-1', accountId: '000000000000', keys };
const ddb = (operation: string, input: Record<string, unknown>) =>
  dynamoDbRequests(`DynamoDB_20120810.${operation}`, input, scope);
const TABLE = 'arn:aws:dynamodb:us-east-1:000000000000:table/items';
const PARTNERS = 'arn:aws:dynamodb:us-east-1:000000000000:table/partners';

describe('DynamoDB requests', () => {
  it('item operations: the action on the table, the partition key of Key or Item', () => {
    expect(ddb('GetItem', { TableName: 'items', Key: { PK: { S: 'ITEM#1' }, SK: { S: 'V#1' } } })).toEqual([
      { action: 'dynamodb:GetItem', resource: TABLE, context: { 'dynamodb:LeadingKeys': ['ITEM#1'] } },
    ]);
    expect(ddb('PutItem', { TableName: TABLE, Item: { PK: { N: '42' }, SK: { S: 'x' } } })).toEqual([
      { action: 'dynamodb:PutItem', resource: TABLE, context: { 'dynamodb:LeadingKeys': ['42'] } },
    ]);
  });

  it('Query: the index ARN for IndexName, the partition value of the key condition', () => {
    const [onTable] = ddb('Query', {
      TableName: 'items',
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': 'PK', '#sk': 'SK' },
      ExpressionAttributeValues: { ':pk': { S: 'TRANSLATION#1' }, ':prefix': { S: 'V#' } },
    });
    expect(onTable).toEqual({
      action: 'dynamodb:Query',
      resource: TABLE,
      context: { 'dynamodb:LeadingKeys': ['TRANSLATION#1'] },
    });
    const [onIndex] = ddb('Query', {
      TableName: 'items',
      IndexName: 'GSI1',
      KeyConditionExpression: ':v = GSI1PK AND SK BETWEEN :a AND :b',
      ExpressionAttributeValues: { ':v': { S: 'SUB#1' } },
    });
    expect(onIndex).toEqual({
      action: 'dynamodb:Query',
      resource: `${TABLE}/index/GSI1`,
      context: { 'dynamodb:LeadingKeys': ['SUB#1'] },
    });
    const [legacy] = ddb('Query', {
      TableName: 'items',
      KeyConditions: { PK: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'ITEM#9' }] } },
    });
    expect(legacy?.context).toEqual({ 'dynamodb:LeadingKeys': ['ITEM#9'] });
  });

  it('Scan: the partition keys are unknowable (null), so no LeadingKeys condition holds', () => {
    expect(ddb('Scan', { TableName: 'items', IndexName: 'GSI1' })).toEqual([
      { action: 'dynamodb:Scan', resource: `${TABLE}/index/GSI1`, context: { 'dynamodb:LeadingKeys': null } },
    ]);
  });

  it('transactions need each part’s item action on its table', () => {
    const requests = ddb('TransactWriteItems', {
      TransactItems: [
        { ConditionCheck: { TableName: 'partners', Key: { pk: { S: 'PARTNER#1' } } } },
        { Put: { TableName: 'items', Item: { PK: { S: 'ITEM#1' } } } },
        { Update: { TableName: 'items', Key: { PK: { S: 'ITEM#1' } } } },
        { Delete: { TableName: 'items', Key: { PK: { S: 'ITEM#2' } } } },
      ],
    });
    expect(requests.map((r) => [r.action, r.resource, r.context?.['dynamodb:LeadingKeys']])).toEqual([
      ['dynamodb:ConditionCheckItem', PARTNERS, ['PARTNER#1']],
      ['dynamodb:PutItem', TABLE, ['ITEM#1']],
      ['dynamodb:UpdateItem', TABLE, ['ITEM#1']],
      ['dynamodb:DeleteItem', TABLE, ['ITEM#2']],
    ]);
    expect(
      ddb('TransactGetItems', {
        TransactItems: [{ Get: { TableName: 'items', Key: { PK: { S: 'A' } } } }],
      })[0]?.action,
    ).toBe('dynamodb:GetItem');
  });

  it('batches need the batch action on every table, with all their partition keys', () => {
    const requests = ddb('BatchWriteItem', {
      RequestItems: {
        items: [{ PutRequest: { Item: { PK: { S: 'A' } } } }, { DeleteRequest: { Key: { PK: { S: 'B' } } } }],
        partners: [{ PutRequest: { Item: { pk: { S: 'P' } } } }],
      },
    });
    expect(requests).toEqual([
      { action: 'dynamodb:BatchWriteItem', resource: TABLE, context: { 'dynamodb:LeadingKeys': ['A', 'B'] } },
      { action: 'dynamodb:BatchWriteItem', resource: PARTNERS, context: { 'dynamodb:LeadingKeys': ['P'] } },
    ]);
    expect(ddb('BatchGetItem', { RequestItems: { items: { Keys: [{ PK: { S: 'A' } }] } } })[0]).toEqual({
      action: 'dynamodb:BatchGetItem',
      resource: TABLE,
      context: { 'dynamodb:LeadingKeys': ['A'] },
    });
  });

  it('streams: the stream ARN (also from a shard iterator); ListStreams has no resource', () => {
    const stream = `${TABLE}/stream/2026-12-05T00:00:00.000`;
    expect(
      dynamoDbRequests('DynamoDBStreams_20120810.GetRecords', { ShardIterator: `${stream}|1|AAAA` }, scope),
    ).toEqual([{ action: 'dynamodb:GetRecords', resource: stream }]);
    expect(dynamoDbRequests('DynamoDBStreams_20120810.ListStreams', {}, scope)).toEqual([
      { action: 'dynamodb:ListStreams', resource: '*' },
    ]);
  });

  it('other operations: their own action, on the table when they name one', () => {
    expect(ddb('DescribeTable', { TableName: 'items' })).toEqual([
      { action: 'dynamodb:DescribeTable', resource: TABLE },
    ]);
    expect(ddb('ListTables', {})).toEqual([{ action: 'dynamodb:ListTables', resource: '*' }]);
  });
});

describe('SQS and Scheduler requests', () => {
  it('SQS: batch operations are their single-message action on the queue of QueueUrl', () => {
    expect(
      sqsRequests('SendMessageBatch', { QueueUrl: 'http://127.0.0.1:9324/000000000000/jobs' }, scope),
    ).toEqual([{ action: 'sqs:SendMessage', resource: 'arn:aws:sqs:us-east-1:000000000000:jobs' }]);
    expect(sqsRequests('GetQueueUrl', { QueueName: 'jobs' }, scope)[0]?.resource).toBe(
      'arn:aws:sqs:us-east-1:000000000000:jobs',
    );
    expect(sqsRequests('ListQueues', {}, scope)[0]).toEqual({ action: 'sqs:ListQueues', resource: '*' });
  });

  it('Scheduler: the schedule ARN in its group, and iam:PassRole on the target role', () => {
    const requests = schedulerRequests(
      {
        resource: 'schedule',
        method: 'POST',
        name: 'release-1',
        query: new URLSearchParams(),
        body: {
          GroupName: 'releases',
          Target: { Arn: 'arn:fn', RoleArn: 'arn:aws:iam::000000000000:role/r' },
        },
      },
      scope,
    );
    expect(requests).toEqual([
      {
        action: 'scheduler:CreateSchedule',
        resource: 'arn:aws:scheduler:us-east-1:000000000000:schedule/releases/release-1',
      },
      {
        action: 'iam:PassRole',
        resource: 'arn:aws:iam::000000000000:role/r',
        context: { 'iam:PassedToService': ['scheduler.amazonaws.com'] },
      },
    ]);
    const deleting = schedulerRequests(
      {
        resource: 'schedule',
        method: 'DELETE',
        name: 'x',
        query: new URLSearchParams({ groupName: 'g' }),
        body: {},
      },
      scope,
    );
    expect(deleting).toEqual([
      {
        action: 'scheduler:DeleteSchedule',
        resource: 'arn:aws:scheduler:us-east-1:000000000000:schedule/g/x',
      },
    ]);
  });
});

describe('callers and messages', () => {
  it('reads the access key id from a SigV4 Authorization header or a presigned URL', () => {
    const authorization =
      'AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20261205/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=abc';
    expect(accessKeyIdOf({ authorization })).toBe('ASIAEXAMPLE');
    expect(accessKeyIdOf({}, '/q?X-Amz-Credential=AKIDQ%2F20261205%2Fus-east-1%2Fsqs%2Faws4_request')).toBe(
      'AKIDQ',
    );
    expect(accessKeyIdOf({})).toBeUndefined();
  });

  it('words a refusal as AWS does', () => {
    expect(deniedMessage('arn:aws:sts::0:assumed-role/r/f', 'dynamodb:PutItem', TABLE, false)).toBe(
      `User: arn:aws:sts::0:assumed-role/r/f is not authorized to perform: dynamodb:PutItem on resource: ${TABLE} because no identity-based policy allows the dynamodb:PutItem action`,
    );
    expect(deniedMessage('u', 'a:b', 'r', true)).toBe(
      'User: u is not authorized to perform: a:b on resource: r with an explicit deny in an identity-based policy',
    );
  });
});
