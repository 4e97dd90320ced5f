import { type App, Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, type NagPack, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildForTest, disposeSynths, removeOutdir, type SynthesizedApp, synthStage } from './support/synth';

let apps: Record<'dev' | 'prod', SynthesizedApp>;

beforeAll(() => {
  // Synthesis itself runs both packs and throws on any unacknowledged finding.
  apps = { dev: synthStage('dev'), prod: synthStage('prod') };
});
afterAll(disposeSynths);

function findings(pack: NagPack, app: App): string[] {
  return pack
    .validateScope(app)
    .violations.flatMap((v) =>
      v.violatingResources.map((r) => `${v.severity} ${v.ruleName} at ${r.constructPath}: ${v.description}`),
    );
}

interface Acknowledged {
  path: string;
  id: string;
  reason: string;
}

function acknowledgements(root: IConstruct): Acknowledged[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

describe.each(['dev', 'prod'] as const)('%s stage', (stage) => {
  it('has no unacknowledged AwsSolutions error or warning', () => {
    expect(findings(new AwsSolutionsChecks(), apps[stage].app)).toEqual([]);
  });

  it('has no unacknowledged Serverless error or warning', () => {
    expect(findings(new ServerlessChecks(), apps[stage].app)).toEqual([]);
  });

  it('acknowledges only named rules, on individual resources, each with a specific reason', () => {
    const acks = acknowledgements(apps[stage].app).filter((a) => /^(AwsSolutions|Serverless)-/.test(a.id));
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.reason.length, `${ack.id} at ${ack.path}`).toBeGreaterThanOrEqual(80);
      // Never a whole stack or app: each acknowledgement sits on the construct that triggers it.
      expect(ack.path.split('/').length, `${ack.id} at ${ack.path}`).toBeGreaterThanOrEqual(3);
      // Wildcard findings are acknowledged one finding at a time (the v2 `appliesTo`): X-Ray's "*", and
      // the release schedules (one per held item) of the schedule manager, by name prefix in their group.
      if (ack.id.startsWith('AwsSolutions-IAM5')) {
        expect([
          'AwsSolutions-IAM5[Resource::*]',
          `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/diplowire-${stage}-releases/release-*]`,
        ]).toContain(ack.id);
      }
    }
  });

  it('acknowledges exactly the reviewed set of findings', () => {
    const acks = acknowledgements(apps[stage].app)
      .filter((a) => /^(AwsSolutions|Serverless)-/.test(a.id))
      .map((a) => `${a.path.replace(`Diplowire-${stage}-`, '')} ${a.id}`)
      .sort();
    const perFunction = (name: string) => [
      `Api/${name}/Function Serverless-LambdaDLQ`,
      `Api/${name}/Role AwsSolutions-IAM5[Resource::*]`,
    ];
    expect(acks).toEqual(
      [
        ...[
          'Authorizer',
          'ItemsWrite',
          'ItemsRead',
          'SubscriptionsApi',
          'OutboxPublisher',
          'FeedApi',
          'FeedProjectorFunction',
        ].flatMap(perFunction),
        'Api/Api/HttpApi/GET--problems--{slug} AwsSolutions-APIG4',
        'Api/Embargo/Releaser/Role AwsSolutions-IAM5[Resource::*]',
        'Api/Embargo/ScheduleManager/Role AwsSolutions-IAM5[Resource::*]',
        `Api/Embargo/ScheduleManager/Role AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/diplowire-${stage}-releases/release-*]`,
        ...['ReleaseDeadLetterQueue', 'SchedulesDeadLetterQueue'].flatMap((queue) => [
          `Api/Embargo/${queue}/Resource AwsSolutions-SQS3`,
          `Api/Embargo/${queue}/Resource Serverless-SQSRedrivePolicy`,
        ]),
        'Api/Outbox/DeadLetterQueue/Resource AwsSolutions-SQS3',
        'Api/Outbox/DeadLetterQueue/Resource Serverless-SQSRedrivePolicy',
        'Api/FeedProjector/DeadLetterQueue/Resource AwsSolutions-SQS3',
        'Api/FeedProjector/DeadLetterQueue/Resource Serverless-SQSRedrivePolicy',
        ...['Translator', 'WebhookFanout'].flatMap((name) => [
          `Subscribers/${name}/Handler/Role AwsSolutions-IAM5[Resource::*]`,
          `Subscribers/${name}/DeadLetterQueue/Resource AwsSolutions-SQS3`,
          `Subscribers/${name}/DeadLetterQueue/Resource Serverless-SQSRedrivePolicy`,
        ]),
        'Subscribers/WebhookDispatcher/Function Serverless-LambdaDLQ',
        'Subscribers/WebhookDispatcher/Role AwsSolutions-IAM5[Resource::*]',
        'Subscribers/WebhookDispatcher/DeliveriesMapping Serverless-LambdaEventSourceMappingDestination',
        'Subscribers/WebhookDeliveries/DeadLetterQueue/Resource Serverless-SQSRedrivePolicy',
      ].sort(),
    );
  });
});

describe('the app wiring', () => {
  it('fails synthesis when a new finding is not acknowledged', () => {
    const built = buildForTest('dev');
    try {
      // A queue without enforceSSL: AwsSolutions-SQS4 (and no DLQ: SQS3, SQSRedrivePolicy).
      new Queue(built.apiStack, 'UnreviewedQueue');
      expect(() => built.app.synth()).toThrow(/AwsSolutions-SQS4/);
    } finally {
      removeOutdir(built.outdir);
    }
  });

  it('does not acknowledge anything at stack or app level', () => {
    const { app, dataStack, apiStack, subscribersStack } = apps.dev;
    for (const scope of [app, dataStack, apiStack, subscribersStack] as IConstruct[]) {
      const own = scope.node.metadata.filter((e) => e.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY);
      expect(own, scope.node.path || 'app').toEqual([]);
    }
  });
});
