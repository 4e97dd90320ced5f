import { readFileSync } from 'node:fs';
import type { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBARGO_CONCURRENCY } from '#infra/constructs/embargo-release.ts';
import { CONCURRENCY } from '#infra/stacks/subscribers-stack.ts';
import { lambdaFunctionDefinition } from '#local/lambda/template.ts';
import { sqsEventSourceSettings } from '#local/sqs/template.ts';
import {
  type CfnResource,
  disposeSynths,
  REPO_ROOT,
  resourcesOfType,
  type SynthesizedApp,
  synthStage,
} from './support/synth';

/** Lambda's default concurrency limit per account and region, and the part AWS keeps unreserved. */
const ACCOUNT_LIMIT = 1000;
const MIN_UNRESERVED = 100;

let dev: SynthesizedApp;
let prod: SynthesizedApp;

beforeAll(() => {
  dev = synthStage('dev');
  prod = synthStage('prod');
});
afterAll(disposeSynths);

const templatesOf = (app: SynthesizedApp): Template[] => [app.data, app.api, app.subscribers];

function functionsOf(app: SynthesizedApp): Map<string, CfnResource> {
  return new Map(templatesOf(app).flatMap((t) => resourcesOfType(t, 'AWS::Lambda::Function')));
}

function functionNamed(app: SynthesizedApp, name: string): CfnResource {
  const fn = [...functionsOf(app).values()].find((f) => f.Properties.FunctionName === name);
  if (!fn) throw new Error(`no function ${name}`);
  return fn;
}

/** The logical id a `{ Ref }` or `{ Fn::GetAtt: [id, 'Arn'] }` points at. */
function referencedId(value: unknown): string | undefined {
  const v = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] } | undefined;
  return v?.Ref ?? v?.['Fn::GetAtt']?.[0];
}

function reservedOf(fn: CfnResource | undefined): number | undefined {
  const value = fn?.Properties.ReservedConcurrentExecutions;
  return value === undefined ? undefined : Number(value);
}

describe.each(['dev', 'prod'] as const)('concurrency bounds (%s)', (stage) => {
  const app = () => (stage === 'dev' ? dev : prod);
  const name = (suffix: string) => `diplowire-${stage}-${suffix}`;

  it('bounds the webhook dispatcher: 20 concurrent batches, 25 reserved', () => {
    const dispatcher = functionNamed(app(), name('webhook-dispatcher'));
    expect(reservedOf(dispatcher)).toBe(25);
    const [mapping] = resourcesOfType(app().subscribers, 'AWS::Lambda::EventSourceMapping').filter(([, m]) =>
      String(JSON.stringify(m.Properties.EventSourceArn)).includes('WebhookDeliveries'),
    );
    expect(mapping?.[1].Properties.ScalingConfig).toEqual({ MaximumConcurrency: 20 });
  });

  it.each([
    ['translator', 10],
    ['webhook-fanout', 10],
  ])('reserves %s at %i', (fn, reserved) => {
    expect(reservedOf(functionNamed(app(), name(fn)))).toBe(reserved);
  });

  it('bounds every function an EventBridge rule invokes (asynchronous work must not take the API capacity)', () => {
    const functions = functionsOf(app());
    const targets = templatesOf(app())
      .flatMap((t) => resourcesOfType(t, 'AWS::Events::Rule'))
      .flatMap(([, rule]) => (rule.Properties.Targets as { Arn: unknown }[]) ?? [])
      .map((target) => referencedId(target.Arn))
      .filter((id): id is string => id !== undefined && functions.has(id));
    expect(targets.length).toBeGreaterThanOrEqual(2);
    for (const id of targets) {
      expect(reservedOf(functions.get(id)), `${functions.get(id)?.Properties.FunctionName}`).toBeGreaterThan(
        0,
      );
    }
  });

  it('gives every SQS mapping a MaximumConcurrency that its function’s reserved concurrency can run', () => {
    const functions = functionsOf(app());
    const sqsMappings = templatesOf(app())
      .flatMap((t) => resourcesOfType(t, 'AWS::Lambda::EventSourceMapping'))
      .filter(([, m]) => m.Properties.StartingPosition === undefined);
    expect(sqsMappings.length).toBeGreaterThanOrEqual(1);
    for (const [id, mapping] of sqsMappings) {
      const max = (mapping.Properties.ScalingConfig as { MaximumConcurrency?: number } | undefined)
        ?.MaximumConcurrency;
      expect(max, id).toBeGreaterThanOrEqual(2); // Lambda's minimum for SQS
      const reserved = reservedOf(functions.get(referencedId(mapping.Properties.FunctionName) ?? ''));
      // Reserved concurrency below the mapping's bound would throttle the poller's own batches.
      if (reserved !== undefined) expect(reserved, id).toBeGreaterThanOrEqual(max as number);
    }
  });

  it('runs one batch per shard on every stream mapping (bounded by the shard count, in order)', () => {
    const streamMappings = templatesOf(app())
      .flatMap((t) => resourcesOfType(t, 'AWS::Lambda::EventSourceMapping'))
      .filter(([, m]) => m.Properties.StartingPosition !== undefined);
    expect(streamMappings.length).toBeGreaterThanOrEqual(2);
    for (const [, mapping] of streamMappings) expect(mapping.Properties.ParallelizationFactor).toBe(1);
  });

  it('leaves the API functions the unreserved pool, well above the 100 AWS requires', () => {
    const reserved = [...functionsOf(app()).values()].reduce((sum, fn) => sum + (reservedOf(fn) ?? 0), 0);
    expect(reserved).toBe(
      CONCURRENCY.dispatcherReserved +
        CONCURRENCY.translatorReserved +
        CONCURRENCY.webhookFanoutReserved +
        EMBARGO_CONCURRENCY.releaserReserved +
        EMBARGO_CONCURRENCY.schedulesReserved,
    );
    // Two stages may share an account: 90% of it still stays unreserved.
    expect(ACCOUNT_LIMIT - 2 * reserved).toBeGreaterThanOrEqual(0.9 * ACCOUNT_LIMIT);
    expect(ACCOUNT_LIMIT - 2 * reserved).toBeGreaterThan(MIN_UNRESERVED);
    for (const api of ['authorizer', 'items-write', 'items-read', 'subscriptions-api', 'feed-api']) {
      expect(reservedOf(functionNamed(app(), name(api))), api).toBeUndefined();
    }
  });
});

describe('the local cloud', () => {
  it('reads the same bounds from the template: reserved concurrency is the pool, MaximumConcurrency the poller', () => {
    const dispatcher = functionNamed(dev, 'diplowire-dev-webhook-dispatcher');
    const definition = lambdaFunctionDefinition(
      { physicalId: 'diplowire-dev-webhook-dispatcher', properties: dispatcher.Properties },
      'arn:aws:lambda:us-east-1:000000000000:function:diplowire-dev-webhook-dispatcher',
      '/nowhere',
    );
    expect(definition.reservedConcurrency).toBe(CONCURRENCY.dispatcherReserved);
    const [mapping] = resourcesOfType(dev.subscribers, 'AWS::Lambda::EventSourceMapping');
    if (!mapping) throw new Error('no deliveries mapping');
    expect(sqsEventSourceSettings(mapping[1].Properties).maxConcurrency).toBe(
      CONCURRENCY.dispatcherMaxConcurrency,
    );
  });
});

describe('docs/operations.md', () => {
  it('states the numbers the template has', () => {
    const doc = readFileSync(`${REPO_ROOT}docs/operations.md`, 'utf8');
    const parts = [
      CONCURRENCY.dispatcherReserved,
      CONCURRENCY.translatorReserved,
      CONCURRENCY.webhookFanoutReserved,
      EMBARGO_CONCURRENCY.releaserReserved,
      EMBARGO_CONCURRENCY.schedulesReserved,
    ];
    const total = parts.reduce((sum, n) => sum + n, 0);
    expect(doc).toContain(`${parts.join(' + ')} = **${total}**`);
    expect(doc).toContain(`**${ACCOUNT_LIMIT - total}** unreserved`);
    expect(doc).toContain(`\`MaximumConcurrency\` ${CONCURRENCY.dispatcherMaxConcurrency}`);
  });
});
