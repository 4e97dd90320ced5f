import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { buildApp, type DiplowireApp } from '#infra/build-app.ts';
import type { Stage } from '#infra/config.ts';
import type { DiplowireFunction } from '#infra/constructs/diplowire-function.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The context `cdk synth` would pass (feature flags from cdk.json), plus overrides. */
export function cdkJsonContext(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return { ...cdkJson.context, ...overrides };
}

export interface SynthOptions {
  /**
   * Run esbuild for every function. Off by default: templates do not depend on the bundle
   * (bundling is checked once, by the `cdk synth` CLI test), and it keeps each synth fast.
   */
  readonly bundle?: boolean;
  readonly context?: Record<string, unknown>;
}

export interface SynthesizedApp extends DiplowireApp {
  readonly data: Template;
  readonly api: Template;
  readonly subscribers: Template;
  readonly outdir: string;
}

/** Builds the app for a stage in a temp dir without synthesizing (to add things first). */
export function buildForTest(stage: Stage, options: SynthOptions = {}): DiplowireApp & { outdir: string } {
  const outdir = mkdtempSync(join(tmpdir(), `diplowire-infra-${stage}-`));
  const skipBundling = options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] };
  const built = buildApp({ outdir, context: cdkJsonContext({ stage, ...skipBundling, ...options.context }) });
  return { ...built, outdir };
}

const cache = new Map<Stage, SynthesizedApp>();

/**
 * Synthesizes the app for a stage once per test file (vitest isolates files) and returns the
 * templates. Synthesis runs the cdk-nag packs, so it throws if any finding is unacknowledged.
 */
export function synthStage(stage: Stage): SynthesizedApp {
  const cached = cache.get(stage);
  if (cached) return cached;
  const built = buildForTest(stage);
  const assembly = built.app.synth();
  const template = (stackName: string) =>
    Template.fromJSON(assembly.getStackByName(stackName).template as Record<string, unknown>);
  const result: SynthesizedApp = {
    ...built,
    data: template(built.dataStack.stackName),
    api: template(built.apiStack.stackName),
    subscribers: template(built.subscribersStack.stackName),
  };
  cache.set(stage, result);
  return result;
}

/** Deletes the temp cloud assemblies of this file's synths (call in afterAll). */
export function disposeSynths(): void {
  for (const { outdir } of cache.values()) removeOutdir(outdir);
  cache.clear();
}

export function removeOutdir(outdir: string): void {
  rmSync(outdir, { recursive: true, force: true });
}

export interface CfnResource {
  Type: string;
  // biome-ignore lint/suspicious/noExplicitAny: template JSON is untyped; tests assert its shape.
  Properties: Record<string, any>;
  DependsOn?: string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

/** Logical id and definition of every resource of a type (Properties defaults to {}). */
export function resourcesOfType(template: Template, type: string): [string, CfnResource][] {
  return Object.entries(template.findResources(type) as Record<string, Partial<CfnResource>>).map(
    ([id, resource]) => [id, { ...resource, Type: type, Properties: resource.Properties ?? {} }],
  );
}

export function resourceById(template: Template, logicalId: string): CfnResource {
  const resource = (template.toJSON().Resources as Record<string, Partial<CfnResource>>)[logicalId];
  if (!resource?.Type) throw new Error(`No resource ${logicalId} in the template`);
  return { ...resource, Type: resource.Type, Properties: resource.Properties ?? {} };
}

/** The single resource of a type whose properties satisfy the predicate. */
export function findOne(
  template: Template,
  type: string,
  // biome-ignore lint/suspicious/noExplicitAny: see CfnResource.
  predicate: (properties: Record<string, any>) => boolean,
): [string, CfnResource] {
  const matches = resourcesOfType(template, type).filter(([, r]) => predicate(r.Properties));
  if (matches.length !== 1) {
    throw new Error(`Expected exactly one ${type} to match, found ${matches.length}`);
  }
  return matches[0]!;
}

export interface PolicyStatement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

export const actionsOf = (statement: PolicyStatement): string[] => [statement.Action].flat().sort();

/** The statements of the one policy attached to a role of the stack. */
/** The logical id of a DiplowireFunction's Lambda function in its stack's template. */
export function functionLogicalId(stack: Stack, fn: DiplowireFunction): string {
  return stack.getLogicalId(fn.function.node.defaultChild as CfnElement);
}

export function roleStatements(template: Template, stack: Stack, role: IConstruct): PolicyStatement[] {
  const roleId = stack.getLogicalId(role.node.defaultChild as CfnElement);
  const policies = resourcesOfType(template, 'AWS::IAM::Policy').filter(([, p]) =>
    (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })),
  );
  if (policies.length !== 1) throw new Error(`Expected one policy on ${roleId}, found ${policies.length}`);
  return (policies[0]![1].Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement;
}

/**
 * A readable name for a policy resource: `<LogicalIdWithoutHash>.<Attribute>` for resources of this
 * stack or imported from another one (`WebhooksTable.Arn`), plus any suffix such as `/index/GSI1`.
 */
export function describeResource(resource: unknown): string {
  const json = JSON.stringify(resource);
  const suffix = /"(\/index\/[^"]+)"/.exec(json)?.[1] ?? '';
  const imported = /ExportsOutput(?:FnGetAtt|Ref)([A-Za-z]+?)[0-9A-F]{8}(Arn|StreamArn)?[0-9A-F]{8}/.exec(
    json,
  );
  if (imported) return `${imported[1]}${imported[2] ? `.${imported[2]}` : ''}${suffix}`;
  const local = /"Fn::GetAtt":\["([A-Za-z]+?)[0-9A-F]{8}","Arn"\]/.exec(json);
  if (local) return `${local[1]}.Arn${suffix}`;
  return json;
}

/**
 * Every grant of a role as `{ resource: sorted actions }`. Statements with the same actions may have
 * been merged into one with several resources (the minimizePolicies flag), so they are split per resource.
 */
export function grantsOf(template: Template, stack: Stack, role: IConstruct): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const statement of roleStatements(template, stack, role)) {
    if (statement.Effect !== 'Allow') throw new Error(`Unexpected ${statement.Effect} statement`);
    for (const resource of [statement.Resource].flat()) {
      const name = describeResource(resource);
      result[name] = [...new Set([...(result[name] ?? []), ...actionsOf(statement)])].sort();
    }
  }
  return result;
}
