/**
 * The local cloud: "deploys" a synthesized cloud assembly (cdk.out) onto local emulators, the way
 * CloudFormation would deploy it onto AWS. Everything comes from the templates and the bundled
 * assets; nothing here knows the project's resources by name, so the local cloud follows infra/.
 *
 * This module is the start-up order and the wiring between emulators; each kind of resource is
 * created by its own module here (tables, functions, event source mappings, HTTP APIs), and
 * `supported-resources.ts` lists what is emulated.
 */
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { InvocationLog } from '../console/invocations';
import { fromCloudFormation, LocalEventBridge } from '../eventbridge';
import { startLocalIam } from '../iam';
import type { LocalLambda } from '../lambda';
import { prefixed } from '../log';
import { LocalScheduler, scheduleTargetInvoker, templateSchedules } from '../scheduler';
import { LocalSqs, queueDefinitionFromTemplate } from '../sqs';
import { assertLoopbackBind } from '../support/loopback';
import { ensurePrivateDir } from '../support/private-files';
import {
  LOCAL_ACCOUNT_ID,
  LOCAL_REGION,
  loadAssembly,
  resolveAssembly,
  unsupportedReport,
} from '../template';
import { UNSUPPORTED_PROPERTIES } from '../template/unsupported.generated';
import { createTables, startDynamoDb } from './dynamodb';
import { type EventSourceMapping, startEventSourceMappings } from './event-source-mappings';
import { createFunctions, functionsByName } from './functions';
import { createHttpApis } from './http-apis';
import { resourceProviders, resourcesOfType } from './resources';
import { LOCAL_SUPPORT } from './supported-resources';
import type { LocalCloud, LocalCloudOptions, LocalEndpoints } from './types';

export type { LocalCloud, LocalCloudOptions, LocalCloudPorts, LocalEndpoints } from './types';

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
    await createTables(dynamo, resolveAssembly(assembly, { region, accountId, providers }), streamArns, log);
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
    // Every function's credentials exist now; the proxy thread must know them before any call.
    await iam.synced();
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

    const mappings: EventSourceMapping[] = [];
    stoppers.push(async () => {
      await Promise.all(mappings.map((m) => m.stop()));
    });
    await startEventSourceMappings(mappings, {
      stacks,
      functions,
      iam,
      sqs,
      streams,
      dataDir: options.dataDir,
      warnings,
      log,
    });

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
