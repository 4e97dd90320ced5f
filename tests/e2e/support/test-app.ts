#!/usr/bin/env node
/**
 * The CDK app of the e2e suite: the REAL app (infra/build-app.ts, context from cdk.json and `-c`)
 * plus the test-only `Diplowire-<stage>-E2E` stack that subscribes to the real bus.
 *
 *   npx cdk synth --app "npx tsx tests/e2e/support/test-app.ts" --output <dir> --quiet
 */
import { buildApp } from '#infra/build-app.ts';
import { E2eStack, e2eNames } from './e2e-stack';

const { app, stage, dataStack } = buildApp();
new E2eStack(app, e2eNames(stage).stackName, {
  stage,
  eventBus: dataStack.eventBus,
  description: `Diplowire ${stage}: e2e test subscribers (test-only, never deployed).`,
});
