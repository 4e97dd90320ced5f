import { Duration } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { type Subscription, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { resourceName, type StageConfig } from '../config';

export interface AlarmTopicProps {
  readonly config: StageConfig;
  /** Optional e-mail address subscribed to the topic (`-c alarmEmail=ops@example.org`). */
  readonly email?: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Where every alarm goes: an SNS topic, encrypted with a key of its own and reachable over TLS only.
 * A customer managed key because CloudWatch cannot publish to a topic encrypted with the AWS managed
 * `aws/sns` key (its policy cannot grant cloudwatch.amazonaws.com); $1/month.
 */
export class AlarmTopic extends Construct {
  readonly topic: Topic;
  readonly key: Key;
  readonly emailSubscription?: Subscription;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    const { config } = props;
    if (props.email !== undefined && !EMAIL.test(props.email)) {
      throw new Error(`alarmEmail must be an e-mail address, got ${JSON.stringify(props.email)}`);
    }
    this.key = new Key(this, 'Key', {
      description: 'Encrypts the Diplowire alarm topic; CloudWatch alarms may use it to publish.',
      enableKeyRotation: true,
      removalPolicy: config.removalPolicy,
      pendingWindow: Duration.days(7),
    });
    this.key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new Topic(this, 'Topic', {
      topicName: resourceName(config.stage, 'alarms'),
      displayName: `Diplowire ${config.stage} alarms`,
      masterKey: this.key,
      enforceSSL: true,
    });
    if (props.email !== undefined) {
      this.emailSubscription = this.topic.addSubscription(new EmailSubscription(props.email));
    }
  }
}
