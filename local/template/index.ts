import type { Assembly } from './assembly';
import { resolveTemplate } from './resolve';
import { type ResolvedStack, type ResourceProviders, TemplateError } from './resolved';

export type { Assembly, AssemblyStack, FunctionCode } from './assembly';
export { AssemblyError, displayName, functionCode, loadAssembly } from './assembly';
export { defaultArn } from './defaults';
export { generatedPhysicalName, LOCAL_ACCOUNT_ID, LOCAL_REGION, NAME_PROPERTY, stackId } from './names';
export { resolveTemplate } from './resolve';
export type {
  ResolveContext,
  ResolvedOutput,
  ResolvedResource,
  ResolvedStack,
  ResourceContext,
  ResourceProvider,
  ResourceProviders,
} from './resolved';
export { TemplateError } from './resolved';
export type { CfnOutput, CfnParameter, CfnResource, CfnTemplate } from './types';
export type { ResourceForReport, ResourceSupport, SupportRegistry, UnsupportedWarning } from './unsupported';
export { unsupportedReport } from './unsupported';

export interface ResolveAssemblyOptions {
  region?: string;
  accountId?: string;
  providers?: ResourceProviders;
  /** Parameter overrides per stack name. */
  parameters?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  ssmParameters?: Readonly<Record<string, string>>;
}

/**
 * "Deploys" every stack of the assembly in dependency order, feeding each stack's exports to the
 * `Fn::ImportValue`s of the stacks after it, as CloudFormation would.
 */
export function resolveAssembly(assembly: Assembly, options: ResolveAssemblyOptions = {}): ResolvedStack[] {
  const imports: Record<string, unknown> = {};
  return assembly.stacks.map((stack) => {
    const resolved = resolveTemplate(stack.template, {
      stackName: stack.stackName,
      region: options.region,
      accountId: options.accountId,
      providers: options.providers,
      parameters: options.parameters?.[stack.stackName],
      ssmParameters: options.ssmParameters,
      imports: { ...imports },
    });
    for (const [name, value] of Object.entries(resolved.exports)) {
      if (Object.hasOwn(imports, name)) {
        throw new TemplateError(
          `stack ${stack.stackName}: export ${name} is already exported by another stack`,
        );
      }
      imports[name] = value;
    }
    return resolved;
  });
}
