import { App, type AppProps, Tags, Validations } from 'aws-cdk-lib';
import { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { PROJECT, parseStage, type Stage, stageConfig } from './config';
import { PipelineDashboard } from './constructs/pipeline-dashboard';
import { acknowledgeNagFindings } from './nag-suppressions';
import { ApiStack } from './stacks/api-stack';
import { DataStack } from './stacks/data-stack';
import { SubscribersStack } from './stacks/subscribers-stack';

export interface DiplowireApp {
  readonly app: App;
  readonly stage: Stage;
  readonly dataStack: DataStack;
  readonly apiStack: ApiStack;
  readonly subscribersStack: SubscribersStack;
}

/** Stack names: `Diplowire-<stage>-Data`, `-Subscribers` and `-Api` (deployed in that order). */
export function stackName(stage: Stage, part: 'Data' | 'Api' | 'Subscribers'): string {
  return `Diplowire-${stage}-${part}`;
}

/**
 * Builds the whole app for the stage in the `stage` context value (`-c stage=prod`; default dev).
 * Stacks are environment-agnostic (account and region are the AWS::AccountId/AWS::Region of the
 * deployment, never CDK_DEFAULT_*): `cdk synth` needs no credentials, does no lookups, and the
 * same template deploys to any account and region (and runs on the local cloud).
 */
export function buildApp(props: AppProps = {}): DiplowireApp {
  const app = new App({
    ...props,
    context: {
      // Explicit rather than the deprecated implicit default: the API stack imports the data
      // stack's table, stream and bus through CloudFormation exports (cdk.json may set it too).
      '@aws-cdk/core:defaultCrossStackReferences': 'strong',
      ...props.context,
    },
  });
  const stage = parseStage(app.node.tryGetContext('stage'));
  const config = stageConfig(stage);

  const dataStack = new DataStack(app, stackName(stage, 'Data'), {
    config,
    description: `Diplowire ${stage}: tables, event bus, archive and schema registry (stateful).`,
    terminationProtection: stage === 'prod',
  });
  // Before the API stack: the subscriptions API enqueues redeliveries on the deliveries queue.
  const subscribersStack = new SubscribersStack(app, stackName(stage, 'Subscribers'), {
    config,
    description: `Diplowire ${stage}: subscribers (translation, webhooks) reacting to item events; pending webhook retries wait in its deliveries queue.`,
    itemsTable: dataStack.itemsTable,
    webhooksTable: dataStack.webhooksTable,
    partnersTable: dataStack.partnersTable,
    eventBus: dataStack.eventBus,
  });
  const apiStack = new ApiStack(app, stackName(stage, 'Api'), {
    config,
    description: `Diplowire ${stage}: HTTP API, functions and outbox publisher (stateless).`,
    itemsTable: dataStack.itemsTable,
    partnersTable: dataStack.partnersTable,
    webhooksTable: dataStack.webhooksTable,
    eventBus: dataStack.eventBus,
    deliveryQueue: subscribersStack.deliveries.queue,
  });

  // The pipeline dashboard lives in the API stack, deployed last: it plots resources of all three.
  new PipelineDashboard(apiStack, 'Monitoring', {
    config,
    outboxPublisher: apiStack.outboxPublisher.function,
    deadLetterQueues: {
      outbox: apiStack.outbox.deadLetterQueue,
      translator: subscribersStack.translator.deadLetterQueue,
      'webhook-fanout': subscribersStack.webhookFanout.deadLetterQueue,
      'webhook-deliveries': subscribersStack.deliveries.deadLetterQueue,
    },
  });
  // No silent alarms: every alarm of every stack notifies the alarm topic, and again when it recovers.
  const notify = new SnsAction(dataStack.alarmTopic.topic);
  for (const construct of app.node.findAll()) {
    if (construct instanceof Alarm) {
      construct.addAlarmAction(notify);
      construct.addOkAction(notify);
    }
  }

  Tags.of(app).add('project', PROJECT);
  Tags.of(app).add('stage', stage);

  // Synthesis fails on any finding (error or warning) of either pack that is not acknowledged
  // with a reason in nag-suppressions.ts.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  acknowledgeNagFindings({ dataStack, apiStack, subscribersStack });

  return { app, stage, dataStack, apiStack, subscribersStack };
}
