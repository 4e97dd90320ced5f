import { fileURLToPath } from 'node:url';
import { ArnFormat, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction, SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { Code, type IFunction, Function as LambdaFn, Runtime } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { resourceName, type Stage } from '#infra/config.ts';

/** Physical names of the test-only resources, so the tests can find them on the local cloud. */
export function e2eNames(stage: Stage) {
  return {
    stackName: `Diplowire-${stage}-E2E`,
    tapQueue: resourceName(stage, 'e2e-tap'),
    tapRule: resourceName(stage, 'e2e-tap'),
    failingFunction: resourceName(stage, 'e2e-always-fails'),
    failingRule: resourceName(stage, 'e2e-retracted-to-failing'),
    failingDeadLetterQueue: resourceName(stage, 'e2e-always-fails-dlq'),
    failingFunctionDeadLetterQueue: resourceName(stage, 'e2e-always-fails-fn-dlq'),
    failingOnFailureQueue: resourceName(stage, 'e2e-always-fails-on-failure'),
    deletedFunction: resourceName(stage, 'e2e-deleted'),
    deletedRule: resourceName(stage, 'e2e-retracted-to-deleted'),
    redriveQueue: resourceName(stage, 'e2e-redrive'),
    redriveDeadLetterQueue: resourceName(stage, 'e2e-redrive-dlq'),
  };
}

/**
 * Retry policy of the rule targets: 1 attempt + 2 retries, then the rule's dead-letter queue. It
 * covers only handing the event to Lambda (the deleted function); a function error is Lambda's.
 */
export const FAILING_TARGET_RETRY_ATTEMPTS = 2;
/** The always-failing function's own async retries (EventInvokeConfig): 1 attempt + 1 retry. */
export const FAILING_FUNCTION_RETRY_ATTEMPTS = 1;

export interface E2eStackProps extends StackProps {
  readonly stage: Stage;
  /** The real app's bus (the data stack's `eventBus`): the rules here subscribe to it like any subscriber. */
  readonly eventBus: IEventBus;
}

const TEST_ONLY =
  'Test-only stack of the e2e suite (tests/e2e): it is synthesized for the local cloud and never deployed.';

/**
 * Subscribers the end-to-end suite adds to the real bus: a tap queue that receives every item event
 * (to prove delivery to a rule target); an always-failing Lambda target with its own async retries,
 * DeadLetterConfig and on-failure destination (Lambda's retries and dead-lettering); and a target whose
 * function does not exist (the rule's retry policy and dead-letter queue).
 */
export class E2eStack extends Stack {
  readonly tapQueue: Queue;
  readonly failingDeadLetterQueue: Queue;
  readonly failingFunctionDeadLetterQueue: Queue;
  readonly failingOnFailureQueue: Queue;

  constructor(scope: Construct, id: string, props: E2eStackProps) {
    super(scope, id, props);
    const names = e2eNames(props.stage);

    this.tapQueue = new Queue(this, 'TapQueue', {
      queueName: names.tapQueue,
      enforceSSL: true,
      retentionPeriod: Duration.hours(1),
    });
    const tapRule = new Rule(this, 'TapRule', {
      ruleName: names.tapRule,
      description: 'e2e: every Diplowire item event to the tap queue.',
      eventBus: props.eventBus,
      eventPattern: { source: ['diplowire.items'] },
      targets: [new SqsQueue(this.tapQueue)],
    });

    this.failingDeadLetterQueue = new Queue(this, 'FailingTargetDlq', {
      queueName: names.failingDeadLetterQueue,
      enforceSSL: true,
      retentionPeriod: Duration.hours(1),
    });
    this.failingFunctionDeadLetterQueue = new Queue(this, 'FailingFunctionDlq', {
      queueName: names.failingFunctionDeadLetterQueue,
      enforceSSL: true,
      retentionPeriod: Duration.hours(1),
    });
    this.failingOnFailureQueue = new Queue(this, 'FailingOnFailure', {
      queueName: names.failingOnFailureQueue,
      enforceSSL: true,
      retentionPeriod: Duration.hours(1),
    });
    const failing = new LambdaFn(this, 'AlwaysFails', {
      functionName: names.failingFunction,
      description: 'e2e: a subscriber that always throws.',
      runtime: Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: Code.fromAsset(fileURLToPath(new URL('../fixtures/always-fails', import.meta.url))),
      memorySize: 128,
      timeout: Duration.seconds(5),
      // Lambda's handling of its asynchronous invocations (an EventBridge target is one).
      retryAttempts: FAILING_FUNCTION_RETRY_ATTEMPTS,
      deadLetterQueue: this.failingFunctionDeadLetterQueue,
      onFailure: new SqsDestination(this.failingOnFailureQueue),
    });
    const ruleTarget = (fn: IFunction) =>
      new LambdaFunction(fn, {
        retryAttempts: FAILING_TARGET_RETRY_ATTEMPTS,
        // The smallest age EventBridge accepts; the retries run out long before it.
        maxEventAge: Duration.minutes(1),
        deadLetterQueue: this.failingDeadLetterQueue,
      });
    new Rule(this, 'RetractedToFailingRule', {
      ruleName: names.failingRule,
      description: 'e2e: retractions to a function that always fails (Lambda retries, then its DLQ).',
      eventBus: props.eventBus,
      eventPattern: { source: ['diplowire.items'], detailType: ['NewsItemRetracted'] },
      targets: [ruleTarget(failing)],
    });
    // A target left behind by a deleted function: EventBridge cannot hand the event over at all.
    const deleted = LambdaFn.fromFunctionAttributes(this, 'Deleted', {
      functionArn: this.formatArn({
        service: 'lambda',
        resource: 'function',
        resourceName: names.deletedFunction,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
      sameEnvironment: false,
      skipPermissions: true,
    });
    new Rule(this, 'RetractedToDeletedRule', {
      ruleName: names.deletedRule,
      description: 'e2e: retractions to a function that does not exist (rule retries, then the rule DLQ).',
      eventBus: props.eventBus,
      eventPattern: { source: ['diplowire.items'], detailType: ['NewsItemRetracted'] },
      targets: [ruleTarget(deleted)],
    });

    // A queue that dead-letters on the second receive, for the console's redrive (tests/e2e/console.test.ts).
    const redriveDlq = new Queue(this, 'RedriveDlq', {
      queueName: names.redriveDeadLetterQueue,
      enforceSSL: true,
      retentionPeriod: Duration.hours(1),
    });
    const redriveQueue = new Queue(this, 'RedriveQueue', {
      queueName: names.redriveQueue,
      enforceSSL: true,
      retentionPeriod: Duration.hours(1),
      visibilityTimeout: Duration.seconds(0),
      deadLetterQueue: { queue: redriveDlq, maxReceiveCount: 1 },
    });

    // The real app runs cdk-nag over every stack. These findings are about production hardening that a
    // stack which only exists on the local cloud, for the duration of a test run, does not need.
    const acknowledge = (scope: Construct, ids: string[], why: string) =>
      Validations.of(scope).acknowledge(...ids.map((id) => ({ id, reason: `${TEST_ONLY} ${why}` })));
    acknowledge(
      this.tapQueue,
      ['AwsSolutions::AwsSolutions-SQS3', 'Serverless::Serverless-SQSRedrivePolicy'],
      'The tap queue is read by the tests only; nothing consumes and fails it, so there is nothing to redrive.',
    );
    acknowledge(
      this.failingDeadLetterQueue,
      ['AwsSolutions::AwsSolutions-SQS3', 'Serverless::Serverless-SQSRedrivePolicy'],
      'This queue is itself the dead-letter queue of the failing rule targets.',
    );
    for (const queue of [this.failingFunctionDeadLetterQueue, this.failingOnFailureQueue])
      acknowledge(
        queue,
        ['AwsSolutions::AwsSolutions-SQS3', 'Serverless::Serverless-SQSRedrivePolicy'],
        "This queue is itself where the failing function's given-up events go.",
      );
    acknowledge(
      redriveDlq,
      ['AwsSolutions::AwsSolutions-SQS3', 'Serverless::Serverless-SQSRedrivePolicy'],
      'This queue is itself the dead-letter queue of the redrive queue.',
    );
    acknowledge(
      redriveQueue,
      ['AwsSolutions::AwsSolutions-SQS3'],
      'The redrive queue has a dead-letter queue; nothing consumes it but the console test.',
    );
    acknowledge(
      tapRule,
      ['Serverless::Serverless-EventBusDLQ'],
      'The tap target is a local queue that cannot fail to accept a message; the DLQ path is tested on the other rule.',
    );
    acknowledge(
      failing,
      [
        'AwsSolutions::AwsSolutions-L1',
        'Serverless::Serverless-LambdaLatestVersion',
        'Serverless::Serverless-LambdaDLQ',
        'Serverless::Serverless-LambdaTracing',
      ],
      "The function exists to fail: the dead-letter queues under test are its own and its rule target's, its runtime matches " +
        "the app's pinned nodejs24.x, and there is no X-Ray locally.",
    );
    acknowledge(
      failing.role ?? failing,
      [
        'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      ],
      'The default execution role (logs only) is enough for a function that never calls AWS.',
    );
  }
}
