/**
 * What resolving a template produces (stacks, resources and outputs with every intrinsic resolved),
 * and how an emulator's provider answers `Ref` and `Fn::GetAtt` for the types it owns.
 */

/** Everything a provider may need to know about one resource. */
export interface ResourceContext {
  stackName: string;
  logicalId: string;
  type: string;
  region: string;
  accountId: string;
  partition: string;
  /** The resolved physical id (name); not available while the physical id itself is being computed. */
  physicalId: string;
  /** Resolves one (top-level) property of the resource on demand; `undefined` when absent. */
  property(name: string): unknown;
}

/**
 * How one resource type answers `Ref` and `Fn::GetAtt` locally. Each emulator registers a provider for the
 * types it owns (e.g. the local SQS gives queue URLs on its own port). Returning `undefined` falls back to the
 * built-in CloudFormation conventions (name, ARN); an attribute nobody knows becomes a warning.
 */
export interface ResourceProvider {
  physicalId?(resource: Omit<ResourceContext, 'physicalId'>): string | undefined;
  ref?(resource: ResourceContext): unknown;
  getAtt?(resource: ResourceContext, attribute: string): unknown;
}
export type ResourceProviders = Readonly<Record<string, ResourceProvider>>;

export interface ResolveContext {
  stackName: string;
  region?: string;
  accountId?: string;
  urlSuffix?: string;
  /** Parameter values overriding the template defaults. */
  parameters?: Readonly<Record<string, unknown>>;
  /** SSM parameter values for `AWS::SSM::Parameter::Value<...>` parameters (keyed by parameter path). */
  ssmParameters?: Readonly<Record<string, string>>;
  /** Exports of the stacks deployed before this one, by export name. */
  imports?: Readonly<Record<string, unknown>>;
  providers?: ResourceProviders;
}

export interface ResolvedResource {
  logicalId: string;
  type: string;
  physicalId: string;
  /** What `Ref` to this resource gives (name, URL or ARN depending on the type). */
  ref: unknown;
  /** Properties with every intrinsic resolved and `AWS::NoValue` removed. */
  properties: Record<string, unknown>;
  /** Logical ids this resource needs first: explicit `DependsOn` plus every `Ref`/`GetAtt`/`Sub` reference. */
  dependsOn: string[];
  metadata: Record<string, unknown>;
  getAtt(attribute: string): unknown;
}

export interface ResolvedOutput {
  value: unknown;
  description?: string;
  exportName?: string;
}

export interface ResolvedStack {
  stackName: string;
  stackId: string;
  region: string;
  accountId: string;
  conditions: Record<string, boolean>;
  /** Active resources (their Condition, if any, is true). */
  resources: Record<string, ResolvedResource>;
  /** Logical ids in creation order (dependencies first). */
  order: string[];
  /** Logical ids left out because their Condition is false. */
  skipped: string[];
  outputs: Record<string, ResolvedOutput>;
  exports: Record<string, unknown>;
  /** Things resolved to a placeholder (unknown attribute, SSM parameter): never silent. */
  warnings: string[];
}

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}
