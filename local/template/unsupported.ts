/**
 * What each local emulator declares it understands. A property path with a dot (`RedrivePolicy.maxReceiveCount`)
 * declares support for part of an object-valued property only; its other keys are reported.
 */
export interface ResourceSupport {
  supportedProperties: readonly string[] | '*';
}
export type SupportRegistry = Readonly<Record<string, ResourceSupport>>;

export interface UnsupportedWarning {
  stackName: string;
  logicalId: string;
  type: string;
  /** Dotted property path; absent when the whole resource type is unsupported. */
  property?: string;
  message: string;
}

export interface ResourceForReport {
  logicalId: string;
  type: string;
  properties: Record<string, unknown>;
}

/**
 * Lists every resource type no emulator supports and every property an emulator would ignore, so the local
 * cloud never drops part of the template silently.
 */
export function unsupportedReport(
  stacks: ReadonlyArray<{ stackName: string; resources: Readonly<Record<string, ResourceForReport>> }>,
  registry: SupportRegistry,
  /** Per type, the CloudFormation properties the emulator ignores (generated: `unsupported.generated.ts`). */
  ignoredByType: Readonly<Record<string, readonly string[]>> = {},
): UnsupportedWarning[] {
  const warnings: UnsupportedWarning[] = [];
  for (const stack of stacks) {
    for (const resource of Object.values(stack.resources)) {
      const where = `${stack.stackName}/${resource.logicalId}`;
      const support = registry[resource.type];
      if (!support) {
        warnings.push({
          stackName: stack.stackName,
          logicalId: resource.logicalId,
          type: resource.type,
          message: `${where}: resource type ${resource.type} is not supported locally; it is not created`,
        });
        continue;
      }
      if (support.supportedProperties === '*') continue;
      const cfnIgnored = ignoredByType[resource.type];
      for (const property of ignoredProperties(resource.properties, support.supportedProperties, '')) {
        // A top-level name CloudFormation does not define either: a template mistake, not a local gap.
        const unknown = cfnIgnored !== undefined && !property.includes('.') && !cfnIgnored.includes(property);
        warnings.push({
          stackName: stack.stackName,
          logicalId: resource.logicalId,
          type: resource.type,
          property,
          message: unknown
            ? `${where}: property ${property} is not a property of ${resource.type} in CloudFormation's schema; ignored`
            : `${where}: property ${property} of ${resource.type} is ignored locally`,
        });
      }
    }
  }
  return warnings;
}

function ignoredProperties(
  value: Record<string, unknown>,
  supported: readonly string[],
  prefix: string,
): string[] {
  const ignored: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    const path = `${prefix}${key}`;
    if (supported.includes(path)) continue;
    const partial = supported.some((entry) => entry.startsWith(`${path}.`));
    if (partial && typeof child === 'object' && child !== null && !Array.isArray(child)) {
      ignored.push(...ignoredProperties(child as Record<string, unknown>, supported, `${path}.`));
    } else {
      ignored.push(path);
    }
  }
  return ignored;
}
