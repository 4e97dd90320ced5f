/**
 * IAM in the local cloud: the roles' policies from the deployed templates, one set of credentials per
 * function, authorizing proxies in front of DynamoDB Local (and a Translate endpoint), and the checks
 * the local EventBridge, SQS and Scheduler run on each call. See docs/local-cloud.md, "IAM".
 */
import type { ScheduleTargetInvoker } from '../scheduler/delivery';
import type { ResolvedStack } from '../template';
import { IamAuthority } from './authority';
import { keySchemasOf } from './dynamodb';
import {
  type EventBridgeAuthorizer,
  eventBridgeAuthorizer,
  type SchedulerAuthorizer,
  type SqsAuthorizer,
  schedulerAuthorizer,
  sqsAuthorizer,
} from './endpoints';
import { type AuthorizationRequest, evaluate } from './policy';
import { startProxyThread } from './proxy-host';
import { rolePolicies } from './roles';

export type { Denial, FunctionCredentials, Principal } from './authority';
export { IamAuthority } from './authority';
export type { EventBridgeAuthorizer, SchedulerAuthorizer, SqsAuthorizer } from './endpoints';
export { type AuthorizationRequest, evaluate, type PolicyStatement } from './policy';

export interface LocalIamOptions {
  stacks: readonly ResolvedStack[];
  enabled: boolean;
  region: string;
  accountId: string;
  host: string;
  /** DynamoDB Local's own endpoint: only the proxy and the local cloud itself talk to it. */
  dynamodbUpstream: string;
  /** A Translate endpoint the functions would otherwise call directly. */
  translateUpstream?: string;
  log: (line: string) => void;
}

export interface LocalIam {
  authority: IamAuthority;
  /** Role policies the local cloud cannot evaluate fully (reported at start). */
  warnings: string[];
  /** What functions get as `AWS_ENDPOINT_URL_DYNAMODB` (and `_DYNAMODB_STREAMS`). */
  dynamodbEndpoint: string;
  /** What functions get as `AWS_ENDPOINT_URL_TRANSLATE`, when a Translate endpoint is configured. */
  translateEndpoint?: string;
  /** Resolves once the proxies know every function's credentials handed out so far. */
  synced(): Promise<void>;
  eventBridge: EventBridgeAuthorizer;
  sqs: SqsAuthorizer;
  scheduler: SchedulerAuthorizer;
  /**
   * Why the function's role cannot read an event source mapping's source, in AWS's words, or
   * undefined. On AWS the mapping polls with the function's execution role, and creating it fails
   * (so does the deployment) when the role lacks these permissions.
   */
  mappingRefusal(functionName: string, sourceArn: string): string | undefined;
  /**
   * Scheduler invokes a schedule's target with the schedule's role: an invocation the role does not
   * allow fails (and is retried, then dead-lettered) with AccessDeniedException, as on AWS.
   */
  scheduleTargets(invoke: ScheduleTargetInvoker): ScheduleTargetInvoker;
  close(): Promise<void>;
}

const TARGET_ACTIONS = {
  lambda: 'lambda:InvokeFunction',
  sqs: 'sqs:SendMessage',
  eventbridge: 'events:PutEvents',
};

export async function startLocalIam(options: LocalIamOptions): Promise<LocalIam> {
  const scope = { region: options.region, accountId: options.accountId };
  const { roles, warnings } = rolePolicies(options.stacks);
  const log = (line: string) => options.log(line);
  const tables = options.stacks.flatMap((s) =>
    Object.values(s.resources).filter((r) => r.type === 'AWS::DynamoDB::Table'),
  );
  // The proxies run on a thread of their own (proxy-thread.ts); this thread's authority tells it
  // of every function's credentials.
  const proxies = await startProxyThread(
    {
      enabled: options.enabled,
      accountId: options.accountId,
      region: options.region,
      host: options.host,
      dynamodbUpstream: options.dynamodbUpstream,
      ...(options.translateUpstream && { translateUpstream: options.translateUpstream }),
      keys: keySchemasOf(tables),
    },
    log,
  );
  const authority = new IamAuthority({
    enabled: options.enabled,
    accountId: options.accountId,
    roles,
    log,
    onPrincipal: (accessKeyId, principal) => proxies.admit(accessKeyId, principal),
  });
  return {
    authority,
    warnings,
    dynamodbEndpoint: proxies.dynamodbEndpoint,
    ...(proxies.translateEndpoint && { translateEndpoint: proxies.translateEndpoint }),
    synced: () => proxies.synced(),
    eventBridge: eventBridgeAuthorizer(authority, scope),
    sqs: sqsAuthorizer(authority, scope),
    scheduler: schedulerAuthorizer(authority, scope),
    mappingRefusal: (functionName, sourceArn) => mappingRefusal(authority, functionName, sourceArn),
    scheduleTargets: (invoke) => async (target, payload, context) => {
      const principal = authority.servicePrincipal(target.RoleArn, 'scheduler');
      const denial = authority.authorize(principal, [
        { action: TARGET_ACTIONS[target.kind], resource: target.Arn },
      ]);
      if (denial) throw Object.assign(new Error(denial.message), { code: 'AccessDeniedException' });
      await invoke(target, payload, context);
    },
    close: () => proxies.close(),
  };
}

/** What Lambda's pollers call with the execution role: SQS queues, DynamoDB streams. */
function mappingRefusal(
  authority: IamAuthority,
  functionName: string,
  sourceArn: string,
): string | undefined {
  const principal = authority.principalOfFunction(functionName);
  if (!principal || !authority.enabled) return undefined;
  const sqs = sourceArn.startsWith('arn:aws:sqs:');
  const needed: AuthorizationRequest[] = sqs
    ? ['ReceiveMessage', 'DeleteMessage', 'GetQueueAttributes'].map((op) => ({
        action: `sqs:${op}`,
        resource: sourceArn,
      }))
    : [
        ...['DescribeStream', 'GetRecords', 'GetShardIterator'].map((op) => ({
          action: `dynamodb:${op}`,
          resource: sourceArn,
        })),
        { action: 'dynamodb:ListStreams', resource: '*' },
      ];
  const missing = needed.filter(
    (request) => evaluate(principal.policies.statements, request).effect !== 'allow',
  );
  if (missing.length === 0) return undefined;
  for (const request of missing)
    authority.logDenial(principal, request, 'the event source mapping polls with this role');
  const operations = missing.map((m) => m.action.split(':')[1]).join(', ');
  return sqs
    ? `The provided execution role does not have permissions to call ${operations} on SQS`
    : `Cannot access stream ${sourceArn}. Please ensure the role can perform the GetRecords, GetShardIterator, DescribeStream, and ListStreams Actions on your stream in IAM (missing: ${operations}).`;
}
