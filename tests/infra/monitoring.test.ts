import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_METRICS } from '#infra/constructs/pipeline-dashboard.ts';
import {
  buildForTest,
  disposeSynths,
  REPO_ROOT,
  removeOutdir,
  resourcesOfType,
  type SynthesizedApp,
  synthStage,
} from './support/synth';

/** Issue 10 #11: no silent alarms, and a dashboard of the pipeline. */
let dev: SynthesizedApp;

beforeAll(() => {
  dev = synthStage('dev');
});
afterAll(disposeSynths);

const topicId = () => resourcesOfType(dev.data, 'AWS::SNS::Topic')[0]![0];

describe('alarm topic', () => {
  it('is one topic, encrypted with a rotated key CloudWatch may use, and TLS-only', () => {
    const topics = resourcesOfType(dev.data, 'AWS::SNS::Topic');
    expect(topics).toHaveLength(1);
    const [, topic] = topics[0]!;
    expect(topic.Properties.TopicName).toBe('diplowire-dev-alarms');
    const [keyId, key] = resourcesOfType(dev.data, 'AWS::KMS::Key')[0]!;
    expect(topic.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.Properties.KeyPolicy.Statement).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      }),
    );
    const [, policy] = resourcesOfType(dev.data, 'AWS::SNS::TopicPolicy')[0]!;
    expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    expect(resourcesOfType(dev.data, 'AWS::SNS::Subscription')).toEqual([]);
  });

  it('every alarm of every stack notifies the topic when it fires and when it recovers', () => {
    const alarms = [dev.data, dev.api, dev.subscribers].flatMap((t) =>
      resourcesOfType(t, 'AWS::CloudWatch::Alarm'),
    );
    // The four DLQ alarms and the outbox iterator-age alarm at least.
    expect(alarms.length).toBeGreaterThanOrEqual(5);
    for (const [id, alarm] of alarms) {
      for (const actions of [alarm.Properties.AlarmActions, alarm.Properties.OKActions]) {
        expect(actions, id).toHaveLength(1);
        expect(JSON.stringify(actions[0]), id).toMatch(
          new RegExp(`ExportsOutputRef${topicId().slice(0, -8)}`),
        );
      }
    }
  });

  it('subscribes an e-mail address given as -c alarmEmail, and refuses one that is not', () => {
    const built = buildForTest('dev', { context: { alarmEmail: 'ops@example.org' } });
    try {
      const data = Template.fromStack(built.dataStack);
      data.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'ops@example.org',
      });
    } finally {
      removeOutdir(built.outdir);
    }
    expect(() => buildForTest('dev', { context: { alarmEmail: 'not an address' } })).toThrow(/alarmEmail/);
  });
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'generated' ? [] : sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

describe('pipeline dashboard', () => {
  const body = () => {
    const [, dashboard] = resourcesOfType(dev.api, 'AWS::CloudWatch::Dashboard')[0]!;
    // The body is a JSON string joined with tokens: unescape its quotes to read it.
    return JSON.stringify(dashboard.Properties.DashboardBody).replaceAll('\\"', '"');
  };

  it('is named after the stage and exported (name and console URL) for ops tooling', () => {
    const [, dashboard] = resourcesOfType(dev.api, 'AWS::CloudWatch::Dashboard')[0]!;
    expect(dashboard.Properties.DashboardName).toBe('diplowire-dev-pipeline');
    const outputs = dev.api.toJSON().Outputs as Record<string, { Value: unknown }>;
    const named = Object.entries(outputs).filter(([id]) => id.startsWith('MonitoringDashboard'));
    expect(named.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'MonitoringDashboardName',
      'MonitoringDashboardUrl',
    ]);
    expect(JSON.stringify(named.find(([id]) => id.includes('Url'))![1].Value)).toContain(
      '#dashboards/dashboard/diplowire-dev-pipeline',
    );
  });

  it('plots accepted, published, outbox iterator age, every DLQ, delivery and translation outcomes', () => {
    const text = body();
    for (const group of Object.values(DASHBOARD_METRICS)) {
      for (const name of group.names) expect(text).toContain(`"${name}"`);
    }
    expect(text).toContain('IteratorAge');
    for (const label of ['outbox', 'translator', 'webhook-fanout', 'webhook-deliveries']) {
      expect(text).toContain(`"label":"${label}"`);
    }
    expect(text.match(/ApproximateNumberOfMessagesVisible/g)).toHaveLength(4);
  });

  it('plots only metrics the code emits, under the service that emits them', () => {
    const sources = [...sourceFiles(join(REPO_ROOT, 'functions')), ...sourceFiles(join(REPO_ROOT, 'shared'))];
    for (const { service, names } of Object.values(DASHBOARD_METRICS)) {
      const own = sources.filter((file) => file.includes(`/functions/${service}/`));
      const shared = sources.filter((file) => file.includes('/shared/'));
      const text = [...own, ...shared].map((file) => readFileSync(file, 'utf8')).join('\n');
      for (const name of names) expect(text, `${service} emits ${name}`).toContain(`'${name}'`);
      expect(own.length, service).toBeGreaterThan(0);
    }
  });
});

describe('stack outputs for the operator CLI (npm run ops)', () => {
  const outputsOf = (template: Template) =>
    (template.toJSON().Outputs ?? {}) as Record<string, { Value: unknown; Description?: string }>;

  it('every dead-letter queue of the stage is an output named DeadLetterQueue<Name>, valued by its URL', () => {
    const stacks = [dev.data, dev.subscribers, dev.api];
    const queues = stacks.flatMap((stack) =>
      resourcesOfType(stack, 'AWS::SQS::Queue')
        .filter(([, queue]) => String(queue.Properties.QueueName).endsWith('-dlq'))
        .map(([id, queue]) => ({ stack, id, name: String(queue.Properties.QueueName) })),
    );
    expect(queues.length).toBeGreaterThanOrEqual(7);
    for (const { stack, id, name } of queues) {
      const outputs = Object.entries(outputsOf(stack)).filter(([key]) => key.startsWith('DeadLetterQueue'));
      expect(
        outputs.some(([, output]) => JSON.stringify(output.Value) === JSON.stringify({ Ref: id })),
        `${name} has a DeadLetterQueue* output`,
      ).toBe(true);
    }
  });

  it('names the deliveries queue, the outbox publisher and the alarm prefix', () => {
    expect(outputsOf(dev.subscribers).WebhookDeliveriesQueueUrl?.Value).toEqual({
      Ref: resourcesOfType(dev.subscribers, 'AWS::SQS::Queue').find(
        ([, q]) => q.Properties.QueueName === 'diplowire-dev-webhook-deliveries',
      )?.[0],
    });
    expect(outputsOf(dev.api).OutboxPublisherFunctionName?.Value).toEqual({
      Ref: resourcesOfType(dev.api, 'AWS::Lambda::Function').find(
        ([, f]) => f.Properties.FunctionName === 'diplowire-dev-outbox-publisher',
      )?.[0],
    });
    expect(outputsOf(dev.data).AlarmNamePrefix?.Value).toBe('diplowire-dev-');
    for (const [, alarm] of [dev.data, dev.subscribers, dev.api].flatMap((s) =>
      resourcesOfType(s, 'AWS::CloudWatch::Alarm'),
    ))
      expect(String(alarm.Properties.AlarmName)).toMatch(/^diplowire-dev-/);
  });
});
