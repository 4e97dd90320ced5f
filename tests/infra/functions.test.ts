import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiStack } from '#infra/stacks/api-stack.ts';
import {
  actionsOf as actions,
  disposeSynths,
  findOne,
  functionLogicalId,
  grantsOf,
  type PolicyStatement,
  resourceById,
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
afterAll(disposeSynths);

type FunctionKey =
  | 'authorizer'
  | 'itemsWrite'
  | 'itemsRead'
  | 'subscriptionsApi'
  | 'feedApi'
  | 'outboxPublisher';

function functionProperties(app: SynthesizedApp, key: FunctionKey) {
  const id = functionLogicalId(app.apiStack, app.apiStack[key]);
  return resourceById(app.api, id).Properties;
}

const grants = (app: SynthesizedApp, key: FunctionKey) =>
  grantsOf(app.api, app.apiStack, app.apiStack[key].role);

describe.each([
  ['authorizer', 128, 10],
  ['itemsWrite', 256, 10],
  ['itemsRead', 256, 10],
  ['subscriptionsApi', 256, 10],
  ['outboxPublisher', 256, 60],
] as const)('%s function', (key, memory, timeout) => {
  it(`runs nodejs24.x on arm64 with ${memory} MB, ${timeout} s, active tracing and JSON logs`, () => {
    const props = functionProperties(dev, key);
    expect(props).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: memory,
      Timeout: timeout,
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogFormat: 'JSON' },
      Handler: 'index.handler',
    });
  });

  it('is named per stage and configures Powertools', () => {
    const name = dev.apiStack[key].functionName;
    const props = functionProperties(dev, key);
    expect(props.FunctionName).toBe(name);
    expect(name).toMatch(/^diplowire-dev-[a-z-]+$/);
    expect(props.Environment.Variables).toMatchObject({
      POWERTOOLS_SERVICE_NAME: name.replace('diplowire-dev-', ''),
      POWERTOOLS_METRICS_NAMESPACE: 'Diplowire',
    });
    // No source maps are shipped, so Node must not be told to look for them.
    expect(props.Environment.Variables.NODE_OPTIONS).toBeUndefined();
  });

  it.each([
    ['dev', 30, 'Delete'],
    ['prod', 365, 'Retain'],
  ] as const)('logs to its own %s log group (%i days, %s)', (stage, days, policy) => {
    const app = stage === 'dev' ? dev : prod;
    const fn = app.apiStack[key];
    const [logGroupId, logGroup] = findOne(
      app.api,
      'AWS::Logs::LogGroup',
      (p) => p.LogGroupName === `/aws/lambda/${fn.functionName}`,
    );
    expect(logGroup.Properties.RetentionInDays).toBe(days);
    expect(logGroup.DeletionPolicy).toBe(policy);
    expect(functionProperties(app, key).LoggingConfig.LogGroup).toEqual({ Ref: logGroupId });
  });

  it('has a role of its own, with no managed policies', () => {
    const roleId = dev.apiStack.getLogicalId(dev.apiStack[key].role.node.defaultChild as never);
    expect(functionProperties(dev, key).Role).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
    const role = resourceById(dev.api, roleId);
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
    ]);
  });
});

describe('environment', () => {
  const variables = (key: FunctionKey) => functionProperties(dev, key).Environment.Variables;
  const importOf = (value: unknown) => JSON.stringify(value);

  it('gives each function the table or bus it uses, by its fixed variable name', () => {
    expect(importOf(variables('authorizer').PARTNERS_TABLE_NAME)).toMatch(/ExportsOutputRefPartnersTable/);
    expect(importOf(variables('itemsWrite').ITEMS_TABLE_NAME)).toMatch(/ExportsOutputRefItemsTable/);
    expect(importOf(variables('itemsRead').ITEMS_TABLE_NAME)).toMatch(/ExportsOutputRefItemsTable/);
    expect(importOf(variables('outboxPublisher').EVENT_BUS_NAME)).toMatch(/ExportsOutputRefEventBus/);
    expect(variables('authorizer').ITEMS_TABLE_NAME).toBeUndefined();
    // Every API function keeps its partners' shares in the partners table (RATE# rows); items-read
    // also signs listing cursors with its key row.
    for (const key of ['itemsWrite', 'itemsRead', 'feedApi', 'subscriptionsApi'] as const) {
      expect(importOf(variables(key).PARTNERS_TABLE_NAME)).toMatch(/ExportsOutputRefPartnersTable/);
      expect(variables(key).PARTNER_RATE_LIMIT).toBe('100/200');
      expect(functionProperties(prod, key).Environment.Variables.PARTNER_RATE_LIMIT).toBe('50/100');
    }
    expect(variables('outboxPublisher').PARTNER_RATE_LIMIT).toBeUndefined();
  });

  it('gives subscriptions-api the webhooks table, the deliveries queue and the webhook settings', () => {
    const vars = variables('subscriptionsApi');
    expect(importOf(vars.WEBHOOKS_TABLE_NAME)).toMatch(/Diplowire-dev-Data:ExportsOutputRefWebhooksTable/);
    expect(importOf(vars.DELIVERY_QUEUE_URL)).toMatch(
      /Diplowire-dev-Subscribers:ExportsOutputRefWebhookDeliveriesQueue/,
    );
    expect(vars).toMatchObject({
      WEBHOOKS_REQUIRE_HTTPS: 'false',
      WEBHOOKS_ALLOW_LOOPBACK: 'false',
      WEBHOOK_SECRET_ROTATION_SECONDS: '86400',
    });
    expect(vars.ITEMS_TABLE_NAME).toBeUndefined();
    const prodVars = functionProperties(prod, 'subscriptionsApi').Environment.Variables;
    expect(prodVars).toMatchObject({ WEBHOOKS_REQUIRE_HTTPS: 'true', WEBHOOKS_ALLOW_LOOPBACK: 'false' });
  });

  it('logs at DEBUG in dev and INFO in prod', () => {
    expect(variables('itemsWrite').POWERTOOLS_LOG_LEVEL).toBe('DEBUG');
    expect(functionProperties(prod, 'itemsWrite').Environment.Variables.POWERTOOLS_LOG_LEVEL).toBe('INFO');
  });
});

describe('least-privilege IAM', () => {
  const XRAY = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
  const LOGS = ['logs:CreateLogStream', 'logs:PutLogEvents'];

  it('authorizer: reads one item of the partners table', () => {
    expect(grants(dev, 'authorizer')).toEqual({
      'AuthorizerLogGroup.Arn': LOGS,
      '"*"': XRAY,
      'PartnersTable.Arn': ['dynamodb:GetItem'],
    });
  });

  it('items-write: reads and transactionally writes the items table, never deletes', () => {
    expect(grants(dev, 'itemsWrite')).toEqual({
      'ItemsWriteLogGroup.Arn': LOGS,
      '"*"': XRAY,
      'ItemsTable.Arn': [
        'dynamodb:ConditionCheckItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
      ],
      // The partner's share (RATE# rows only: tests/infra/security.test.ts).
      'PartnersTable.Arn': ['dynamodb:UpdateItem'],
    });
  });

  it('subscriptions-api: the webhooks table and its GSI1, and sends to the deliveries queue', () => {
    expect(grants(dev, 'subscriptionsApi')).toEqual({
      'SubscriptionsApiLogGroup.Arn': LOGS,
      '"*"': XRAY,
      'WebhooksTable.Arn': [
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
      ],
      'WebhooksTable.Arn/index/GSI1': ['dynamodb:Query'],
      'WebhookDeliveriesQueue.Arn': ['sqs:SendMessage'],
      'PartnersTable.Arn': ['dynamodb:UpdateItem'],
    });
  });

  it('items-read: gets and queries the items table and its GSI1 (listing); only the cursor key row of the partners table', () => {
    expect(grants(dev, 'itemsRead')).toEqual({
      'ItemsReadLogGroup.Arn': LOGS,
      '"*"': XRAY,
      'ItemsTable.Arn': ['dynamodb:GetItem', 'dynamodb:Query'],
      'ItemsTable.Arn/index/GSI1': ['dynamodb:Query'],
      'PartnersTable.Arn': ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
    });
    const statements = JSON.stringify(dev.api.findResources('AWS::IAM::Policy'));
    expect(statements).toContain('"dynamodb:LeadingKeys":["CONFIG#cursor-key"]');
  });

  it('outbox-publisher: reads the stream, puts events on the bus, sends to its DLQ', () => {
    expect(grants(dev, 'outboxPublisher')).toEqual({
      'OutboxPublisherLogGroup.Arn': LOGS,
      '"*"': [...XRAY, 'dynamodb:ListStreams'].sort(),
      'ItemsTable.StreamArn': ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
      'EventBus.Arn': ['events:PutEvents'],
      'OutboxDeadLetterQueue.Arn': ['sqs:SendMessage'],
    });
  });

  it('feed-projector: reads the stream, appends feed rows, sends to its DLQ; ListStreams only on "*"', () => {
    const found = grantsOf(dev.api, dev.apiStack, dev.apiStack.feedProjector.projector.role);
    expect(found['"*"']).toEqual([...XRAY, 'dynamodb:ListStreams'].sort());
    expect(found['ItemsTable.StreamArn']).toEqual([
      'dynamodb:DescribeStream',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
    ]);
  });

  it.each(['dev', 'prod'] as const)(
    '%s: no statement anywhere allows "*" except the X-Ray actions, the translator\'s Translate actions and the outbox stream mapping\'s ListStreams',
    (stage) => {
      const app = stage === 'dev' ? dev : prod;
      const TRANSLATE = ['translate:TranslateDocument', 'translate:TranslateText'];
      const templates = [app.api, app.data, app.subscribers];
      let translateStatements = 0;
      let checked = 0;
      for (const template of templates) {
        for (const type of ['AWS::IAM::Policy', 'AWS::IAM::Role']) {
          for (const [, resource] of resourcesOfType(template, type)) {
            const documents = [
              resource.Properties.PolicyDocument,
              ...((resource.Properties.Policies as { PolicyDocument: unknown }[] | undefined) ?? []).map(
                (p) => p.PolicyDocument,
              ),
            ].filter(Boolean) as { Statement: PolicyStatement[] }[];
            for (const statement of documents.flatMap((d) => d.Statement)) {
              checked++;
              expect(actions(statement).some((a) => a.includes('*'))).toBe(false);
              if (![statement.Resource].flat().includes('*')) continue;
              // Statements on "*" may be merged (minimizePolicies): check each action.
              // ListStreams has no resource-level permissions; only the outbox publisher reads a stream.
              for (const action of actions(statement)) {
                expect([...XRAY, ...TRANSLATE, 'dynamodb:ListStreams']).toContain(action);
              }
              if (actions(statement).some((a) => a.startsWith('translate:'))) {
                expect(actions(statement)).toEqual(expect.arrayContaining(TRANSLATE));
                translateStatements++;
              }
            }
          }
        }
      }
      // Eight functions, at least three statements each; Translate only for the translator.
      expect(checked).toBeGreaterThanOrEqual(8 * 3);
      expect(translateStatements).toBe(1);
    },
  );
});

describe('outbox stream mapping', () => {
  // The feed projector reads the same stream with a mapping and DLQ of its own.
  const isOutboxMapping = (p: Record<string, unknown>) =>
    JSON.stringify(p.FunctionName).includes('OutboxPublisher');
  const isOutboxQueue = (p: Record<string, unknown>) => String(p.QueueName).endsWith('outbox-dlq');
  const mappingOf = (app: SynthesizedApp) =>
    findOne(app.api, 'AWS::Lambda::EventSourceMapping', isOutboxMapping)[1].Properties;
  const apiStackOf = (app: SynthesizedApp): ApiStack => app.apiStack;

  it('reads the items table stream from the trim horizon into the publisher', () => {
    const mapping = mappingOf(dev);
    expect(JSON.stringify(mapping.EventSourceArn)).toMatch(
      /ExportsOutputFnGetAttItemsTable[0-9A-F]+StreamArn/,
    );
    expect(mapping.FunctionName).toEqual({
      Ref: functionLogicalId(dev.apiStack, apiStackOf(dev).outboxPublisher),
    });
    expect(mapping.StartingPosition).toBe('TRIM_HORIZON');
  });

  it('batches, retries, bisects and reports partial failures; one batch per shard at a time', () => {
    expect(mappingOf(dev)).toMatchObject({
      BatchSize: 100,
      // No window: every event leaves as soon as Lambda's next poll sees it (docs/operations.md).
      MaximumBatchingWindowInSeconds: 0,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 12 * 3600,
      ParallelizationFactor: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('only delivers INSERTs of version rows of item partitions, the update that releases one, and the write that announces a translation', () => {
    const filters = mappingOf(dev).FilterCriteria.Filters as { Pattern: string }[];
    const keys = { PK: { S: [{ prefix: 'ITEM#' }] }, SK: { S: [{ prefix: 'V#' }] } };
    const translationKeys = { PK: { S: [{ prefix: 'TRANSLATION#' }] }, SK: { S: [{ prefix: 'TR#' }] } };
    const announced = { announcedAt: { S: [{ exists: true }] } };
    expect(filters.map((f) => JSON.parse(f.Pattern))).toEqual([
      { eventName: ['INSERT'], dynamodb: { Keys: keys } },
      {
        eventName: ['MODIFY'],
        dynamodb: {
          Keys: keys,
          NewImage: { releasedAt: { S: [{ exists: true }] } },
          OldImage: { releasedAt: { S: [{ exists: false }] } },
        },
      },
      { eventName: ['INSERT'], dynamodb: { Keys: translationKeys, NewImage: announced } },
      {
        eventName: ['MODIFY'],
        dynamodb: {
          Keys: translationKeys,
          NewImage: announced,
          OldImage: { announcedAt: { S: [{ exists: false }] } },
        },
      },
    ]);
  });

  it('sends failed batches to an encrypted, TLS-only DLQ kept 14 days', () => {
    const [queueId, queue] = findOne(dev.api, 'AWS::SQS::Queue', isOutboxQueue);
    expect(mappingOf(dev).DestinationConfig).toEqual({
      OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } },
    });
    expect(queue.Properties).toMatchObject({
      QueueName: 'diplowire-dev-outbox-dlq',
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    const [, policy] = findOne(dev.api, 'AWS::SQS::QueuePolicy', (p) =>
      JSON.stringify(p.Queues).includes('OutboxDeadLetterQueue'),
    );
    expect(policy.Properties.PolicyDocument).toMatchObject({
      Statement: [{ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }],
    });
  });

  it('is created only after the publisher role can read the stream', () => {
    const [, mapping] = findOne(dev.api, 'AWS::Lambda::EventSourceMapping', isOutboxMapping);
    const policyId = resourcesOfType(dev.api, 'AWS::IAM::Policy')
      .map(([id]) => id)
      .find((id) => id.startsWith('OutboxPublisherRoleDefaultPolicy'));
    expect(mapping.DependsOn).toContain(policyId);
  });

  it('alarms as soon as one message is in the DLQ', () => {
    const [queueId] = findOne(dev.api, 'AWS::SQS::Queue', isOutboxQueue);
    const [, alarm] = findOne(
      dev.api,
      'AWS::CloudWatch::Alarm',
      (p) => p.Namespace === 'AWS/SQS' && String(p.AlarmName).includes('outbox'),
    );
    expect(alarm.Properties).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
    });
  });

  it('alarms when the publisher lags the stream by more than 5 minutes', () => {
    const [, alarm] = findOne(
      dev.api,
      'AWS::CloudWatch::Alarm',
      (p) => p.MetricName === 'IteratorAge' && String(p.AlarmName).includes('outbox'),
    );
    expect(alarm.Properties).toMatchObject({
      Namespace: 'AWS/Lambda',
      Threshold: 300_000,
      ComparisonOperator: 'GreaterThanThreshold',
      Dimensions: [
        {
          Name: 'FunctionName',
          Value: { Ref: functionLogicalId(dev.apiStack, dev.apiStack.outboxPublisher) },
        },
      ],
    });
  });

  it('retains the DLQ in prod', () => {
    expect(findOne(prod.api, 'AWS::SQS::Queue', isOutboxQueue)[1].DeletionPolicy).toBe('Retain');
    expect(findOne(dev.api, 'AWS::SQS::Queue', isOutboxQueue)[1].DeletionPolicy).toBe('Delete');
  });
});
