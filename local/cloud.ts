/**
 * The local cloud: "deploys" a synthesized cloud assembly (cdk.out) onto local emulators, the way
 * CloudFormation would deploy it onto AWS. Everything comes from the templates and the bundled
 * assets; nothing here knows the project's resources by name, so the local cloud follows infra/.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { LocalHttpApi } from './apigw';
import { InvocationLog } from './console/invocations';
import { type DynamoDbLocal, startDynamoDbLocal } from './dynamodb/launcher';
import {
  dynamoDbStreamSource,
  type StreamMapping,
  type StreamMappingProperties,
  SUPPORTED_MAPPING_PROPERTIES,
  startStreamMapping,
} from './dynamodb/stream-mapping';
import { ensureTable, SUPPORTED_TABLE_PROPERTIES, type TableProperties } from './dynamodb/tables';
import { fromCloudFormation, LocalEventBridge } from './eventbridge';
import { type LocalIam, startLocalIam } from './iam';
import {
  AsyncJournal,
  asyncFailureRecord,
  asyncInvokeConfigs,
  hostNodeMismatch,
  LAMBDA_EVENT_INVOKE_CONFIG_SUPPORT,
  LAMBDA_FUNCTION_SUPPORT,
  LocalLambda,
  lambdaFunctionDefinition,
} from './lambda';
import {
  LocalScheduler,
  SCHEDULER_SUPPORT,
  schedulerResourceProviders,
  scheduleTargetInvoker,
  templateSchedules,
} from './scheduler';
import {
  LocalSqs,
  queueDefinitionFromTemplate,
  SQS_EVENT_SOURCE_MAPPING_SUPPORT,
  SQS_QUEUE_SUPPORT,
  type SqsEventSource,
  sqsEventSourceSettings,
  sqsResourceProvider,
  startSqsEventSource,
} from './sqs';
import { assertLoopbackBind } from './support/loopback';
import { ensurePrivateDir } from './support/private-files';
import {
  type Assembly,
  functionCode,
  LOCAL_ACCOUNT_ID,
  LOCAL_REGION,
  loadAssembly,
  type ResolvedResource,
  type ResolvedStack,
  type ResourceProviders,
  resolveAssembly,
  type SupportRegistry,
  unsupportedReport,
} from './template';
import { UNSUPPORTED_PROPERTIES } from './template/unsupported.generated';

export interface LocalCloudPorts {
  api: number;
  eventbridge: number;
  sqs: number;
  dynamodb: number;
  /** EventBridge Scheduler. */
  scheduler: number;
}

export interface LocalCloudOptions {
  cdkOut: string;
  /** Persistent state: DynamoDB Local files, stream checkpoints, queues, the event log. */
  dataDir: string;
  ports: LocalCloudPorts;
  host?: string;
  /** Extra environment for every function (e.g. AWS_ENDPOINT_URL_TRANSLATE). */
  functionEnv?: Record<string, string>;
  /** Context/parameters are fixed at synth time; this only changes how fast retries happen. */
  retryBaseDelayMs?: number;
  /**
   * Event-driven invocations running at once per function without reserved concurrency (default: the
   * cores, at least 2); API requests never wait for them. See `local/lambda/background-slots.ts`.
   */
  backgroundConcurrency?: number;
  /**
   * Check every AWS call a function makes against its role's policies in the templates (default
   * true). Off (`npm start -- --no-iam`) for debugging: calls are then never refused.
   */
  iam?: boolean;
  /**
   * DynamoDB Local keeps its tables in memory instead of files under `dataDir`: no SQLite file I/O on
   * every write, and nothing survives a stop (benchmarks and other throwaway clouds).
   */
  dynamoDbInMemory?: boolean;
  log: (line: string) => void;
}

export interface LocalEndpoints {
  api: string;
  eventbridge: string;
  sqs: string;
  dynamodb: string;
  scheduler: string;
  region: string;
}

export interface LocalCloud {
  endpoints: LocalEndpoints;
  /** Stack outputs by stack name, resolved to local values. */
  outputs: Record<string, Record<string, unknown>>;
  /** Every resource type or property the local cloud does not emulate. */
  warnings: string[];
  functions: Map<string, LocalLambda>;
  /** Every function invocation, for the console (`GET /_local/invocations`). */
  invocations: InvocationLog;
  stop(): Promise<void>;
}

/** Types created as local resources, and properties each honours; anything else is reported at start. */
export const LOCAL_SUPPORT: SupportRegistry = {
  'AWS::DynamoDB::Table': { supportedProperties: SUPPORTED_TABLE_PROPERTIES },
  'AWS::Lambda::Function': LAMBDA_FUNCTION_SUPPORT,
  'AWS::Lambda::EventInvokeConfig': LAMBDA_EVENT_INVOKE_CONFIG_SUPPORT,
  // One type for both sources: DynamoDB stream mappings and SQS queue mappings.
  'AWS::Lambda::EventSourceMapping': {
    supportedProperties: [
      ...new Set([...SUPPORTED_MAPPING_PROPERTIES, ...SQS_EVENT_SOURCE_MAPPING_SUPPORT.supportedProperties]),
    ],
  },
  'AWS::SQS::Queue': SQS_QUEUE_SUPPORT,
  'AWS::Events::EventBus': { supportedProperties: ['Name', 'Description', 'Tags'] },
  'AWS::Events::Rule': {
    supportedProperties: [
      'Name',
      'Description',
      'EventBusName',
      'EventPattern',
      'ScheduleExpression',
      'State',
      'Targets',
    ],
  },
  'AWS::Events::Archive': {
    supportedProperties: ['ArchiveName', 'Description', 'EventPattern', 'RetentionDays', 'SourceArn'],
  },
  'AWS::ApiGatewayV2::Api': { supportedProperties: ['Name', 'ProtocolType', 'Description', 'Tags'] },
  'AWS::ApiGatewayV2::Route': {
    supportedProperties: [
      'ApiId',
      'RouteKey',
      'Target',
      'AuthorizationType',
      'AuthorizerId',
      'OperationName',
    ],
  },
  'AWS::ApiGatewayV2::Integration': {
    supportedProperties: [
      'ApiId',
      'IntegrationType',
      'IntegrationUri',
      'PayloadFormatVersion',
      'TimeoutInMillis',
    ],
  },
  'AWS::ApiGatewayV2::Authorizer': {
    supportedProperties: [
      'ApiId',
      'Name',
      'AuthorizerType',
      'AuthorizerUri',
      'AuthorizerPayloadFormatVersion',
      'EnableSimpleResponses',
      'IdentitySource',
      'AuthorizerResultTtlInSeconds',
    ],
  },
  'AWS::ApiGatewayV2::Stage': {
    supportedProperties: ['ApiId', 'StageName', 'AutoDeploy', 'DefaultRouteSettings', 'AccessLogSettings'],
  },
  // Roles and their policies are enforced for the functions' calls (local/iam). Resource policies are
  // accepted without effect (docs/local-cloud.md, "IAM"), logs go to the console, and the schema
  // registry is documentation.
  'AWS::IAM::Role': { supportedProperties: '*' },
  'AWS::IAM::Policy': { supportedProperties: '*' },
  'AWS::IAM::ManagedPolicy': { supportedProperties: '*' },
  'AWS::Lambda::Permission': { supportedProperties: '*' },
  'AWS::SQS::QueuePolicy': { supportedProperties: '*' },
  'AWS::Logs::LogGroup': { supportedProperties: '*' },
  'AWS::EventSchemas::Registry': { supportedProperties: '*' },
  'AWS::EventSchemas::Schema': { supportedProperties: '*' },
  'AWS::CDK::Metadata': { supportedProperties: '*' },
  ...SCHEDULER_SUPPORT,
};

const IAM_OFF_NOTE =
  'IAM is not enforced (--no-iam): functions may call anything; a missing grant shows only on AWS.';

export async function startLocalCloud(options: LocalCloudOptions): Promise<LocalCloud> {
  const { log } = options;
  const host = options.host ?? '127.0.0.1';
  assertLoopbackBind(host);
  const region = LOCAL_REGION;
  const accountId = LOCAL_ACCOUNT_ID;
  ensurePrivateDir(options.dataDir);
  const assembly = loadAssembly(options.cdkOut);
  const stoppers: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const fn of stoppers.reverse()) await fn().catch((e) => log(`[cloud] stop error: ${e}`));
  };

  try {
    const endpoints: LocalEndpoints = {
      api: `http://${host}:${options.ports.api}`,
      eventbridge: `http://${host}:${options.ports.eventbridge}`,
      sqs: `http://${host}:${options.ports.sqs}`,
      dynamodb: `http://${host}:${options.ports.dynamodb}`,
      scheduler: `http://${host}:${options.ports.scheduler}`,
      region,
    };
    const ddb = await startDynamoDb(options, log);
    stoppers.push(() => ddb.stop());
    const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    const dynamo = new DynamoDBClient({ endpoint: ddb.endpoint, region, credentials });
    const streams = new DynamoDBStreamsClient({ endpoint: ddb.endpoint, region, credentials });
    stoppers.push(async () => {
      dynamo.destroy();
      streams.destroy();
    });

    // Pass 1 resolves table properties; the tables' stream ARNs only exist once DynamoDB Local created them.
    const streamArns = new Map<string, string>();
    const providers = resourceProviders(endpoints, streamArns);
    for (const stack of resolveAssembly(assembly, { region, accountId, providers })) {
      for (const resource of resourcesOfType(stack, 'AWS::DynamoDB::Table')) {
        // Without an explicit TableName, CloudFormation names the table; so does the resolver.
        const props = {
          ...resource.properties,
          TableName: resource.physicalId,
        } as unknown as TableProperties;
        const table = await ensureTable(dynamo, props);
        for (const warning of table.warnings) log(`[dynamodb] ${warning}`);
        if (table.streamArn) streamArns.set(table.tableName, table.streamArn);
        log(`[dynamodb] table ${table.tableName} ${table.created ? 'created' : 'found'}`);
      }
    }
    // Pass 2: every intrinsic now resolves to its local value.
    const stacks = resolveAssembly(assembly, { region, accountId, providers });
    const warnings = unsupportedReport(stacks, LOCAL_SUPPORT, UNSUPPORTED_PROPERTIES).map((w) => w.message);

    // Functions reach DynamoDB Local (and Translate) only through IAM's authorizing proxies.
    const iam = await startLocalIam({
      stacks,
      enabled: options.iam ?? true,
      region,
      accountId,
      host,
      dynamodbUpstream: ddb.endpoint,
      ...(options.functionEnv?.AWS_ENDPOINT_URL_TRANSLATE && {
        translateUpstream: options.functionEnv.AWS_ENDPOINT_URL_TRANSLATE,
      }),
      log,
    });
    stoppers.push(() => iam.close());
    warnings.push(...iam.warnings);

    const sqs = new LocalSqs({
      queues: stacks.flatMap((s) => resourcesOfType(s, 'AWS::SQS::Queue').map(queueDefinitionFromTemplate)),
      region,
      accountId,
      dataDir: join(options.dataDir, 'sqs'),
      log: prefixed(log, 'sqs'),
      authorize: iam.sqs,
    });
    await sqs.listen(options.ports.sqs, host);
    stoppers.push(() => sqs.close());

    // Dead-letter queues get the error details as String message attributes (EventBridge and Scheduler).
    const sendToDeadLetter = async (arn: string, body: string, attributes: Record<string, string>) => {
      await sqs.send(
        arn,
        body,
        Object.fromEntries(
          Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
        ),
      );
    };

    const functions = createFunctions(
      assembly,
      stacks,
      endpoints,
      iam,
      options,
      warnings,
      (arn, body, attributes) => sqs.send(arn, body, attributes),
    );
    const invocations = new InvocationLog();
    for (const fn of functions.values()) invocations.attach(fn);
    stoppers.push(async () => {
      await Promise.all([...functions.values()].map((f) => f.close()));
    });
    const functionByArn = (arn: string): LocalLambda => {
      const fn = functions.get(arn) ?? functions.get(arn.replace(/:(\$LATEST|\d+)$/, ''));
      // What Lambda answers for a function that does not exist (a target left behind by a deletion).
      if (!fn)
        throw Object.assign(new Error(`Function not found: ${arn}`), { code: 'ResourceNotFoundException' });
      return fn;
    };

    const definitions = fromCloudFormation(
      stacks.flatMap((s) =>
        Object.values(s.resources)
          .filter((r) => r.type.startsWith('AWS::Events::'))
          .map((r) => ({ logicalId: r.logicalId, type: r.type, properties: r.properties })),
      ),
      { region, accountId },
    );
    const eventBridge = new LocalEventBridge({
      ...definitions,
      region,
      accountId,
      dataDir: join(options.dataDir, 'eventbridge'),
      log: prefixed(log, 'events'),
      authorize: iam.eventBridge,
      ...(options.retryBaseDelayMs !== undefined && { retryBaseDelayMs: options.retryBaseDelayMs }),
      invokeTarget: async (target, payload) => {
        if (target.arn.startsWith('arn:aws:sqs:')) {
          await sqs.send(target.arn, payload);
          return;
        }
        // As on AWS, EventBridge hands the event to Lambda's asynchronous queue: the rule's retry policy
        // covers only that hand-over (a missing function); a function error is retried by Lambda itself,
        // under the function's EventInvokeConfig, then goes to its on-failure destination or DLQ.
        await functionByArn(target.arn).invoke(JSON.parse(payload), { invocationType: 'Event' });
      },
      sendToDeadLetter,
    });
    await eventBridge.listen(options.ports.eventbridge, host);
    stoppers.push(() => eventBridge.close());

    const scheduler = new LocalScheduler({
      region,
      accountId,
      template: templateSchedules(stacks.flatMap((s) => Object.values(s.resources))),
      dataDir: join(options.dataDir, 'scheduler'),
      log: prefixed(log, 'scheduler'),
      authorize: iam.scheduler,
      ...(options.retryBaseDelayMs !== undefined && { retryBaseDelayMs: options.retryBaseDelayMs }),
      invokeTarget: iam.scheduleTargets(scheduleTargetInvoker(functionByArn, sqs, eventBridge)),
      sendToDeadLetter,
    });
    // Timers start once every target is up (below); due schedules fire then.
    await scheduler.listen(options.ports.scheduler, host, { start: false });
    stoppers.push(() => scheduler.close());
    warnings.push(...scheduler.warnings);

    const mappings: Array<StreamMapping | SqsEventSource> = [];
    stoppers.push(async () => {
      await Promise.all(mappings.map((m) => m.stop()));
    });
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
          mappings.push(
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
          mappings.push(
            await startStreamMapping({
              id: `${stack.stackName}-${resource.logicalId}`,
              properties: props as unknown as StreamMappingProperties,
              functionArn: fn.definition.arn,
              invoke: (event) => fn.invoke(event, { background: true }),
              createSource: dynamoDbStreamSource(streams),
              sendToQueue: async (queueArn, body) => {
                await sqs.send(queueArn, body);
              },
              stateDir: join(options.dataDir, 'streams'),
              log: prefixed(log, 'stream'),
            }),
          );
        }
      }
    }

    const apis = createHttpApis(stacks, functionByArn, log);
    if (apis.length > 1)
      warnings.push(`${apis.length} HTTP APIs found; only the first is served on the API port`);
    if (apis[0]) {
      await apis[0].listen(options.ports.api, host);
      stoppers.push(() => apis[0]!.close());
    }

    const outputs: Record<string, Record<string, unknown>> = {};
    for (const stack of stacks) {
      outputs[stack.stackName] = Object.fromEntries(
        Object.entries(stack.outputs).map(([name, output]) => [name, output.value]),
      );
    }
    scheduler.start();
    // Asynchronous invocations a stop or a crash left in Lambda's queue run now that every target is up.
    for (const fn of functions.values()) fn.resumeAsync();
    if (!iam.authority.enabled) warnings.push(IAM_OFF_NOTE);
    return { endpoints, outputs, warnings, functions: functionsByName(functions), invocations, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function prefixed(log: (line: string) => void, component: string) {
  return (line: string) => log(`[${component}] ${line}`);
}

function resourcesOfType(stack: ResolvedStack, type: string): ResolvedResource[] {
  return stack.order.map((id) => stack.resources[id]!).filter((r) => r.type === type);
}

/** Local values for `Ref`/`Fn::GetAtt` where AWS's conventions are not enough. */
function resourceProviders(endpoints: LocalEndpoints, streamArns: Map<string, string>): ResourceProviders {
  return {
    'AWS::SQS::Queue': sqsResourceProvider(endpoints.sqs),
    'AWS::DynamoDB::Table': {
      getAtt: (r, attribute) =>
        attribute === 'StreamArn'
          ? (streamArns.get(r.physicalId) ??
            `arn:aws:dynamodb:${r.region}:${r.accountId}:table/${r.physicalId}/stream/pending`)
          : undefined,
    },
    'AWS::ApiGatewayV2::Api': {
      getAtt: (_r, attribute) => (attribute === 'ApiEndpoint' ? endpoints.api : undefined),
    },
    ...schedulerResourceProviders(),
  };
}

/**
 * DynamoDB Local persists under the data directory. A local cloud killed with SIGKILL leaves its JVM
 * running; its pid file lets the next start stop it before reusing the files.
 */
async function startDynamoDb(
  options: LocalCloudOptions,
  log: (line: string) => void,
): Promise<DynamoDbLocal> {
  const pidFile = join(options.dataDir, 'dynamodb.pid');
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8'));
    if (pid > 0 && isAlive(pid)) {
      log(`[dynamodb] stopping DynamoDB Local left over from an earlier run (pid ${pid})`);
      process.kill(pid, 'SIGKILL');
      for (let i = 0; i < 50 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    }
  }
  const files = join(options.dataDir, 'dynamodb');
  const ddb = await startDynamoDbLocal({
    ...(options.dynamoDbInMemory ? { label: files } : { dbPath: files }),
    port: options.ports.dynamodb,
  });
  writeFileSync(pidFile, String(ddb.pid));
  log(`[dynamodb] DynamoDB Local on ${ddb.endpoint}${options.dynamoDbInMemory ? ' (tables in memory)' : ''}`);
  return ddb;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Sends a message to a local queue by ARN, with string message attributes. */
type QueueSender = (
  arn: string,
  body: string,
  attributes?: Record<string, { DataType: string; StringValue: string }>,
) => Promise<unknown>;

/** Lambda's async retry delays (about 1 and 2 minutes), compressed like the local EventBridge's retries. */
function asyncRetryDelays(options: LocalCloudOptions): number[] {
  const base = options.retryBaseDelayMs ?? 1000;
  return [base, 2 * base];
}

function createFunctions(
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

function functionByArnOrName(functions: Map<string, LocalLambda>, ref: string): LocalLambda {
  for (const fn of functions.values()) {
    if (fn.definition.arn === ref || fn.definition.name === ref) return fn;
  }
  throw new Error(`event source mapping names an unknown function ${ref}`);
}

function functionsByName(byArn: Map<string, LocalLambda>): Map<string, LocalLambda> {
  return new Map([...byArn.values()].map((fn) => [fn.definition.name, fn]));
}

function createHttpApis(
  stacks: ResolvedStack[],
  functionByArn: (arn: string) => LocalLambda,
  log: (line: string) => void,
): LocalHttpApi[] {
  const all = stacks.flatMap((s) => Object.values(s.resources));
  const ofApi = (type: string, apiRef: unknown) =>
    all.filter((r) => r.type === type && r.properties.ApiId === apiRef);
  return all
    .filter((r) => r.type === 'AWS::ApiGatewayV2::Api')
    .map((api) => {
      const stage = ofApi('AWS::ApiGatewayV2::Stage', api.ref)[0];
      return new LocalHttpApi({
        api: api.properties,
        apiId: String(api.ref),
        routes: ofApi('AWS::ApiGatewayV2::Route', api.ref).map((r) => r.properties as never),
        integrations: Object.fromEntries(
          ofApi('AWS::ApiGatewayV2::Integration', api.ref).map((r) => [String(r.ref), r.properties as never]),
        ),
        authorizers: Object.fromEntries(
          ofApi('AWS::ApiGatewayV2::Authorizer', api.ref).map((r) => [String(r.ref), r.properties as never]),
        ),
        ...(stage && { stage: stage.properties }),
        resolveFunction: (arn) => (event) => functionByArn(arn).invoke(event),
        log: prefixed(log, 'api'),
        accountId: LOCAL_ACCOUNT_ID,
        region: LOCAL_REGION,
      });
    });
}
