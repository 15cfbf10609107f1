import { App, AppProps, Duration, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { FargateCapacity, ResilientParallelEcsTests } from '../../src';

/**
 * The two stacks that the security gates judge: the construct with its defaults, and the construct with every
 * option turned on. The cdk-nag test, the IAM tests and the cfn-lint script all synthesize these same stacks.
 *
 * They are environment-agnostic, as a library's users' stacks often are: account, Region and Availability Zones stay
 * CloudFormation references, which is the harder case for the acknowledgements (ARNs hold <AWS::Region>) and keeps
 * the templates free of Availability Zones that cfn-lint would call hard-coded.
 */

/**
 * An app with the feature flags that `cdk init` writes into a new project's cdk.json, as most users have them. One
 * of them gives the new VPC a custom resource that strips its default security group, which the gates then see too.
 */
export function newApp(props: AppProps = {}): App {
  return new App({ ...props, context: { ...cxapi.CURRENTLY_RECOMMENDED_FLAGS, ...props.context } });
}

export const IMAGE = ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:stable');

/** The ARN of the Secrets Manager secret that the full stack's e2e suite reads; a value never appears anywhere. */
export const DATABASE_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:tests/database-AbCdEf';
export const API_TOKEN_PARAMETER = '/tests/api-token';
/** The ECR repository of the full stack's integration suite, whose pulls need the registry login. */
export const IMAGE_REPOSITORY = 'test-images';

export interface SecurityStack {
  readonly stack: Stack;
  readonly tests: ResilientParallelEcsTests;
}

/** The construct as a user gets it with one suite and nothing else set. */
export function defaultsStack(app: App): SecurityStack {
  const stack = new Stack(app, 'Defaults');
  const tests = new ResilientParallelEcsTests(stack, 'Tests', {
    testSuites: [{ name: 'unit', image: IMAGE, shards: 4 }],
  });
  return { stack, tests };
}

/** The construct with every option on: Spot, fail-fast, schedules, notification targets, secrets, ARM64, retries. */
export function everythingStack(app: App): SecurityStack {
  const stack = new Stack(app, 'Everything');
  const databaseSecret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'DatabaseSecret', DATABASE_SECRET_ARN);
  const apiToken = ssm.StringParameter.fromSecureStringParameterAttributes(stack, 'ApiToken', {
    parameterName: API_TOKEN_PARAMETER,
  });
  const queue = new sqs.Queue(stack, 'NotificationQueue', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    deadLetterQueue: {
      maxReceiveCount: 3,
      queue: new sqs.Queue(stack, 'NotificationDeadLetters', {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
      }),
    },
  });
  const tests = new ResilientParallelEcsTests(stack, 'Tests', {
    testSuites: [
      { name: 'unit', image: IMAGE, shards: 8, cpuArchitecture: ecs.CpuArchitecture.ARM64, cpu: 512, memoryLimitMiB: 1024 },
      {
        name: 'e2e',
        image: IMAGE,
        shards: 2,
        timeout: Duration.minutes(30),
        environment: { BASE_URL: 'https://staging.example.com' },
        secrets: {
          DATABASE_PASSWORD: ecs.Secret.fromSecretsManager(databaseSecret, 'password'),
          API_TOKEN: ecs.Secret.fromSsmParameter(apiToken),
        },
        ephemeralStorageGiB: 50,
      },
      {
        name: 'integration',
        image: ecs.ContainerImage.fromEcrRepository(ecr.Repository.fromRepositoryName(stack, 'TestImages', IMAGE_REPOSITORY), 'v1'),
        command: ['npm', 'run', 'test:integration'],
        shards: 3,
      },
    ],
    capacity: FargateCapacity.SPOT,
    failFast: true,
    retryPolicy: { maxAttempts: 4, retryTestFailures: 2, retryTimeouts: true, interval: Duration.seconds(5) },
    schedules: [
      { schedule: events.Schedule.cron({ hour: '3', minute: '0' }) },
      { schedule: events.Schedule.rate(Duration.hours(6)), testSuites: ['unit'], environment: { SMOKE: 'true' } },
    ],
    notificationTargets: [
      new subscriptions.EmailSubscription('team@example.com'),
      new subscriptions.SqsSubscription(queue),
    ],
    logRetention: logs.RetentionDays.THREE_MONTHS,
    taskTimeout: Duration.minutes(20),
    stateMachineName: 'security-everything',
  });
  return { stack, tests };
}
