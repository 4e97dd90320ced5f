/**
 * Where a stage's resources are: its stack outputs, read with CloudFormation's DescribeStacks on AWS
 * or from the local cloud's endpoints.json (which carries the same outputs). Everything after this
 * resolution runs the same code against either.
 */
import {
  type CloudFormationClient,
  DescribeStacksCommand,
  type DescribeStacksCommandOutput,
} from '@aws-sdk/client-cloudformation';

/** Outputs by stack name, then by output key. */
export type StackOutputs = Record<string, Record<string, string>>;

export interface StageResources {
  stage: string;
  itemsTable: string;
  partnersTable: string;
  webhooksTable: string;
  eventBusName: string;
  archiveName: string;
  deliveryQueueUrl: string;
  /** Every dead-letter queue of the stage (outputs `DeadLetterQueue*`), by URL. */
  deadLetterQueueUrls: string[];
  /** `diplowire-<stage>-`: every alarm's name starts with it. */
  alarmNamePrefix: string;
  outboxPublisherFunction: string;
  /** The CloudWatch dashboard (output `MonitoringDashboardUrl…` of the API stack). */
  dashboardUrl?: string;
}

/** The three stacks of a stage (infra/build-app.ts). */
export const STACK_PARTS = ['Data', 'Subscribers', 'Api'] as const;
export const stackNameOf = (stage: string, part: (typeof STACK_PARTS)[number]) =>
  `Diplowire-${stage}-${part}`;
export const STAGE_PATTERN = /^[a-z][a-z0-9-]{0,30}$/;

/** A stack or output ops needs is missing: the stage is not deployed, or deployed from an older version. */
export class MissingResourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingResourceError';
  }
}

/** DescribeStacks of the stage's three stacks (one call each: DescribeStacks takes one name). */
export async function describeStageOutputs(
  client: CloudFormationClient,
  stage: string,
): Promise<StackOutputs> {
  const outputs: StackOutputs = {};
  for (const part of STACK_PARTS) {
    const name = stackNameOf(stage, part);
    let described: DescribeStacksCommandOutput;
    try {
      described = await client.send(new DescribeStacksCommand({ StackName: name }));
    } catch (error) {
      if ((error as Error).name === 'ValidationError' && /does not exist/.test((error as Error).message))
        throw new MissingResourceError(`Stack ${name} does not exist in this account and region.`);
      throw error;
    }
    outputs[name] = Object.fromEntries(
      (described.Stacks?.[0]?.Outputs ?? []).flatMap((o) =>
        o.OutputKey && o.OutputValue ? [[o.OutputKey, o.OutputValue]] : [],
      ),
    );
  }
  return outputs;
}

/** The stage whose stacks the outputs describe (the local cloud runs one). */
export function stageOfOutputs(outputs: StackOutputs): string | undefined {
  for (const name of Object.keys(outputs)) {
    const match = /^Diplowire-(.+)-Data$/.exec(name);
    if (match) return match[1];
  }
  return undefined;
}

/** Reads the resources ops needs from the outputs; names the missing output and its stack. */
export function resourcesFromOutputs(stage: string, outputs: StackOutputs): StageResources {
  const stackOf = (part: (typeof STACK_PARTS)[number]) => {
    const stack = outputs[stackNameOf(stage, part)];
    if (stack === undefined) throw new MissingResourceError(`Stack ${stackNameOf(stage, part)} not found.`);
    return stack;
  };
  const data = stackOf('Data');
  const subscribers = stackOf('Subscribers');
  const api = stackOf('Api');
  const required = (stack: Record<string, string>, part: string, key: string): string => {
    const value = stack[key];
    if (typeof value !== 'string' || value === '')
      throw new MissingResourceError(
        `Output ${key} of stack ${stackNameOf(stage, part as 'Data')} is missing: deploy this version of the stacks.`,
      );
    return value;
  };
  const deadLetterQueueUrls = [data, subscribers, api].flatMap((stack) =>
    Object.entries(stack)
      .filter(([key, value]) => key.startsWith('DeadLetterQueue') && typeof value === 'string')
      .map(([, value]) => value),
  );
  const dashboardUrl = Object.entries(api).find(([key]) => key.startsWith('MonitoringDashboardUrl'))?.[1];
  return {
    stage,
    itemsTable: required(data, 'Data', 'ItemsTableName'),
    partnersTable: required(data, 'Data', 'PartnersTableName'),
    webhooksTable: required(data, 'Data', 'WebhooksTableName'),
    eventBusName: required(data, 'Data', 'EventBusName'),
    archiveName: required(data, 'Data', 'EventBusArchiveName'),
    alarmNamePrefix: required(data, 'Data', 'AlarmNamePrefix'),
    deliveryQueueUrl: required(subscribers, 'Subscribers', 'WebhookDeliveriesQueueUrl'),
    outboxPublisherFunction: required(api, 'Api', 'OutboxPublisherFunctionName'),
    deadLetterQueueUrls: [...new Set(deadLetterQueueUrls)].sort(),
    ...(dashboardUrl !== undefined && { dashboardUrl }),
  };
}

/** `https://sqs.../123/diplowire-dev-outbox-dlq` -> `diplowire-dev-outbox-dlq`. */
export function queueNameOf(queueUrl: string): string {
  return queueUrl.replace(/\/+$/, '').split('/').pop() ?? queueUrl;
}
