import type { LocalFunctionDefinition } from './types';

/** `AWS::Lambda::Function` properties the local runtime honours (for the unsupported-property report). */
export const LAMBDA_FUNCTION_SUPPORT = {
  supportedProperties: [
    'FunctionName',
    'Code',
    'Handler',
    'Runtime',
    'MemorySize',
    'Timeout',
    'Environment',
    'ReservedConcurrentExecutions',
    // Asynchronous invocations that fail on every attempt go there (SQS queues).
    'DeadLetterConfig',
    // The role's policies are enforced on the function's calls (local/iam).
    'Role',
    // Accepted without effect locally: arm64 vs x86_64 does not matter to JavaScript.
    'Architectures',
    'Description',
    'Tags',
    'LoggingConfig',
  ],
} as const;

/**
 * Builds the runtime definition from a resolved `AWS::Lambda::Function` (CloudFormation defaults: 128 MB, 3 s).
 * `codeDir` comes from the cloud assembly (see `functionCode` in `local/template`).
 */
export function lambdaFunctionDefinition(
  resource: { physicalId: string; properties: Record<string, unknown> },
  arn: string,
  codeDir: string,
): LocalFunctionDefinition {
  const p = resource.properties;
  const variables = (p.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
  const definition: LocalFunctionDefinition = {
    name: resource.physicalId,
    arn,
    codeDir,
    handler: String(p.Handler ?? 'index.handler'),
    runtime: String(p.Runtime ?? 'nodejs24.x'),
    memoryMb: Number(p.MemorySize ?? 128),
    timeoutSeconds: Number(p.Timeout ?? 3),
    environment: Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, String(v)])),
  };
  if (p.ReservedConcurrentExecutions !== undefined) {
    definition.reservedConcurrency = Number(p.ReservedConcurrentExecutions);
  }
  return definition;
}

/** `AWS::Lambda::EventInvokeConfig` properties the local runtime honours. */
export const LAMBDA_EVENT_INVOKE_CONFIG_SUPPORT = {
  supportedProperties: [
    'FunctionName',
    'Qualifier',
    'MaximumRetryAttempts',
    'MaximumEventAgeInSeconds',
    'DestinationConfig.OnFailure',
  ],
} as const;

/** How Lambda handles one function's asynchronous invocations (EventBridge targets, `Event` invokes). */
export interface AsyncInvokeConfig {
  maximumRetryAttempts?: number;
  maximumEventAgeSeconds?: number;
  /** `DestinationConfig.OnFailure.Destination`: gets Lambda's invocation record. */
  onFailure?: string;
  /** The function's `DeadLetterConfig.TargetArn`: gets the event itself. */
  deadLetter?: string;
}

/**
 * Each function's async settings by function name: its `DeadLetterConfig` and the
 * `AWS::Lambda::EventInvokeConfig` that names it (`$LATEST` or unqualified; the local cloud runs no
 * versions or aliases).
 */
export function asyncInvokeConfigs(
  functions: Array<{ name: string; arn: string; properties: Record<string, unknown> }>,
  invokeConfigs: Array<Record<string, unknown>>,
): Map<string, AsyncInvokeConfig> {
  const out = new Map<string, AsyncInvokeConfig>();
  for (const fn of functions) {
    const config: AsyncInvokeConfig = {};
    const dlq = (fn.properties.DeadLetterConfig as { TargetArn?: unknown } | undefined)?.TargetArn;
    if (typeof dlq === 'string') config.deadLetter = dlq;
    const own = invokeConfigs.find(
      (c) =>
        (c.FunctionName === fn.name || c.FunctionName === fn.arn) &&
        (c.Qualifier === undefined || c.Qualifier === '$LATEST'),
    );
    if (own) {
      if (own.MaximumRetryAttempts !== undefined)
        config.maximumRetryAttempts = Number(own.MaximumRetryAttempts);
      if (own.MaximumEventAgeInSeconds !== undefined)
        config.maximumEventAgeSeconds = Number(own.MaximumEventAgeInSeconds);
      const onFailure = (own.DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined)
        ?.OnFailure?.Destination;
      if (typeof onFailure === 'string') config.onFailure = onFailure;
    }
    out.set(fn.name, config);
  }
  return out;
}

/** Lambda's invocation record for an asynchronous invocation it gave up on (an on-failure destination's message). */
export function asyncFailureRecord(input: {
  functionArn: string;
  event: unknown;
  requestId: string;
  condition: 'RetriesExhausted' | 'EventAgeExceeded';
  approximateInvokeCount: number;
  errorType?: string;
  errorMessage?: string;
}) {
  return {
    version: '1.0',
    timestamp: new Date().toISOString(),
    requestContext: {
      requestId: input.requestId,
      functionArn: `${input.functionArn}:$LATEST`,
      condition: input.condition,
      approximateInvokeCount: input.approximateInvokeCount,
    },
    requestPayload: input.event,
    ...(input.errorType !== undefined && {
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: input.errorType, errorMessage: input.errorMessage ?? '' },
    }),
  };
}
