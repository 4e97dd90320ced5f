import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  disposeSynths,
  findOne,
  functionLogicalId,
  grantsOf,
  roleStatements,
  type SynthesizedApp,
  synthStage,
} from './support/synth';

let dev: SynthesizedApp;

beforeAll(() => {
  dev = synthStage('dev');
});
afterAll(disposeSynths);

const embargo = () => dev.apiStack.embargo;
const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
  dev.apiStack.getLogicalId(construct.node.defaultChild as never);

describe('embargo release (EventBridge Scheduler + sweeper)', () => {
  it('has a schedule group of its own', () => {
    dev.api.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'diplowire-dev-releases' });
  });

  it('the scheduler role is assumed by EventBridge Scheduler of this account only, and may only invoke the releaser and dead-letter', () => {
    const [, role] = findOne(dev.api, 'AWS::IAM::Role', (p) =>
      JSON.stringify(p.AssumeRolePolicyDocument).includes('scheduler.amazonaws.com'),
    );
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      },
    ]);
    const statements = roleStatements(dev.api, dev.apiStack, embargo().schedulerRole);
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: { 'Fn::GetAtt': [functionLogicalId(dev.apiStack, embargo().releaser), 'Arn'] },
      },
      {
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::GetAtt': [logicalId(embargo().deadLetterQueue), 'Arn'] },
      },
    ]);
  });

  it('the releaser reads heads and the due index and makes the conditional release write; nothing else', () => {
    expect(grantsOf(dev.api, dev.apiStack, embargo().releaser.role)).toEqual({
      'ItemsTable.Arn': ['dynamodb:Query', 'dynamodb:UpdateItem'],
      'ItemsTable.Arn/index/HeldByReleaseTime': ['dynamodb:Query'],
      'EmbargoReleaserLogGroup.Arn': ['logs:CreateLogStream', 'logs:PutLogEvents'],
      // Its asynchronous invocations (schedules, the sweep rule) that fail every retry.
      'EmbargoReleaseDeadLetterQueue.Arn': ['sqs:SendMessage'],
      '"*"': ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'],
    });
  });

  it('the releaser waits up to two minutes for an early schedule and dead-letters failed async invocations', () => {
    dev.api.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'diplowire-dev-embargo-release',
      Timeout: 180,
      DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [logicalId(embargo().deadLetterQueue), 'Arn'] } },
    });
  });

  it('a rule sweeps every minute (the backstop), with retries and the release DLQ', () => {
    dev.api.hasResourceProperties('AWS::Events::Rule', {
      Name: 'diplowire-dev-release-sweep',
      ScheduleExpression: 'rate(1 minute)',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [functionLogicalId(dev.apiStack, embargo().releaser), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 120 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(embargo().deadLetterQueue), 'Arn'] } },
        }),
      ],
    });
  });

  it('the schedule manager may manage release-* schedules in its group and pass only the scheduler role', () => {
    const grants = grantsOf(dev.api, dev.apiStack, embargo().scheduleManager.role);
    const schedules = Object.keys(grants).find((k) =>
      k.includes('schedule/diplowire-dev-releases/release-*'),
    );
    expect(schedules).toBeDefined();
    expect(grants[schedules!]).toEqual([
      'scheduler:CreateSchedule',
      'scheduler:DeleteSchedule',
      'scheduler:UpdateSchedule',
    ]);
    const passRole = roleStatements(dev.api, dev.apiStack, embargo().scheduleManager.role).find(
      (s) => s.Action === 'iam:PassRole',
    ) as unknown as { Resource: unknown; Condition: unknown };
    expect(passRole).toMatchObject({
      Resource: { 'Fn::GetAtt': [logicalId(embargo().schedulerRole), 'Arn'] },
      Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
    });
    expect(grants['ItemsTable.Arn']).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
    // It follows the bus, not the items stream (which keeps two readers: the outbox and the feed).
    expect(Object.keys(grants).some((k) => k.includes('Stream'))).toBe(false);
  });

  it('the schedule manager follows the bus: held versions, and public events of later versions', () => {
    const target = Match.objectLike({
      Arn: { 'Fn::GetAtt': [functionLogicalId(dev.apiStack, embargo().scheduleManager), 'Arn'] },
      RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86_400 },
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(embargo().schedulesDeadLetterQueue), 'Arn'] } },
    });
    dev.api.hasResourceProperties('AWS::Events::Rule', {
      Name: 'diplowire-dev-release-schedules-held',
      EventPattern: { source: ['diplowire.items.embargoed'], 'detail-type': ['NewsItemEmbargoed'] },
      Targets: [target],
    });
    dev.api.hasResourceProperties('AWS::Events::Rule', {
      Name: 'diplowire-dev-release-schedules-following',
      EventPattern: {
        source: ['diplowire.items'],
        'detail-type': ['NewsItemPublished', 'NewsItemCorrected', 'NewsItemRetracted'],
        detail: { version: [{ numeric: ['>', 1] }] },
      },
      Targets: [target],
    });
    dev.api.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'diplowire-dev-embargo-schedules',
      DeadLetterConfig: {
        TargetArn: { 'Fn::GetAtt': [logicalId(embargo().schedulesDeadLetterQueue), 'Arn'] },
      },
    });
  });

  it('leaves the items stream two readers (DynamoDB Streams throttles more than two per shard)', () => {
    const mappings = Object.values(dev.api.findResources('AWS::Lambda::EventSourceMapping')).filter((m) =>
      JSON.stringify(m.Properties.EventSourceArn).includes('StreamArn'),
    );
    expect(mappings).toHaveLength(2);
  });

  it('tells the schedule manager the group, the target, the role and the DLQ of the schedules it writes', () => {
    dev.api.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'diplowire-dev-embargo-schedules',
      Environment: {
        Variables: Match.objectLike({
          RELEASE_SCHEDULE_GROUP: 'diplowire-dev-releases',
          RELEASE_FUNCTION_ARN: {
            'Fn::GetAtt': [functionLogicalId(dev.apiStack, embargo().releaser), 'Arn'],
          },
          RELEASE_SCHEDULER_ROLE_ARN: { 'Fn::GetAtt': [logicalId(embargo().schedulerRole), 'Arn'] },
          RELEASE_DLQ_ARN: { 'Fn::GetAtt': [logicalId(embargo().deadLetterQueue), 'Arn'] },
        }),
      },
    });
  });

  it('archives only the public source: held events can never be replayed from the archive', () => {
    dev.data.hasResourceProperties('AWS::Events::Archive', {
      EventPattern: { source: ['diplowire.items'] },
    });
  });
});
