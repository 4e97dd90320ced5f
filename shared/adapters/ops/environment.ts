/**
 * The clients and resources of one stage, for the operator CLI: a deployed stage through the standard
 * AWS credential chain and its stack outputs, or the local cloud through the endpoints and outputs
 * `npm start` writes. Both give the same OpsEnvironment; the commands never ask which one they got,
 * except to say what the local cloud cannot report.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { CloudWatchMonitoring, LocalMonitoring, type Monitoring } from './monitoring';
import {
  describeStageOutputs,
  MissingResourceError,
  resourcesFromOutputs,
  type StackOutputs,
  type StageResources,
  stageOfOutputs,
} from './stage';

export interface OpsEnvironment {
  mode: 'aws' | 'local';
  resources: StageResources;
  dynamodb: DynamoDBClient;
  sqs: SQSClient;
  eventbridge: EventBridgeClient;
  monitoring: Monitoring;
  destroy(): void;
}

/** A deployed stage: default credential and region providers, unmodified clients. */
export async function connectDeployed(stage: string): Promise<OpsEnvironment> {
  const cloudformation = new CloudFormationClient({});
  let outputs: StackOutputs;
  try {
    outputs = await describeStageOutputs(cloudformation, stage);
  } finally {
    cloudformation.destroy();
  }
  const cloudwatch = new CloudWatchClient({});
  const clients = {
    dynamodb: new DynamoDBClient({}),
    sqs: new SQSClient({}),
    eventbridge: new EventBridgeClient({}),
  };
  return {
    mode: 'aws',
    resources: resourcesFromOutputs(stage, outputs),
    ...clients,
    monitoring: new CloudWatchMonitoring(cloudwatch),
    destroy: () => {
      for (const client of [cloudwatch, ...Object.values(clients)]) client.destroy();
    },
  };
}

/** What `npm start` writes to `<data-dir>/endpoints.json` that ops reads. */
export interface LocalEndpoints {
  region: string;
  dynamodb: string;
  sqs: string;
  eventbridge: string;
  stackOutputs: StackOutputs;
}

/** The local cloud: its endpoints, dummy credentials (it signs nothing for callers that are not functions). */
export function connectLocal(endpoints: LocalEndpoints, stage?: string): OpsEnvironment {
  const resolvedStage = stage ?? stageOfOutputs(endpoints.stackOutputs);
  if (resolvedStage === undefined)
    throw new MissingResourceError('The local cloud runs no Diplowire-<stage>-Data stack.');
  const options = (endpoint: string) => ({
    endpoint,
    region: endpoints.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const clients = {
    dynamodb: new DynamoDBClient(options(endpoints.dynamodb)),
    sqs: new SQSClient(options(endpoints.sqs)),
    eventbridge: new EventBridgeClient(options(endpoints.eventbridge)),
  };
  const resources = resourcesFromOutputs(resolvedStage, endpoints.stackOutputs);
  // The dashboard output names a CloudWatch dashboard, which does not exist locally.
  delete resources.dashboardUrl;
  return {
    mode: 'local',
    resources,
    ...clients,
    monitoring: new LocalMonitoring(endpoints.sqs),
    destroy: () => {
      for (const client of Object.values(clients)) client.destroy();
    },
  };
}
