import type { LocalFunctionDefinition } from './local-lambda';

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
    // Accepted without effect locally: IAM is not enforced, and arm64 vs x86_64 does not matter to JavaScript.
    'Role',
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
