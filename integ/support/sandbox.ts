import { App, Duration, RemovalPolicies, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { ResilientParallelEcsTestsProps, TestSuite } from '../../src';

/** A small shell image from a public registry, so that no scenario needs a registry of its own or a build. */
export const SHELL_IMAGE = ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:stable');

/**
 * A suite whose tests are one line of shell. The smallest Fargate size keeps a sandbox run at a few cents.
 */
export function shellSuite(name: string, script: string, options: Partial<TestSuite> = {}): TestSuite {
  return { name, image: SHELL_IMAGE, command: ['sh', '-c', script], cpu: 256, memoryLimitMiB: 512, ...options };
}

/**
 * A stack for one scenario that leaves nothing behind when integ-runner destroys it: every resource is deleted with
 * the stack, the results bucket is emptied first, and a queue stands in for the people who read notifications.
 */
export class SandboxStack extends Stack {
  /** Passed to the construct: the construct's own bucket cannot empty itself, so a non-empty one would block the delete. */
  public readonly resultsBucket: s3.Bucket;
  /** Subscribed to the construct's topic, so that the assertions can read what a person would receive. */
  public readonly notifications: sqs.Queue;

  constructor(app: App, id: string) {
    super(app, id, { description: `Integration test of cdk-resilient-parallel-ecs-tests: ${id}; safe to delete` });

    this.resultsBucket = new s3.Bucket(this, 'Results', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });
    this.notifications = new sqs.Queue(this, 'Notifications', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });

    // The construct's removalPolicy covers its bucket, log groups and topic key; this reaches whatever else in the
    // sandbox stack defaults to RETAIN.
    RemovalPolicies.of(this).destroy();
  }

  /** The construct props every scenario shares: the bucket and queue above, and nothing retained. */
  public sandboxProps(): Pick<ResilientParallelEcsTestsProps,
  'resultsBucket' | 'notificationTargets' | 'removalPolicy' | 'logRetention' | 'taskTimeout' | 'runTimeout'> {
    return {
      resultsBucket: this.resultsBucket,
      // Raw delivery: the queue receives exactly the text an email subscriber would read.
      notificationTargets: [new subscriptions.SqsSubscription(this.notifications, { rawMessageDelivery: true })],
      removalPolicy: RemovalPolicy.DESTROY,
      logRetention: logs.RetentionDays.ONE_DAY,
      // Every suite here ends in seconds unless it is meant to hang; a stuck sandbox run should end soon and cheaply.
      taskTimeout: Duration.minutes(5),
      runTimeout: Duration.minutes(30),
    };
  }
}
