import { join } from 'node:path';
import { afterEach } from 'vitest';
import {
  type InvokeResult,
  type LocalFunctionDefinition,
  LocalLambda,
  type LocalLambdaOptions,
} from '#local/lambda/index.ts';

export const LAMBDAS = join(import.meta.dirname, '../fixtures/local/lambdas');

export const running: LocalLambda[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((fn) => fn.close()));
});

export function start(
  overrides: Partial<LocalFunctionDefinition> = {},
  options: {
    extraEnv?: Record<string, string>;
    maxConcurrency?: number;
    lines?: string[];
    backgroundConcurrency?: number;
    maxInitializing?: number;
  } & Pick<LocalLambdaOptions, 'asyncRetryDelaysMs' | 'asyncConfig' | 'asyncJournal' | 'onAsyncFailure'> = {},
): LocalLambda {
  const name = overrides.name ?? 'fn-under-test';
  const fn = new LocalLambda(
    {
      name,
      arn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
      codeDir: LAMBDAS,
      handler: 'actions.handler',
      runtime: 'nodejs24.x',
      memoryMb: 256,
      timeoutSeconds: 5,
      environment: {},
      ...overrides,
    },
    {
      extraEnv: options.extraEnv ?? { AWS_REGION: 'us-east-1' },
      log: (line) => options.lines?.push(line),
      maxConcurrency: options.maxConcurrency,
      ...(options.backgroundConcurrency && { backgroundConcurrency: options.backgroundConcurrency }),
      ...(options.maxInitializing && { maxInitializing: options.maxInitializing }),
      ...(options.asyncRetryDelaysMs && { asyncRetryDelaysMs: options.asyncRetryDelaysMs }),
      ...(options.asyncConfig && { asyncConfig: options.asyncConfig }),
      ...(options.asyncJournal && { asyncJournal: options.asyncJournal }),
      ...(options.onAsyncFailure && { onAsyncFailure: options.onAsyncFailure }),
    },
  );
  running.push(fn);
  return fn;
}

export function value<T>(result: InvokeResult): T {
  if (!result.ok) throw new Error(`invocation failed: ${result.errorType}: ${result.errorMessage}`);
  return result.value as T;
}
