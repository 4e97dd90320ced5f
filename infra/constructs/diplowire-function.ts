import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssetHashType, DockerImage, type Duration } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  Architecture,
  Code,
  Function as LambdaFunction,
  LoggingFormat,
  Runtime,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { type BuildOptions, buildSync } from 'esbuild';
import { resourceName, type StageConfig } from '../config';

export const METRICS_NAMESPACE = 'Diplowire';

/** Lambda's current Node.js LTS runtime (`NODEJS_LATEST` resolves to it). */
export const LAMBDA_RUNTIME = Runtime.NODEJS_24_X;
/** The bundles' esbuild target, kept in step with {@link LAMBDA_RUNTIME} (`nodejs24.x` → `node24`). */
export const BUNDLE_TARGET = LAMBDA_RUNTIME.name.replace(/^nodejs(\d+)\.x$/, 'node$1');

/**
 * Lambda always hands a function its role's credentials in environment variables, so the bundles
 * swap the SDK's full default chain (SSO, INI, process, IMDS: ~95 KB never used in Lambda) for an
 * env-only provider. The SDK clients themselves are unmodified; scripts and tests use the full chain.
 */
const LAMBDA_CREDENTIALS = fileURLToPath(
  new URL('../../shared/adapters/clients/lambda-credentials.ts', import.meta.url),
);
/** Every DynamoDB client's endpoint-discovery cache, never used by our clients: a Map instead of mnemonist (~7 KB). */
const LAMBDA_ENDPOINT_CACHE = fileURLToPath(
  new URL('../../shared/adapters/clients/lambda-endpoint-cache.ts', import.meta.url),
);
/** middy's `node:stream/web` import, for streamed responses we never return: a lazy stand-in (lambda-stream-web.ts). */
const LAMBDA_STREAM_WEB = fileURLToPath(
  new URL('../../shared/adapters/clients/lambda-stream-web.ts', import.meta.url),
);

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * How every function is bundled: minified ESM with the AWS SDK inside (pinned version, smaller cold
 * start than the runtime's copy), ES module builds preferred so esbuild tree-shakes, no source map.
 * With code splitting: a module the code loads by `import()` (the SQS SDK of the dispatcher and the
 * subscriptions API, clients/sqs-lazy.ts) goes into a chunk of its own, loaded on first use, and the
 * code it shares with the rest into a shared chunk, so `index.mjs` may import a `chunk-*.mjs`.
 * Without splitting, esbuild would keep such a module and everything it imports (most of the SDK) in
 * lazy initialisers, which cost more at cold start than the module itself (docs/operations.md).
 */
export function bundleOptions(entry: string, outdir: string): BuildOptions {
  return {
    entryPoints: { index: entry },
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    chunkNames: '[name]-[hash]',
    format: 'esm',
    platform: 'node',
    target: BUNDLE_TARGET,
    minify: true,
    sourcemap: false,
    mainFields: ['module', 'main'],
    external: [
      // The SDK imports event-stream support lazily (a dynamic import) and only for streaming
      // operations; none of our clients has one, so the ~20 KB stays out of every bundle.
      '@smithy/core/event-streams',
      // The browser user-agent parser, imported by `import()` from SDK code that Node bundles drop;
      // with splitting esbuild would still write its unreachable 35 KB chunk.
      'bowser',
    ],
    // No `createRequire` banner: no bundled CommonJS module calls `require` at run time, so it only
    // made every cold start load `node:module`. tests/infra/cli-synth.test.ts fails if a dependency
    // ever brings esbuild's throwing "Dynamic require" shim into a bundle (then restore the banner).
    alias: {
      '@aws-sdk/credential-provider-node': LAMBDA_CREDENTIALS,
      '@aws-sdk/endpoint-cache': LAMBDA_ENDPOINT_CACHE,
      'node:stream/web': LAMBDA_STREAM_WEB,
    },
    absWorkingDir: PROJECT_ROOT,
    logLevel: 'warning',
  };
}

/** The function's code: {@link bundleOptions} run locally at synth (no Docker), hashed by its output. */
function bundledCode(entry: string): Code {
  return Code.fromAsset(PROJECT_ROOT, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      image: DockerImage.fromRegistry('dummy'), // never pulled: local bundling always succeeds
      // Never run either; it names the entry in CDK's bundling cache key, which cannot see inside
      // `tryBundle` (without it every function would get the first one's bundle).
      command: ['esbuild', relative(PROJECT_ROOT, entry)],
      local: {
        tryBundle(outputDir) {
          buildSync(bundleOptions(entry, outputDir));
          return true;
        },
      },
    },
  });
}

export interface DiplowireFunctionProps {
  readonly config: StageConfig;
  /** Short name, e.g. `items-write`: the function is `diplowire-<stage>-<name>` and its Powertools service. */
  readonly name: string;
  readonly description: string;
  /** Absolute path of the handler module; it must export `handler`. */
  readonly entry: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly environment?: Record<string, string>;
  /** Where asynchronous invocations that failed every Lambda retry go (subscribers). */
  readonly deadLetterQueue?: IQueue;
  /**
   * Reserved concurrency: both the function's ceiling and capacity no other function can take.
   * Background consumers set it so they cannot exhaust the account's pool (docs/operations.md).
   */
  readonly reservedConcurrency?: number;
}

/**
 * A Lambda function with the project's defaults: Node.js 24 on arm64, a bundled ESM artefact
 * (AWS SDK included, no source maps), JSON logs into a log group it owns, active tracing, and
 * a role of its own that holds nothing but what {@link allow} adds (plus its own log group and X-Ray).
 */
export class DiplowireFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
  readonly functionName: string;

  constructor(scope: Construct, id: string, props: DiplowireFunctionProps) {
    super(scope, id);
    const { config } = props;
    this.functionName = resourceName(config.stage, props.name);

    this.logGroup = new LogGroup(this, 'LogGroup', {
      logGroupName: `/aws/lambda/${this.functionName}`,
      retention: config.logRetention,
      removalPolicy: config.removalPolicy,
    });

    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${this.functionName}`,
    });
    // Instead of AWSLambdaBasicExecutionRole (logs:* on every log group): only this function's group.
    this.allow(['logs:CreateLogStream', 'logs:PutLogEvents'], [this.logGroup.logGroupArn]);

    this.function = new LambdaFunction(this, 'Function', {
      functionName: this.functionName,
      description: props.description,
      code: bundledCode(props.entry),
      handler: 'index.handler',
      runtime: LAMBDA_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      tracing: Tracing.ACTIVE,
      ...(props.deadLetterQueue && { deadLetterQueue: props.deadLetterQueue }),
      ...(props.reservedConcurrency !== undefined && {
        reservedConcurrentExecutions: props.reservedConcurrency,
      }),
      environment: {
        POWERTOOLS_SERVICE_NAME: props.name,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: config.logLevel,
        ...props.environment,
      },
    });
  }

  /** Adds one least-privilege statement to this function's own role, optionally with IAM conditions. */
  allow(actions: string[], resources: string[], conditions?: Record<string, Record<string, unknown>>): void {
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions, resources, ...(conditions && { conditions }) }),
    );
  }
}
