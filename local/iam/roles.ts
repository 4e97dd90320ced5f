/**
 * The identity-based policies of every role in the deployed (resolved) templates, as IAM would hold
 * them after `cdk deploy`: the role's inline `Policies`, every `AWS::IAM::Policy` and
 * `AWS::IAM::ManagedPolicy` that names the role in `Roles`, and the managed policies in
 * `ManagedPolicyArns` (customer-managed ones from the templates; AWS-managed ones this module knows).
 */
import type { ResolvedResource, ResolvedStack } from '../template';
import { isSupportedOperator, type PolicyStatement } from './policy';

export interface RolePolicies {
  roleName: string;
  roleArn: string;
  statements: PolicyStatement[];
}

/**
 * AWS-managed policies CDK attaches by default. Only their statements matter locally; any other
 * AWS-managed policy is reported at start and grants nothing here (its contents are not in the template).
 */
const AWS_MANAGED: Record<string, PolicyStatement[]> = {
  'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole': [
    {
      Effect: 'Allow',
      Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: '*',
    },
  ],
};

export function rolePolicies(stacks: readonly ResolvedStack[]): {
  roles: Map<string, RolePolicies>;
  warnings: string[];
} {
  const warnings: string[] = [];
  const all = stacks.flatMap((s) => s.order.map((id) => s.resources[id]!));
  const roles = new Map<string, RolePolicies>();
  const byName = new Map<string, RolePolicies>();
  for (const role of all.filter((r) => r.type === 'AWS::IAM::Role')) {
    const entry: RolePolicies = {
      roleName: role.physicalId,
      roleArn: String(role.getAtt('Arn')),
      statements: [],
    };
    roles.set(entry.roleArn, entry);
    byName.set(entry.roleName, entry);
    for (const inline of asArray(role.properties.Policies)) {
      entry.statements.push(
        ...statementsOf((inline as { PolicyDocument?: unknown }).PolicyDocument, role, warnings),
      );
    }
    if (role.properties.PermissionsBoundary !== undefined)
      warnings.push(`${role.logicalId}: permissions boundaries are not enforced locally`);
  }
  const managed = new Map<string, PolicyStatement[]>(Object.entries(AWS_MANAGED));
  for (const policy of all.filter((r) => r.type === 'AWS::IAM::ManagedPolicy')) {
    managed.set(String(policy.ref), statementsOf(policy.properties.PolicyDocument, policy, warnings));
  }
  for (const entry of roles.values()) {
    const role = all.find((r) => r.type === 'AWS::IAM::Role' && r.physicalId === entry.roleName)!;
    for (const arn of asArray(role.properties.ManagedPolicyArns).map(String)) {
      const statements = managed.get(arn);
      if (statements) entry.statements.push(...statements);
      else warnings.push(`${role.logicalId}: managed policy ${arn} is not known locally and grants nothing`);
    }
  }
  for (const policy of all.filter(
    (r) => r.type === 'AWS::IAM::Policy' || r.type === 'AWS::IAM::ManagedPolicy',
  )) {
    const statements =
      policy.type === 'AWS::IAM::ManagedPolicy'
        ? (managed.get(String(policy.ref)) ?? [])
        : statementsOf(policy.properties.PolicyDocument, policy, warnings);
    for (const roleRef of asArray(policy.properties.Roles).map(String)) {
      // `Roles` holds role names (Ref); an ARN is tolerated as CloudFormation does for some types.
      const target = byName.get(roleRef) ?? roles.get(roleRef);
      if (target) target.statements.push(...statements);
      else
        warnings.push(
          `${policy.logicalId}: role ${roleRef} is not in the templates; its statements apply to nobody`,
        );
    }
  }
  return { roles, warnings };
}

function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function statementsOf(document: unknown, owner: ResolvedResource, warnings: string[]): PolicyStatement[] {
  const raw = (document as { Statement?: unknown } | undefined)?.Statement;
  const statements = asArray(raw) as PolicyStatement[];
  for (const statement of statements) {
    for (const operator of Object.keys(statement.Condition ?? {})) {
      if (!isSupportedOperator(operator))
        warnings.push(
          `${owner.logicalId}: condition operator ${operator} is not evaluated locally; its statement never applies`,
        );
    }
    if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny')
      warnings.push(`${owner.logicalId}: statement with Effect ${String(statement.Effect)} ignored`);
  }
  return statements.filter((s) => s.Effect === 'Allow' || s.Effect === 'Deny');
}
