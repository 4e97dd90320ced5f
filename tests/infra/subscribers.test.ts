import { Match } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiplowireFunction } from '#infra/constructs/diplowire-function.ts';
import {
  disposeSynths,
  findOne,
  functionLogicalId,
  grantsOf,
  resourcesOfType,
  type SynthesizedApp,
  synthStage,
} from './support/synth';

let dev: SynthesizedApp;
let prod: SynthesizedApp;

beforeAll(() => {
  dev = synthStage('dev');
  prod = synthStage('prod');
});

const logicalIdOf = (fn: DiplowireFunction) => functionLogicalId(dev.subscribersStack, fn);
const functionNamed = (name: string) =>
  findOne(dev.subscribers, 'AWS::Lambda::Function', (p) => p.FunctionName === name)[1];
afterAll(disposeSynths);

interface Statement {
  Action: string | string[];
  Resource: unknown;
}

function statementsOfRoleFor(functionName: string): Statement[] {
  const fn = Object.values(dev.subscribers.findResources('AWS::Lambda::Function')).find(
    (r) => r.Properties.FunctionName === functionName,
  );
  const roleId = fn?.Properties.Role['Fn::GetAtt'][0];
  const policies = Object.values(dev.subscribers.findResources('AWS::IAM::Policy')).filter((p) =>
    p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId),
  );
  return policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
}

describe('translator subscriber', () => {
  it('holds a claim no longer than the function can run, so the retry after a timeout takes it over', () => {
    for (const app of [dev, prod]) {
      const [, translator] = findOne(app.subscribers, 'AWS::Lambda::Function', (p) =>
        String(p.FunctionName).endsWith('-translator'),
      );
      const { Environment, Timeout } = translator.Properties;
      const lease = Number(Environment.Variables.TRANSLATION_LEASE_SECONDS);
      // Lambda's first retry of a failed asynchronous invocation comes about a minute after it.
      expect(lease).toBeGreaterThan(0);
      expect(lease).toBeLessThanOrEqual(Timeout);
    }
  });

  it('has a rule for published, corrected and (opted in) held items not already in a target language', () => {
    dev.subscribers.hasResourceProperties('AWS::Events::Rule', {
      Name: 'diplowire-dev-translator',
      EventPattern: {
        source: ['diplowire.items', 'diplowire.items.embargoed'],
        'detail-type': ['NewsItemPublished', 'NewsItemCorrected', 'NewsItemEmbargoed'],
        detail: { language: [{ 'anything-but': ['en'] }] },
      },
      Targets: [
        Match.objectLike({
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86400 },
          DeadLetterConfig: { Arn: Match.anyValue() },
        }),
      ],
    });
  });

  it('sends failed asynchronous invocations to the same dead-letter queue, which is encrypted and TLS-only', () => {
    dev.subscribers.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'diplowire-dev-translator',
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      DeadLetterConfig: { TargetArn: Match.anyValue() },
      Environment: { Variables: Match.objectLike({ TARGET_LANGUAGES: 'en', TRANSLATION_PROVIDER: 'aws' }) },
    });
    dev.subscribers.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'diplowire-dev-translator-dlq',
      SqsManagedSseEnabled: true,
    });
    dev.subscribers.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'diplowire-dev-translator-dlq-not-empty',
    });
  });

  it('grants only the items table, Translate and X-Ray (no bus: the items table outbox publishes)', () => {
    const statements = statementsOfRoleFor('diplowire-dev-translator');
    const wildcard = statements.filter((s) => s.Resource === '*').flatMap((s) => [s.Action].flat());
    expect(wildcard.sort()).toEqual(
      [
        'translate:TranslateDocument',
        'translate:TranslateText',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions.filter((a) => a.startsWith('events:'))).toEqual([]);
    expect(actions).toContain('dynamodb:UpdateItem');
    expect(actions).not.toContain('dynamodb:Scan');
    expect(actions.some((a) => a.endsWith(':*'))).toBe(false);
  });
});

const grants = (role: IConstruct) => grantsOf(dev.subscribers, dev.subscribersStack, role);
const XRAY = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
const LOGS = ['logs:CreateLogStream', 'logs:PutLogEvents'];
const queueNamed = (app: SynthesizedApp, name: string) =>
  findOne(app.subscribers, 'AWS::SQS::Queue', (p) => p.QueueName === name);

describe('webhook deliveries queue', () => {
  it('is encrypted, TLS-only, hides a message 360 s and redrives it to its DLQ after 5 receives', () => {
    const [dlqId, dlq] = queueNamed(dev, 'diplowire-dev-webhook-deliveries-dlq');
    const [queueId, queue] = queueNamed(dev, 'diplowire-dev-webhook-deliveries');
    expect(queue.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 360,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 5 },
    });
    expect(dlq.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    for (const id of [queueId, dlqId]) {
      const [, policy] = findOne(dev.subscribers, 'AWS::SQS::QueuePolicy', (p) =>
        JSON.stringify(p.Queues).includes(id),
      );
      expect(policy.Properties.PolicyDocument.Statement).toEqual([
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      ]);
    }
  });

  it('alarms as soon as one message is in the DLQ', () => {
    const [dlqId] = queueNamed(dev, 'diplowire-dev-webhook-deliveries-dlq');
    const [, alarm] = findOne(
      dev.subscribers,
      'AWS::CloudWatch::Alarm',
      (p) => p.AlarmName === 'diplowire-dev-webhook-deliveries-dlq-not-empty',
    );
    expect(alarm.Properties).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it.each([
    ['dev', 'Delete'],
    ['prod', 'Retain'],
  ] as const)('%s: both queues are %sd with the stack', (stage, policy) => {
    const app = stage === 'dev' ? dev : prod;
    for (const name of ['webhook-deliveries', 'webhook-deliveries-dlq']) {
      expect(queueNamed(app, `diplowire-${stage}-${name}`)[1].DeletionPolicy).toBe(policy);
    }
  });

  it('is exported to the API stack (the subscriptions API enqueues redeliveries)', () => {
    const exported = JSON.stringify(dev.subscribers.toJSON().Outputs);
    const [queueId] = queueNamed(dev, 'diplowire-dev-webhook-deliveries');
    expect(exported).toContain(`{"Ref":"${queueId}"}`);
    expect(exported).toContain(`{"Fn::GetAtt":["${queueId}","Arn"]}`);
  });
});

describe('webhook fan-out subscriber', () => {
  it('has a rule for the four webhook event types, retried 8 times within 24 h, then its DLQ', () => {
    const [, rule] = findOne(
      dev.subscribers,
      'AWS::Events::Rule',
      (p) => p.Name === 'diplowire-dev-webhook-fanout',
    );
    const [dlqId] = queueNamed(dev, 'diplowire-dev-webhook-fanout-dlq');
    expect(rule.Properties.EventPattern).toEqual({
      source: ['diplowire.items'],
      'detail-type': ['NewsItemPublished', 'NewsItemCorrected', 'NewsItemRetracted', 'NewsItemTranslated'],
    });
    expect(rule.Properties.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [logicalIdOf(dev.subscribersStack.webhookFanout.fn), 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86400 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlqId, 'Arn'] } },
      }),
    ]);
    dev.subscribers.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'diplowire-dev-webhook-fanout-dlq-not-empty',
    });
  });

  it('knows the webhooks table and the deliveries queue', () => {
    const fn = functionNamed('diplowire-dev-webhook-fanout');
    const [queueId] = queueNamed(dev, 'diplowire-dev-webhook-deliveries');
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      DeadLetterConfig: {
        TargetArn: { 'Fn::GetAtt': [queueNamed(dev, 'diplowire-dev-webhook-fanout-dlq')[0], 'Arn'] },
      },
    });
    const vars = fn.Properties.Environment.Variables;
    expect(JSON.stringify(vars.WEBHOOKS_TABLE_NAME)).toMatch(
      /Diplowire-dev-Data:ExportsOutputRefWebhooksTable/,
    );
    expect(vars.DELIVERY_QUEUE_URL).toEqual({ Ref: queueId });
  });

  it('queries, reads, puts and updates the webhooks table (no index) and sends to the deliveries queue', () => {
    expect(grants(dev.subscribersStack.webhookFanout.fn.role)).toEqual({
      'WebhookFanoutHandlerLogGroup.Arn': LOGS,
      '"*"': XRAY,
      'WebhookFanoutDeadLetterQueue.Arn': ['sqs:SendMessage'],
      'WebhooksTable.Arn': ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
      'WebhookDeliveriesQueue.Arn': ['sqs:SendMessage'],
      // Partner profiles, to refuse a revoked partner's subscriptions (conditions: security.test.ts).
      'PartnersTable.Arn': ['dynamodb:GetItem'],
    });
  });
});

describe('webhook dispatcher', () => {
  it('consumes the deliveries queue in batches of 10, at most 20 at once, reporting failed messages only', () => {
    const [queueId] = queueNamed(dev, 'diplowire-dev-webhook-deliveries');
    const [, mapping] = findOne(dev.subscribers, 'AWS::Lambda::EventSourceMapping', () => true);
    expect(mapping.Properties).toEqual({
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      FunctionName: { Ref: logicalIdOf(dev.subscribersStack.webhookDispatcher) },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 20 },
      Tags: expect.any(Array),
    });
    const policyId = resourcesOfType(dev.subscribers, 'AWS::IAM::Policy')
      .map(([id]) => id)
      .find((id) => id.startsWith('WebhookDispatcherRoleDefaultPolicy'));
    expect(mapping.DependsOn).toContain(policyId);
  });

  it('runs 60 s with the webhook settings; the retry schedule is the default, loopback never allowed', () => {
    const fn = functionNamed('diplowire-dev-webhook-dispatcher');
    const [queueId] = queueNamed(dev, 'diplowire-dev-webhook-deliveries');
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Timeout: 60,
      MemorySize: 256,
      TracingConfig: { Mode: 'Active' },
    });
    const vars = fn.Properties.Environment.Variables;
    expect(vars).toMatchObject({
      DELIVERY_QUEUE_URL: { Ref: queueId },
      WEBHOOK_DISABLE_AFTER_SECONDS: String(5 * 24 * 3600),
      WEBHOOKS_ALLOW_LOOPBACK: 'false',
      POWERTOOLS_SERVICE_NAME: 'webhook-dispatcher',
    });
    expect(JSON.stringify(vars.WEBHOOKS_TABLE_NAME)).toMatch(/ExportsOutputRefWebhooksTable/);
    expect(vars.WEBHOOK_RETRY_SCHEDULE).toBeUndefined();
    // Invoked only by the mapping: no asynchronous DLQ, no resource policy for other callers.
    expect(fn.Properties.DeadLetterConfig).toBeUndefined();
    const dispatcherId = logicalIdOf(dev.subscribersStack.webhookDispatcher);
    const permissions = resourcesOfType(dev.subscribers, 'AWS::Lambda::Permission').filter(([, p]) =>
      JSON.stringify(p.Properties.FunctionName).includes(dispatcherId),
    );
    expect(permissions).toEqual([]);
  });

  it('updates and deletes rows of the webhooks table (never puts) and consumes and re-enqueues deliveries', () => {
    expect(grants(dev.subscribersStack.webhookDispatcher.role)).toEqual({
      'WebhookDispatcherLogGroup.Arn': LOGS,
      '"*"': XRAY,
      'WebhooksTable.Arn': [
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
      ],
      'PartnersTable.Arn': ['dynamodb:GetItem'],
      'WebhookDeliveriesQueue.Arn': [
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:ReceiveMessage',
        'sqs:SendMessage',
      ],
    });
  });
});
