/**
 * The templates' functions as local Lambdas: their code from the assembly, their role's credentials (so
 * local endpoints know who calls), the local endpoints in their environment, and Lambda's asynchronous
 * invocation failures delivered to their on-failure destination or dead-letter queue.
 */
import { join } from 'node:path';
import type { LocalIam } from '../iam';
import {
  AsyncJournal,
  asyncFailureRecord,
  asyncInvokeConfigs,
  hostNodeMismatch,
  LocalLambda,
  lambdaFunctionDefinition,
} from '../lambda';
import { prefixed } from '../log';
import { type Assembly, functionCode, type ResolvedStack } from '../template';
import { resourcesOfType } from './resources';
import type { LocalCloudOptions, LocalEndpoints } from './types';

/** Sends a message to a local queue by ARN, with string message attributes. */
export type QueueSender = (
  arn: string,
  body: string,
  attributes?: Record<string, { DataType: string; StringValue: string }>,
) => Promise<unknown>;

/** Lambda's async retry delays (about 1 and 2 minutes), compressed like the local EventBridge's retries. */
function asyncRetryDelays(options: LocalCloudOptions): number[] {
  const base = options.retryBaseDelayMs ?? 1000;
  return [base, 2 * base];
}

export function createFunctions(
  assembly: Assembly,
  stacks: ResolvedStack[],
  endpoints: LocalEndpoints,
  iam: LocalIam,
  options: LocalCloudOptions,
  warnings: string[],
  sendToQueue: QueueSender,
): Map<string, LocalLambda> {
  const byArn = new Map<string, LocalLambda>();
  const asyncConfigs = asyncInvokeConfigs(
    stacks.flatMap((stack) =>
      resourcesOfType(stack, 'AWS::Lambda::Function').map((r) => ({
        name: r.physicalId,
        arn: String(r.getAtt('Arn')),
        properties: r.properties,
      })),
    ),
    stacks.flatMap((stack) =>
      resourcesOfType(stack, 'AWS::Lambda::EventInvokeConfig').map((r) => r.properties),
    ),
  );
  for (const stack of stacks) {
    const assemblyStack = assembly.stack(stack.stackName);
    for (const resource of resourcesOfType(stack, 'AWS::Lambda::Function')) {
      const code = functionCode(assemblyStack, resource.properties.Code, assembly.dir);
      if (code.kind !== 'directory') {
        warnings.push(
          `${stack.stackName}/${resource.logicalId}: function not started: ${code.kind === 'unavailable' ? code.reason : 'inline code is not supported'}`,
        );
        continue;
      }
      const arn = String(resource.getAtt('Arn'));
      const definition = lambdaFunctionDefinition(resource, arn, code.dir);
      // The function's own credentials tell the local endpoints which role signs its calls.
      const credentials = iam.authority.credentialsFor(definition.name, String(resource.properties.Role));
      if (!credentials)
        warnings.push(
          `${stack.stackName}/${resource.logicalId}: role ${String(resource.properties.Role)} is not in the templates; its calls are not checked`,
        );
      const asyncConfig = asyncConfigs.get(definition.name) ?? {};
      const log = prefixed(options.log, 'lambda');
      const fn = new LocalLambda(definition, {
        asyncConfig,
        asyncJournal: new AsyncJournal(join(options.dataDir, 'lambda', `${definition.name}.async.jsonl`)),
        asyncRetryDelaysMs: asyncRetryDelays(options),
        onAsyncFailure: (event, result, info) => {
          const deliver = async (target: string, body: string, attributes?: Parameters<QueueSender>[2]) => {
            if (!target.startsWith('arn:aws:sqs:')) {
              log(`${definition.name} ${info.requestId}: ${target} is not emulated locally; event discarded`);
              return;
            }
            await sendToQueue(target, body, attributes).catch((error: unknown) =>
              log(
                `${definition.name} ${info.requestId}: sending to ${target} failed: ${(error as Error).message}`,
              ),
            );
          };
          // Lambda sends to both when both are configured.
          const sent: Array<Promise<void>> = [];
          if (asyncConfig.onFailure) {
            const record = asyncFailureRecord({
              functionArn: arn,
              event,
              ...info,
              ...(result && { errorType: result.errorType, errorMessage: result.errorMessage }),
            });
            sent.push(deliver(asyncConfig.onFailure, JSON.stringify(record)));
          }
          if (asyncConfig.deadLetter) {
            sent.push(
              deliver(asyncConfig.deadLetter, JSON.stringify(event), {
                RequestID: { DataType: 'String', StringValue: info.requestId },
                ErrorCode: { DataType: 'String', StringValue: '200' },
                ErrorMessage: { DataType: 'String', StringValue: result?.errorMessage ?? info.condition },
              }),
            );
          }
          if (!asyncConfig.onFailure && !asyncConfig.deadLetter)
            log(
              `${definition.name} ${info.requestId}: no on-failure destination or DeadLetterConfig; event discarded`,
            );
          return Promise.all(sent).then(() => undefined);
        },
        ...(options.backgroundConcurrency !== undefined && {
          backgroundConcurrency: options.backgroundConcurrency,
        }),
        extraEnv: {
          AWS_REGION: endpoints.region,
          AWS_DEFAULT_REGION: endpoints.region,
          ...(credentials ?? { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' }),
          AWS_ENDPOINT_URL_DYNAMODB: iam.dynamodbEndpoint,
          AWS_ENDPOINT_URL_DYNAMODB_STREAMS: iam.dynamodbEndpoint,
          AWS_ENDPOINT_URL_EVENTBRIDGE: endpoints.eventbridge,
          AWS_ENDPOINT_URL_SQS: endpoints.sqs,
          AWS_ENDPOINT_URL_SCHEDULER: endpoints.scheduler,
          // Functions run on the host's Node.js, not their runtime's (one warning says so): the SDK's
          // "upgrade Node" warning says nothing about the deployed function.
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          ...options.functionEnv,
          ...(iam.translateEndpoint && { AWS_ENDPOINT_URL_TRANSLATE: iam.translateEndpoint }),
        },
        log,
      });
      byArn.set(arn, fn);
    }
  }
  const mismatch = hostNodeMismatch([...byArn.values()].map((fn) => fn.definition.runtime));
  if (mismatch) warnings.push(mismatch);
  return byArn;
}

export function functionByArnOrName(functions: Map<string, LocalLambda>, ref: string): LocalLambda {
  for (const fn of functions.values()) {
    if (fn.definition.arn === ref || fn.definition.name === ref) return fn;
  }
  throw new Error(`event source mapping names an unknown function ${ref}`);
}

export function functionsByName(byArn: Map<string, LocalLambda>): Map<string, LocalLambda> {
  return new Map([...byArn.values()].map((fn) => [fn.definition.name, fn]));
}
