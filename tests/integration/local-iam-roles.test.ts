/**
 * Role policies as the local cloud reads them from a resolved template (inline, AWS::IAM::Policy,
 * customer- and AWS-managed policies, intrinsics resolved to local ARNs), and the checks that act
 * for a role rather than on a request: event source mappings at start, Scheduler's target role.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { type LocalIam, startLocalIam } from '#local/iam/index.ts';
import { rolePolicies } from '#local/iam/roles.ts';
import { resolveTemplate } from '#local/template/index.ts';

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:jobs`;
const TARGET_FN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:releaser`;
const lambdaTrust = {
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};

const stack = resolveTemplate(
  {
    Resources: {
      Table: {
        Type: 'AWS::DynamoDB::Table',
        Properties: { TableName: 'items', KeySchema: [{ AttributeName: 'PK', KeyType: 'HASH' }] },
      },
      Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'jobs' } },
      WorkerRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: 'worker-role',
          AssumeRolePolicyDocument: lambdaTrust,
          Policies: [
            {
              PolicyName: 'inline',
              PolicyDocument: {
                Statement: [
                  {
                    Effect: 'Allow',
                    Action: 'sqs:ReceiveMessage',
                    Resource: { 'Fn::GetAtt': ['Queue', 'Arn'] },
                  },
                ],
              },
            },
          ],
          ManagedPolicyArns: [
            { Ref: 'Managed' },
            'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
            'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
          ],
        },
      },
      Managed: {
        Type: 'AWS::IAM::ManagedPolicy',
        Properties: {
          PolicyDocument: {
            Statement: [
              { Effect: 'Allow', Action: 'sqs:DeleteMessage', Resource: { 'Fn::GetAtt': ['Queue', 'Arn'] } },
            ],
          },
        },
      },
      Policy: {
        Type: 'AWS::IAM::Policy',
        Properties: {
          PolicyName: 'default',
          Roles: [{ Ref: 'WorkerRole' }],
          PolicyDocument: {
            Statement: [
              {
                Effect: 'Allow',
                Action: 'dynamodb:Query',
                Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Table', 'Arn'] }, '/index/*']] },
              },
              {
                Effect: 'Deny',
                Action: 'dynamodb:DeleteItem',
                Resource: '*',
                Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
              },
            ],
          },
        },
      },
      SchedulerRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: 'scheduler-role',
          AssumeRolePolicyDocument: lambdaTrust,
          Policies: [
            {
              PolicyName: 'invoke',
              PolicyDocument: {
                Statement: [{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: TARGET_FN }],
              },
            },
          ],
        },
      },
    },
  },
  { stackName: 'Test', region: REGION, accountId: ACCOUNT },
);
const WORKER_ROLE = `arn:aws:iam::${ACCOUNT}:role/worker-role`;
const SCHEDULER_ROLE = `arn:aws:iam::${ACCOUNT}:role/scheduler-role`;

let iam: LocalIam | undefined;
afterAll(async () => {
  await iam?.close();
});

describe('role policies from the templates', () => {
  it('collects inline, attached and managed statements, with local ARNs, and says what it cannot know', () => {
    const { roles, warnings } = rolePolicies([stack]);
    const worker = roles.get(WORKER_ROLE);
    expect(worker?.roleName).toBe('worker-role');
    expect(worker?.statements.map((s) => [s.Effect, s.Action, s.Resource])).toEqual([
      ['Allow', 'sqs:ReceiveMessage', QUEUE_ARN],
      ['Allow', 'sqs:DeleteMessage', QUEUE_ARN],
      ['Allow', ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], '*'],
      ['Allow', 'dynamodb:Query', `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/items/index/*`],
      ['Deny', 'dynamodb:DeleteItem', '*'],
    ]);
    expect(warnings).toEqual([
      'WorkerRole: managed policy arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess is not known locally and grants nothing',
      'Policy: condition operator IpAddress is not evaluated locally; its statement never applies',
    ]);
  });

  it('refuses an event source mapping whose role cannot poll its source, naming what is missing', async () => {
    iam = await startLocalIam({
      stacks: [stack],
      enabled: true,
      region: REGION,
      accountId: ACCOUNT,
      host: '127.0.0.1',
      dynamodbUpstream: 'http://127.0.0.1:9',
      log: () => {},
    });
    expect(iam.authority.credentialsFor('worker', WORKER_ROLE)?.AWS_ACCESS_KEY_ID).toMatch(
      /^ASIA[A-Z2-7]{16}$/,
    );
    expect(
      iam.authority.credentialsFor('stranger', 'arn:aws:iam::123456789012:role/elsewhere'),
    ).toBeUndefined();
    expect(iam.mappingRefusal('worker', QUEUE_ARN)).toBe(
      'The provided execution role does not have permissions to call GetQueueAttributes on SQS',
    );
    const stream = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/items/stream/2026`;
    expect(iam.mappingRefusal('worker', stream)).toContain(`Cannot access stream ${stream}`);
  });

  it('invokes a schedule target only when the schedule’s role allows it', async () => {
    const invoked: string[] = [];
    const invoke = iam!.scheduleTargets(async (target) => {
      invoked.push(target.Arn);
    });
    await invoke({ kind: 'lambda', Arn: TARGET_FN, RoleArn: SCHEDULER_ROLE }, '{}', { scheduleArn: 's' });
    const other = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:other`;
    await expect(
      invoke({ kind: 'lambda', Arn: other, RoleArn: SCHEDULER_ROLE }, '{}', { scheduleArn: 's' }),
    ).rejects.toMatchObject({
      code: 'AccessDeniedException',
      message: expect.stringContaining(`lambda:InvokeFunction on resource: ${other}`),
    });
    expect(invoked).toEqual([TARGET_FN]);
  });
});
