/** Helpers of the template resolution tests: resolve a template, or observe how one value resolves. */
import { type CfnTemplate, resolveTemplate } from '#local/template/index.ts';

export const STACK = 'Demo-dev-Api';

export function resolveOne(
  template: Partial<CfnTemplate>,
  extra: Partial<Parameters<typeof resolveTemplate>[1]> = {},
) {
  return resolveTemplate({ Resources: {}, ...template } as CfnTemplate, { stackName: STACK, ...extra });
}

/** A template whose single `Custom::Probe` resource holds `value` in `Value`, to observe resolution. */
export function resolvedValue(value: unknown, template: Partial<CfnTemplate> = {}, extra = {}) {
  const resolved = resolveOne(
    {
      ...template,
      Resources: {
        ...(template.Resources ?? {}),
        Probe: { Type: 'Custom::Probe', Properties: { Value: value } },
      },
    },
    extra,
  );
  return resolved.resources.Probe!.properties.Value;
}
