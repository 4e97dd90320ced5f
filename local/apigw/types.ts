/**
 * Resolved CloudFormation properties (plain values, intrinsics already resolved by the orchestrator)
 * of the API Gateway v2 resources the local HTTP API understands, and the Lambda invoke contract.
 */

import type { Invoke, InvokeOutcome as InvokeResult } from '../lambda';

/** The Lambda invoke contract, from local/lambda (re-exported for this component's callers). */
export type { Invoke, InvokeResult };

/** Returns the invoker for a Lambda function ARN; throws when the ARN is unknown. */
export type ResolveFunction = (functionArn: string) => Invoke;

export interface ApiProperties {
  Name?: string;
  ProtocolType?: string;
  Description?: string;
  DisableExecuteApiEndpoint?: boolean;
  [other: string]: unknown;
}

export interface RouteProperties {
  ApiId?: string;
  RouteKey: string;
  /** `integrations/<integration id>` */
  Target?: string;
  AuthorizationType?: string;
  AuthorizerId?: string;
  [other: string]: unknown;
}

export interface IntegrationProperties {
  ApiId?: string;
  IntegrationType: string;
  /** A Lambda function ARN (or the apigateway invoke URI embedding one). */
  IntegrationUri: string;
  PayloadFormatVersion?: string;
  TimeoutInMillis?: number;
  [other: string]: unknown;
}

export interface AuthorizerProperties {
  ApiId?: string;
  Name?: string;
  AuthorizerType: string;
  /** `arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<lambda arn>/invocations` */
  AuthorizerUri: string;
  AuthorizerPayloadFormatVersion?: string;
  EnableSimpleResponses?: boolean;
  IdentitySource?: string[];
  AuthorizerResultTtlInSeconds?: number;
  [other: string]: unknown;
}

export interface RouteSettings {
  ThrottlingRateLimit?: number;
  ThrottlingBurstLimit?: number;
  [other: string]: unknown;
}

export interface StageProperties {
  ApiId?: string;
  StageName?: string;
  AutoDeploy?: boolean;
  DefaultRouteSettings?: RouteSettings;
  /** Per-route overrides keyed by route key. */
  RouteSettings?: Record<string, RouteSettings>;
  AccessLogSettings?: { DestinationArn?: string; Format?: string };
  StageVariables?: Record<string, string>;
  [other: string]: unknown;
}
