import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { RunStatus } from './notifications';
import { RetryPolicy } from './retry-policy';
import { TestSuite } from './test-suite';

/** Where shards run on Fargate. */
export enum FargateCapacity {
  /** On-demand Fargate for every attempt. */
  ON_DEMAND = 'ON_DEMAND',
  /**
   * Fargate Spot, up to 70% cheaper, for every attempt but the last one that infrastructure failures allow, which
   * runs on-demand so that a Spot shortage cannot fail a shard. A Spot interruption counts as an infrastructure
   * failure and is retried.
   */
  SPOT = 'SPOT',
}

/** A schedule on which runs start by themselves. */
export interface RunSchedule {
  /** When runs start, for example `events.Schedule.cron({ hour: '3', minute: '0' })`. */
  readonly schedule: events.Schedule;

  /**
   * The suites to run.
   *
   * @default - every suite
   */
  readonly testSuites?: string[];

  /**
   * Environment overrides for every container of the run.
   *
   * @default - none
   */
  readonly environment?: { [name: string]: string };
}

export interface ResilientParallelEcsTestsProps {
  /** The test suites. At least one; names must be unique. */
  readonly testSuites: TestSuite[];

  /**
   * How failed shards are retried.
   *
   * @default - 3 attempts for infrastructure failures with backoff from 10 seconds, doubling, at most 5 minutes,
   * full jitter; test failures and timeouts are not retried
   */
  readonly retryPolicy?: RetryPolicy;

  /**
   * How long one attempt of a shard may run before its task is stopped and the shard reported as timed out; a
   * suite's own `timeout` overrides it. From 1 minute to 7 days.
   *
   * @default Duration.hours(1)
   */
  readonly taskTimeout?: Duration;

  /**
   * How long a whole run may take before Step Functions stops it with status TIMED_OUT. From 5 minutes to 365 days,
   * and longer than every suite's timeout.
   *
   * @default Duration.hours(12)
   */
  readonly runTimeout?: Duration;

  /**
   * How many shards run at once. From 1 to 10,000. Fargate launches at most about 20 tasks a second per account and
   * Region, and a Fargate vCPU quota caps how many run at once: check yours in Service Quotas before raising this.
   *
   * @default 100
   */
  readonly maxConcurrency?: number;

  /**
   * Whether the first shard that does not pass stops the run. The shards that had not finished are stopped and
   * reported as CANCELLED.
   *
   * @default false - every shard runs, whatever the others do
   */
  readonly failFast?: boolean;

  /**
   * Which Fargate capacity runs the shards.
   *
   * @default FargateCapacity.ON_DEMAND
   */
  readonly capacity?: FargateCapacity;

  /**
   * The VPC for a new cluster. Not with `cluster`, which brings its own.
   *
   * @default - a new VPC with public and private subnets in two Availability Zones, one NAT gateway, and flow logs
   */
  readonly vpc?: ec2.IVpc;

  /**
   * An existing cluster to run the shards in. If you use `FargateCapacity.SPOT`, it must have the FARGATE and
   * FARGATE_SPOT capacity providers.
   *
   * @default - a new cluster with Container Insights
   */
  readonly cluster?: ecs.ICluster;

  /**
   * The subnets for the tasks.
   *
   * @default - the private subnets with egress, or the public subnets if `assignPublicIp` is true
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * Security groups for the tasks.
   *
   * @default - a new security group that allows all outbound traffic and no inbound traffic
   */
  readonly securityGroups?: ec2.ISecurityGroup[];

  /**
   * Whether the tasks get public IP addresses. Only for subnets without a NAT gateway or endpoints.
   *
   * @default false
   */
  readonly assignPublicIp?: boolean;

  /**
   * Whether the new cluster has Container Insights. Not with `cluster`.
   *
   * @default true
   */
  readonly containerInsights?: boolean;

  /**
   * Who hears about runs: aws-cdk-lib's email, SQS, Lambda, URL and SMS subscriptions.
   *
   * @default - none; subscribe to `topic` later
   */
  readonly notificationTargets?: sns.ITopicSubscription[];

  /**
   * An existing topic for the notifications. If it is encrypted, its key policy must let `events.amazonaws.com`
   * use the key.
   *
   * @default - a new topic, encrypted with a new customer-managed KMS key, that accepts TLS only
   */
  readonly topic?: sns.ITopic;

  /**
   * The run statuses that send a notification.
   *
   * @default [RunStatus.FAILED, RunStatus.TIMED_OUT, RunStatus.ABORTED]
   */
  readonly notifyOn?: RunStatus[];

  /**
   * An existing bucket for test reports and run records. The construct's roles get access to its `runs/` prefix.
   *
   * @default - a new bucket that blocks public access, accepts TLS only, is encrypted, and expires objects after
   * `resultsRetention`
   */
  readonly resultsBucket?: s3.IBucket;

  /**
   * How long the new results bucket keeps a run's files. From 1 to 3,650 days. Not with `resultsBucket`.
   *
   * @default Duration.days(30)
   */
  readonly resultsRetention?: Duration;

  /**
   * How long the logs of the tests, the state machine and the functions are kept.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * What happens to the results bucket, the log groups and the topic's key when they leave the stack.
   * CloudFormation deletes only an empty bucket: to destroy a bucket that holds runs, empty it first, or pass your
   * own `resultsBucket` with `autoDeleteObjects`.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Schedules that start runs.
   *
   * @default - none
   */
  readonly schedules?: RunSchedule[];

  /**
   * The state machine's name.
   *
   * @default - a name CloudFormation generates
   */
  readonly stateMachineName?: string;
}
