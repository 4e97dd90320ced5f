/**
 * The templates' event source mappings: SQS queues and DynamoDB streams polled for their functions. A
 * mapping whose function's role may not read its source is left out with a warning, where
 * CloudFormation would fail to create it.
 */
import { join } from 'node:path';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import {
  dynamoDbStreamSource,
  type StreamMapping,
  type StreamMappingProperties,
  startStreamMapping,
} from '../dynamodb/stream-mapping';
import type { LocalIam } from '../iam';
import type { LocalLambda } from '../lambda';
import { prefixed } from '../log';
import { type LocalSqs, type SqsEventSource, sqsEventSourceSettings, startSqsEventSource } from '../sqs';
import type { ResolvedStack } from '../template';
import { functionByArnOrName } from './functions';
import { resourcesOfType } from './resources';

export type EventSourceMapping = StreamMapping | SqsEventSource;

export interface EventSourceMappingsContext {
  stacks: ResolvedStack[];
  functions: Map<string, LocalLambda>;
  iam: LocalIam;
  sqs: LocalSqs;
  streams: DynamoDBStreamsClient;
  dataDir: string;
  warnings: string[];
  log: (line: string) => void;
}

/**
 * Starts every mapping, pushing each onto `started` as soon as it runs, so a failure part-way leaves
 * the caller able to stop those already started.
 */
export async function startEventSourceMappings(
  started: EventSourceMapping[],
  context: EventSourceMappingsContext,
): Promise<void> {
  const { stacks, functions, iam, sqs, streams, dataDir, warnings, log } = context;
  for (const stack of stacks) {
    for (const resource of resourcesOfType(stack, 'AWS::Lambda::EventSourceMapping')) {
      const props = resource.properties;
      const fn = functionByArnOrName(functions, String(props.FunctionName));
      const sourceArn = String(props.EventSourceArn);
      const refusal = iam.mappingRefusal(fn.definition.name, sourceArn);
      if (refusal) {
        // CloudFormation would fail to create this mapping; locally it is left out, loudly.
        warnings.push(
          `${stack.stackName}/${resource.logicalId}: event source mapping not started: ${refusal}`,
        );
        continue;
      }
      if (sourceArn.startsWith('arn:aws:sqs:')) {
        const settings = sqsEventSourceSettings(props);
        if (!settings.enabled) continue;
        started.push(
          startSqsEventSource({
            queue: sqs.queue(settings.queueArn),
            batchSize: settings.batchSize,
            maximumBatchingWindowSeconds: settings.maximumBatchingWindowSeconds,
            reportBatchItemFailures: settings.reportBatchItemFailures,
            maxConcurrency: settings.maxConcurrency,
            reserve: () => fn.reserveBackground(),
            invoke: (event) => fn.invoke(event, { reserved: true }),
            log: prefixed(log, 'sqs-mapping'),
          }),
        );
      } else {
        started.push(
          await startStreamMapping({
            id: `${stack.stackName}-${resource.logicalId}`,
            properties: props as unknown as StreamMappingProperties,
            functionArn: fn.definition.arn,
            invoke: (event) => fn.invoke(event, { background: true }),
            createSource: dynamoDbStreamSource(streams),
            sendToQueue: async (queueArn, body) => {
              await sqs.send(queueArn, body);
            },
            stateDir: join(dataDir, 'streams'),
            log: prefixed(log, 'stream'),
          }),
        );
      }
    }
  }
}
