/**
 * Resolves one stack's template to local values, the way CloudFormation would deploy it: conditions,
 * parameters, each resource's physical id, `Ref` and `Fn::GetAtt` (from the emulators' providers, else
 * CloudFormation's conventions), properties with their dependencies, outputs and exports, and the
 * creation order. The intrinsic functions themselves are in `intrinsics.ts`.
 */
import { defaultArn, defaultGetAtt, defaultPhysicalId, defaultRef } from './defaults';
import { type IntrinsicScope, intrinsic, isObject, NO_VALUE } from './intrinsics';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION, stackId as makeStackId } from './names';
import {
  type ResolveContext,
  type ResolvedOutput,
  type ResolvedResource,
  type ResolvedStack,
  type ResourceContext,
  TemplateError,
} from './resolved';
import type { CfnTemplate } from './types';

/** Default `AWS::SSM::Parameter::Value` answers: CDK's bootstrap version check (`/cdk-bootstrap/<q>/version`). */
const CDK_BOOTSTRAP_VERSION = /^\/cdk-bootstrap\/[^/]+\/version$/;
const LOCAL_BOOTSTRAP_VERSION = '30';

export function resolveTemplate(template: CfnTemplate, ctx: ResolveContext): ResolvedStack {
  return new Resolver(template, ctx).resolveAll();
}

class Resolver {
  private readonly region: string;
  private readonly accountId: string;
  private readonly partition = 'aws';
  private readonly stackArn: string;
  private readonly warnings: string[] = [];
  private readonly conditionCache = new Map<string, boolean>();
  private readonly physicalIds = new Map<string, string>();
  private readonly propertyCache = new Map<string, { value: unknown; deps: Set<string> }>();
  private readonly inProgress = new Set<string>();
  /** Dependency sets of the resources whose properties are being resolved (innermost last). */
  private readonly depStack: Set<string>[] = [];
  private readonly scope: IntrinsicScope;

  constructor(
    private readonly template: CfnTemplate,
    private readonly ctx: ResolveContext,
  ) {
    if (!template || typeof template.Resources !== 'object') {
      throw new TemplateError(`stack ${ctx.stackName}: template has no Resources section`);
    }
    this.region = ctx.region ?? LOCAL_REGION;
    this.accountId = ctx.accountId ?? LOCAL_ACCOUNT_ID;
    this.stackArn = makeStackId(ctx.stackName, this.region, this.accountId);
    this.scope = {
      stackName: ctx.stackName,
      region: this.region,
      imports: ctx.imports ?? {},
      mappings: template.Mappings,
      resolve: (value, inCondition) => this.resolve(value, inCondition),
      ref: (name) => this.ref(name),
      condition: (name) => this.condition(name),
      conditionValue: (expression) => this.conditionValue(expression),
      getAtt: (logicalId, attribute) => {
        this.resource(logicalId);
        this.track(logicalId);
        return this.getAtt(logicalId, attribute);
      },
    };
  }

  resolveAll(): ResolvedStack {
    const conditions: Record<string, boolean> = {};
    for (const name of Object.keys(this.template.Conditions ?? {})) conditions[name] = this.condition(name);

    const resources: Record<string, ResolvedResource> = {};
    const skipped: string[] = [];
    for (const [logicalId, resource] of Object.entries(this.template.Resources)) {
      if (resource.Condition !== undefined && !this.condition(resource.Condition)) {
        skipped.push(logicalId);
        continue;
      }
      const deps = new Set<string>(toArray(resource.DependsOn));
      this.depStack.push(deps);
      let properties: Record<string, unknown>;
      try {
        properties = {};
        for (const key of Object.keys(resource.Properties ?? {})) {
          const value = this.property(logicalId, key);
          if (value !== undefined) properties[key] = value;
        }
      } finally {
        this.depStack.pop();
      }
      deps.delete(logicalId);
      resources[logicalId] = {
        logicalId,
        type: resource.Type,
        physicalId: this.physicalId(logicalId),
        ref: this.refResource(logicalId),
        properties,
        dependsOn: [...deps].sort(),
        metadata: resource.Metadata ?? {},
        getAtt: (attribute) => this.getAtt(logicalId, attribute),
      };
    }

    const outputs: Record<string, ResolvedOutput> = {};
    const exports: Record<string, unknown> = {};
    for (const [name, output] of Object.entries(this.template.Outputs ?? {})) {
      if (output.Condition !== undefined && !this.condition(output.Condition)) continue;
      const resolved: ResolvedOutput = { value: this.resolve(output.Value) };
      if (output.Description !== undefined) resolved.description = output.Description;
      if (output.Export) {
        const exportName = String(this.resolve(output.Export.Name));
        resolved.exportName = exportName;
        exports[exportName] = resolved.value;
      }
      outputs[name] = resolved;
    }

    return {
      stackName: this.ctx.stackName,
      stackId: this.stackArn,
      region: this.region,
      accountId: this.accountId,
      conditions,
      resources,
      order: creationOrder(resources, this.ctx.stackName),
      skipped,
      outputs,
      exports,
      warnings: this.warnings,
    };
  }

  // --- resources -------------------------------------------------------------------------------------------

  private resource(logicalId: string) {
    const resource = this.template.Resources[logicalId];
    if (!resource)
      throw new TemplateError(`stack ${this.ctx.stackName}: unknown resource or parameter ${logicalId}`);
    if (resource.Condition !== undefined && !this.condition(resource.Condition)) {
      throw new TemplateError(
        `stack ${this.ctx.stackName}: ${logicalId} is referenced but its condition ${resource.Condition} is false`,
      );
    }
    return resource;
  }

  /**
   * Resolves (and caches) one property. The references it makes are cached with it, so a property first
   * resolved on behalf of another resource still counts as a dependency of its own resource later.
   */
  private property(logicalId: string, name: string): unknown {
    const key = `${logicalId}\u0000${name}`;
    let entry = this.propertyCache.get(key);
    if (!entry) {
      const raw = this.resource(logicalId).Properties?.[name];
      if (raw === undefined) return undefined;
      const deps = new Set<string>();
      this.guard(key, `${logicalId}.${name}`, () => {
        this.depStack.push(deps);
        try {
          const value = this.resolve(raw);
          entry = { value: value === NO_VALUE ? undefined : value, deps };
        } finally {
          this.depStack.pop();
        }
      });
      this.propertyCache.set(key, entry!);
    }
    for (const dep of entry!.deps) this.track(dep);
    return entry!.value;
  }

  private guard(key: string, label: string, fn: () => void): void {
    if (this.inProgress.has(key)) {
      throw new TemplateError(`stack ${this.ctx.stackName}: circular reference while resolving ${label}`);
    }
    this.inProgress.add(key);
    try {
      fn();
    } finally {
      this.inProgress.delete(key);
    }
  }

  private baseContext(logicalId: string): Omit<ResourceContext, 'physicalId'> {
    const resource = this.resource(logicalId);
    return {
      stackName: this.ctx.stackName,
      logicalId,
      type: resource.Type,
      region: this.region,
      accountId: this.accountId,
      partition: this.partition,
      // The provider asks for a property of its own resource: that is not a dependency on another one.
      property: (name) => this.withoutDependencyTracking(() => this.property(logicalId, name)),
    };
  }

  private context(logicalId: string): ResourceContext {
    return { ...this.baseContext(logicalId), physicalId: this.physicalId(logicalId) };
  }

  private physicalId(logicalId: string): string {
    const cached = this.physicalIds.get(logicalId);
    if (cached !== undefined) return cached;
    const base = this.baseContext(logicalId);
    this.guard(`${logicalId}\u0000<physicalId>`, `the name of ${logicalId}`, () => {
      const fromProvider = this.ctx.providers?.[base.type]?.physicalId?.(base);
      this.physicalIds.set(logicalId, fromProvider ?? defaultPhysicalId(base));
    });
    return this.physicalIds.get(logicalId)!;
  }

  private refResource(logicalId: string): unknown {
    const ctx = this.context(logicalId);
    return this.ctx.providers?.[ctx.type]?.ref?.(ctx) ?? defaultRef(ctx);
  }

  private getAtt(logicalId: string, attribute: string): unknown {
    const ctx = this.context(logicalId);
    const value = this.ctx.providers?.[ctx.type]?.getAtt?.(ctx, attribute) ?? defaultGetAtt(ctx, attribute);
    if (value !== undefined) return value;
    // No emulator knows this attribute: keep going with a recognisable placeholder, but say so.
    const placeholder =
      attribute === 'Arn' ? defaultArn(ctx) : `local-unresolved:${ctx.stackName}/${logicalId}.${attribute}`;
    this.warnings.push(
      `${ctx.stackName}/${logicalId} (${ctx.type}): Fn::GetAtt ${attribute} is not provided by any local emulator; using "${placeholder}"`,
    );
    return placeholder;
  }

  private track(logicalId: string): void {
    this.depStack.at(-1)?.add(logicalId);
  }

  private withoutDependencyTracking<T>(fn: () => T): T {
    this.depStack.push(new Set());
    try {
      return fn();
    } finally {
      this.depStack.pop();
    }
  }

  // --- Ref / parameters / pseudo parameters ---------------------------------------------------------------

  private ref(name: string): unknown {
    switch (name) {
      case 'AWS::Region':
        return this.region;
      case 'AWS::AccountId':
        return this.accountId;
      case 'AWS::Partition':
        return this.partition;
      case 'AWS::URLSuffix':
        return this.ctx.urlSuffix ?? 'amazonaws.com';
      case 'AWS::StackName':
        return this.ctx.stackName;
      case 'AWS::StackId':
        return this.stackArn;
      case 'AWS::NoValue':
        return NO_VALUE;
      case 'AWS::NotificationARNs':
        return [];
    }
    if (this.template.Parameters?.[name]) return this.parameter(name);
    this.resource(name);
    this.track(name);
    return this.refResource(name);
  }

  private parameter(name: string): unknown {
    const definition = this.template.Parameters![name]!;
    const supplied = this.ctx.parameters?.[name];
    const value = supplied ?? definition.Default;
    if (value === undefined) {
      throw new TemplateError(`stack ${this.ctx.stackName}: parameter ${name} has no value and no Default`);
    }
    if (definition.Type.startsWith('AWS::SSM::Parameter::Value<') && supplied === undefined) {
      const path = String(value);
      const fromSsm =
        this.ctx.ssmParameters?.[path] ??
        (CDK_BOOTSTRAP_VERSION.test(path) ? LOCAL_BOOTSTRAP_VERSION : undefined);
      if (fromSsm !== undefined) return fromSsm;
      this.warnings.push(
        `${this.ctx.stackName}: parameter ${name} reads SSM parameter ${path}, which is not set locally; using the path itself`,
      );
      return path;
    }
    if (definition.Type === 'CommaDelimitedList' || definition.Type.startsWith('List<')) {
      return Array.isArray(value) ? value.map(String) : String(value).split(',');
    }
    return typeof value === 'number' ? String(value) : value;
  }

  // --- conditions --------------------------------------------------------------------------------------------

  private condition(name: string): boolean {
    const cached = this.conditionCache.get(name);
    if (cached !== undefined) return cached;
    const expression = this.template.Conditions?.[name];
    if (expression === undefined)
      throw new TemplateError(`stack ${this.ctx.stackName}: unknown condition ${name}`);
    let result = false;
    this.guard(`<condition>\u0000${name}`, `condition ${name}`, () => {
      result = this.conditionValue(expression);
    });
    this.conditionCache.set(name, result);
    return result;
  }

  private conditionValue(expression: unknown): boolean {
    if (isObject(expression) && Object.keys(expression).length === 1 && 'Condition' in expression) {
      return this.condition(String(expression.Condition));
    }
    const value = this.resolve(expression, true);
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    throw new TemplateError(`stack ${this.ctx.stackName}: condition does not evaluate to a boolean`);
  }

  // --- values ------------------------------------------------------------------------------------------------

  private resolve(value: unknown, inCondition = false): unknown {
    if (Array.isArray(value)) {
      return value.map((item) => this.resolve(item, inCondition)).filter((item) => item !== NO_VALUE);
    }
    if (!isObject(value)) return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const key = keys[0]!;
      if (key === 'Ref' || key.startsWith('Fn::') || (inCondition && key === 'Condition')) {
        return intrinsic(this.scope, key, value[key], inCondition);
      }
    }
    const out: Record<string, unknown> = {};
    for (const key of keys) {
      const resolved = this.resolve(value[key], inCondition);
      if (resolved !== NO_VALUE) out[key] = resolved;
    }
    return out;
  }
}

function creationOrder(resources: Record<string, ResolvedResource>, stackName: string): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, path: string[]) => {
    const seen = state.get(id);
    if (seen === 'done') return;
    if (seen === 'visiting') {
      throw new TemplateError(`stack ${stackName}: circular dependency ${[...path, id].join(' -> ')}`);
    }
    state.set(id, 'visiting');
    for (const dep of resources[id]?.dependsOn ?? []) {
      if (resources[dep]) visit(dep, [...path, id]);
    }
    state.set(id, 'done');
    order.push(id);
  };
  for (const id of Object.keys(resources)) visit(id, []);
  return order;
}

function toArray(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
