import { describe, expect, it } from 'vitest';
import { evaluate, type PolicyStatement, wildcardMatch, withoutConditionKeys } from '#local/iam/policy.ts';

const TABLE = 'arn:aws:dynamodb:us-east-1:000000000000:table/items';
const allow = (statement: Omit<PolicyStatement, 'Effect'>): PolicyStatement => ({
  Effect: 'Allow',
  ...statement,
});
const deny = (statement: Omit<PolicyStatement, 'Effect'>): PolicyStatement => ({
  Effect: 'Deny',
  ...statement,
});
const effect = (statements: PolicyStatement[], request: Parameters<typeof evaluate>[1]) =>
  evaluate(statements, request).effect;

describe('actions', () => {
  it('allows a listed action and refuses any other (default deny)', () => {
    const policy = [allow({ Action: ['dynamodb:GetItem', 'dynamodb:Query'], Resource: TABLE })];
    expect(effect(policy, { action: 'dynamodb:GetItem', resource: TABLE })).toBe('allow');
    expect(effect(policy, { action: 'dynamodb:PutItem', resource: TABLE })).toBe('implicit-deny');
    expect(effect([], { action: 'dynamodb:GetItem', resource: TABLE })).toBe('implicit-deny');
  });

  it('matches action wildcards as AWS does, case-insensitively', () => {
    const policy = [allow({ Action: 'dynamodb:Get*', Resource: '*' })];
    expect(effect(policy, { action: 'dynamodb:GetItem', resource: TABLE })).toBe('allow');
    expect(effect(policy, { action: 'DynamoDB:getitem', resource: TABLE })).toBe('allow');
    expect(effect(policy, { action: 'dynamodb:BatchGetItem', resource: TABLE })).toBe('implicit-deny');
    expect(
      effect([allow({ Action: 'sqs:?eceiveMessage', Resource: '*' })], {
        action: 'sqs:ReceiveMessage',
        resource: 'x',
      }),
    ).toBe('allow');
  });

  it('NotAction allows everything but the listed actions', () => {
    const policy = [allow({ NotAction: 'dynamodb:Delete*', Resource: '*' })];
    expect(effect(policy, { action: 'dynamodb:PutItem', resource: TABLE })).toBe('allow');
    expect(effect(policy, { action: 'dynamodb:DeleteItem', resource: TABLE })).toBe('implicit-deny');
  });
});

describe('resources', () => {
  it('needs the exact ARN: a table grant does not cover its indexes or streams', () => {
    const policy = [allow({ Action: 'dynamodb:Query', Resource: TABLE })];
    expect(effect(policy, { action: 'dynamodb:Query', resource: TABLE })).toBe('allow');
    expect(effect(policy, { action: 'dynamodb:Query', resource: `${TABLE}/index/GSI1` })).toBe(
      'implicit-deny',
    );
    expect(effect(policy, { action: 'dynamodb:Query', resource: `${TABLE}-other` })).toBe('implicit-deny');
  });

  it('matches resource wildcards case-sensitively, `*` across slashes', () => {
    const policy = [
      allow({
        Action: 'scheduler:CreateSchedule',
        Resource: 'arn:aws:scheduler:us-east-1:000000000000:schedule/releases/release-*',
      }),
    ];
    const arn = (name: string) => `arn:aws:scheduler:us-east-1:000000000000:schedule/${name}`;
    expect(
      effect(policy, { action: 'scheduler:CreateSchedule', resource: arn('releases/release-itm_1') }),
    ).toBe('allow');
    expect(
      effect(policy, { action: 'scheduler:CreateSchedule', resource: arn('releases/Release-itm_1') }),
    ).toBe('implicit-deny');
    expect(
      effect(policy, { action: 'scheduler:CreateSchedule', resource: arn('default/release-itm_1') }),
    ).toBe('implicit-deny');
    expect(
      effect([allow({ Action: '*', Resource: `${TABLE}/*` })], {
        action: 'dynamodb:Query',
        resource: `${TABLE}/index/a/b`,
      }),
    ).toBe('allow');
  });

  it('NotResource allows every resource but the listed ones', () => {
    const policy = [allow({ Action: 'dynamodb:*', NotResource: TABLE })];
    expect(effect(policy, { action: 'dynamodb:GetItem', resource: `${TABLE}2` })).toBe('allow');
    expect(effect(policy, { action: 'dynamodb:GetItem', resource: TABLE })).toBe('implicit-deny');
  });
});

describe('explicit deny', () => {
  it('wins over any allow, whatever the order', () => {
    const grant = allow({ Action: 'dynamodb:*', Resource: '*' });
    const refusal = deny({ Action: 'dynamodb:DeleteItem', Resource: TABLE });
    for (const policy of [
      [grant, refusal],
      [refusal, grant],
    ]) {
      expect(effect(policy, { action: 'dynamodb:DeleteItem', resource: TABLE })).toBe('explicit-deny');
      expect(effect(policy, { action: 'dynamodb:PutItem', resource: TABLE })).toBe('allow');
    }
  });

  it('applies only when its own conditions hold', () => {
    const policy = [
      allow({ Action: 'dynamodb:GetItem', Resource: TABLE }),
      deny({
        Action: 'dynamodb:GetItem',
        Resource: TABLE,
        Condition: { 'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': ['SECRET#*'] } },
      }),
    ];
    const get = (key: string) => ({
      action: 'dynamodb:GetItem',
      resource: TABLE,
      context: { 'dynamodb:LeadingKeys': [key] },
    });
    expect(effect(policy, get('ITEM#1'))).toBe('allow');
    expect(effect(policy, get('SECRET#1'))).toBe('explicit-deny');
  });
});

describe('conditions', () => {
  const leading = (patterns: string[], op = 'ForAllValues:StringLike') => [
    allow({
      Action: 'dynamodb:*',
      Resource: TABLE,
      Condition: { [op]: { 'dynamodb:LeadingKeys': patterns } },
    }),
  ];
  const keys = (values: readonly string[] | null | undefined) => ({
    action: 'dynamodb:Query',
    resource: TABLE,
    context: { 'dynamodb:LeadingKeys': values },
  });

  it('ForAllValues:StringLike needs every partition key to match one pattern', () => {
    const policy = leading(['ITEM#*', 'TRANSLATION#*']);
    expect(effect(policy, keys(['ITEM#1']))).toBe('allow');
    expect(effect(policy, keys(['ITEM#1', 'TRANSLATION#2']))).toBe('allow');
    expect(effect(policy, keys(['ITEM#1', 'PARTNER#2']))).toBe('implicit-deny');
    expect(effect(policy, keys(['item#1']))).toBe('implicit-deny');
  });

  it('ForAllValues:StringEquals compares exactly', () => {
    const policy = leading(['PARTNER#p1'], 'ForAllValues:StringEquals');
    expect(effect(policy, keys(['PARTNER#p1']))).toBe('allow');
    expect(effect(policy, keys(['PARTNER#p10']))).toBe('implicit-deny');
  });

  it('an unknowable partition key (a Scan) satisfies no LeadingKeys condition', () => {
    expect(effect(leading(['*']), keys(null))).toBe('implicit-deny');
  });

  it('ForAnyValue needs one match and fails when the key is absent; ForAllValues holds when absent', () => {
    expect(effect(leading(['ITEM#*'], 'ForAnyValue:StringLike'), keys(['X', 'ITEM#1']))).toBe('allow');
    expect(effect(leading(['ITEM#*'], 'ForAnyValue:StringLike'), keys(undefined))).toBe('implicit-deny');
    expect(effect(leading(['ITEM#*']), keys(undefined))).toBe('allow');
  });

  it('StringEquals on single-valued keys: all keys and operators must hold, values are alternatives', () => {
    const policy = [
      allow({
        Action: 'events:PutEvents',
        Resource: '*',
        Condition: { StringEquals: { 'events:source': ['a', 'b'], 'events:detail-type': 'T' } },
      }),
    ];
    const put = (source: string, detailType?: string) => ({
      action: 'events:PutEvents',
      resource: 'bus',
      context: { 'events:source': [source], 'events:detail-type': detailType ? [detailType] : undefined },
    });
    expect(effect(policy, put('a', 'T'))).toBe('allow');
    expect(effect(policy, put('b', 'T'))).toBe('allow');
    expect(effect(policy, put('c', 'T'))).toBe('implicit-deny');
    expect(effect(policy, put('a', 'U'))).toBe('implicit-deny');
    expect(effect(policy, put('a'))).toBe('implicit-deny');
  });

  it('condition keys are case-insensitive; negated operators, IfExists and Null', () => {
    const ctx = { 'IAM:PassedToService': ['scheduler.amazonaws.com'] };
    const request = { action: 'iam:PassRole', resource: 'role', context: ctx };
    const with_ = (Condition: PolicyStatement['Condition']) => [
      allow({ Action: 'iam:PassRole', Resource: '*', Condition }),
    ];
    expect(
      effect(with_({ StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } }), request),
    ).toBe('allow');
    expect(
      effect(with_({ StringNotEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } }), request),
    ).toBe('allow');
    expect(
      effect(with_({ StringNotEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } }), request),
    ).toBe('implicit-deny');
    expect(effect(with_({ StringEqualsIfExists: { 'aws:SourceVpc': 'vpc-1' } }), request)).toBe('allow');
    expect(effect(with_({ StringEquals: { 'aws:SourceVpc': 'vpc-1' } }), request)).toBe('implicit-deny');
    expect(effect(with_({ Null: { 'aws:SourceVpc': 'true' } }), request)).toBe('allow');
    expect(effect(with_({ Null: { 'iam:PassedToService': 'true' } }), request)).toBe('implicit-deny');
    expect(
      effect(with_({ NumericLessThan: { 'x:n': '5' } }), { ...request, context: { 'x:n': ['3'] } }),
    ).toBe('allow');
    expect(
      effect(with_({ ArnLike: { 'aws:SourceArn': 'arn:aws:events:*:*:rule/*' } }), {
        ...request,
        context: { 'aws:SourceArn': ['arn:aws:events:us-east-1:0:rule/r'] },
      }),
    ).toBe('allow');
  });

  it('an operator it does not know never holds (the statement does not apply)', () => {
    const policy = [
      allow({ Action: '*', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }),
    ];
    expect(
      effect(policy, { action: 'sqs:SendMessage', resource: 'q', context: { 'aws:SourceIp': ['10.0.0.1'] } }),
    ).toBe('implicit-deny');
  });

  it('withoutConditionKeys drops only the named keys', () => {
    const policy = [
      allow({
        Action: '*',
        Resource: '*',
        Condition: { StringEquals: { 'events:source': 'a', 'events:detail-type': 'T' } },
      }),
    ];
    const relaxed = withoutConditionKeys(policy, ['events:detail-type']);
    expect(relaxed[0]?.Condition).toEqual({ StringEquals: { 'events:source': 'a' } });
    expect(effect(relaxed, { action: 'x:y', resource: 'r', context: { 'events:source': ['a'] } })).toBe(
      'allow',
    );
  });
});

describe('wildcardMatch', () => {
  it('backtracks over several stars without a regex', () => {
    expect(wildcardMatch('a*b*c', 'axxbyyc', false)).toBe(true);
    expect(wildcardMatch('a*b*c', 'axxbyy', false)).toBe(false);
    expect(wildcardMatch('*', '', false)).toBe(true);
    expect(wildcardMatch('a?', 'a', false)).toBe(false);
  });
});
