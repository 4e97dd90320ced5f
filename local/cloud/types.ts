/** The local cloud's public shapes: how it is started, and what a started cloud offers. */
import type { InvocationLog } from '../console/invocations';
import type { LocalLambda } from '../lambda';

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
   * Event-driven invocations running at once per function while they finish quickly (default: the
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
