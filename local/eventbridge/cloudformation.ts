/**
 * Adapts resolved CloudFormation `AWS::Events::EventBus|Rule|Archive` Properties (intrinsics already
 * resolved to plain values by the orchestrator) to the local EventBridge's definitions.
 */
import type { LocalArchiveDefinition, LocalBusDefinition, LocalRuleDefinition } from './model';
import { busNameOf } from './rules';

export interface CloudFormationEventsResource {
  logicalId: string;
  type: 'AWS::Events::EventBus' | 'AWS::Events::Rule' | 'AWS::Events::Archive' | string;
  /** Resolved `Properties`. */
  properties: Record<string, unknown>;
}

export interface LocalEventBridgeDefinitions {
  buses: LocalBusDefinition[];
  rules: LocalRuleDefinition[];
  archives: LocalArchiveDefinition[];
}

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const num = (value: unknown): number | undefined =>
  typeof value === 'number' ? value : typeof value === 'string' && value !== '' ? Number(value) : undefined;
const obj = (value: unknown): Record<string, unknown> | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;

function definedOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** The physical names and ARNs AWS would give these resources (resources without `Name` use the logical id). */
export function fromCloudFormation(
  resources: CloudFormationEventsResource[],
  env: { region: string; accountId: string },
): LocalEventBridgeDefinitions {
  const arnBase = `arn:aws:events:${env.region}:${env.accountId}`;
  const buses: LocalBusDefinition[] = [];
  const rules: LocalRuleDefinition[] = [];
  const archives: LocalArchiveDefinition[] = [];
  for (const { logicalId, type, properties: p } of resources) {
    if (type === 'AWS::Events::EventBus') {
      const name = str(p.Name) ?? logicalId;
      buses.push({ name, arn: `${arnBase}:event-bus/${name}` });
    } else if (type === 'AWS::Events::Rule') {
      const name = str(p.Name) ?? logicalId;
      const eventBusName = busNameOf(str(p.EventBusName));
      const targets = Array.isArray(p.Targets) ? p.Targets : [];
      rules.push(
        definedOnly({
          name,
          arn:
            eventBusName === 'default'
              ? `${arnBase}:rule/${name}`
              : `${arnBase}:rule/${eventBusName}/${name}`,
          eventBusName,
          eventPattern: (obj(p.EventPattern) ?? str(p.EventPattern)) as string | object | undefined,
          scheduleExpression: str(p.ScheduleExpression),
          state: p.State === 'DISABLED' ? 'DISABLED' : 'ENABLED',
          description: str(p.Description),
          targets: targets.map((raw) => {
            const t = obj(raw) ?? {};
            const transformer = obj(t.InputTransformer);
            const retry = obj(t.RetryPolicy);
            return definedOnly({
              id: str(t.Id) ?? '',
              arn: str(t.Arn) ?? '',
              input: str(t.Input),
              inputPath: str(t.InputPath),
              inputTransformer:
                transformer === undefined
                  ? undefined
                  : definedOnly({
                      inputPathsMap: obj(transformer.InputPathsMap) as Record<string, string> | undefined,
                      inputTemplate: str(transformer.InputTemplate) ?? '',
                    }),
              retryPolicy:
                retry === undefined
                  ? undefined
                  : definedOnly({
                      maximumRetryAttempts: num(retry.MaximumRetryAttempts),
                      maximumEventAgeInSeconds: num(retry.MaximumEventAgeInSeconds),
                    }),
              deadLetterArn: str(obj(t.DeadLetterConfig)?.Arn),
            });
          }),
        }),
      );
    } else if (type === 'AWS::Events::Archive') {
      const name = str(p.ArchiveName) ?? logicalId;
      archives.push(
        definedOnly({
          name,
          arn: `${arnBase}:archive/${name}`,
          sourceBusArn: str(p.SourceArn) ?? `${arnBase}:event-bus/default`,
          eventPattern: (obj(p.EventPattern) ?? str(p.EventPattern)) as string | object | undefined,
          retentionDays: num(p.RetentionDays),
          description: str(p.Description),
        }),
      );
    }
  }
  return { buses, rules, archives };
}
