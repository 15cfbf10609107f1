import { Annotations, CfnResource, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
  acknowledge, acknowledgeWildcardResource, acknowledgeWildcardResourcesOf, allowWithWildcardResources, IAM_WILDCARDS, statementsOf,
} from './acknowledgements';
import { RunNotifications, RunStatus } from './notifications';
import { grantReadRunFiles, grantWriteRunFiles } from './results-access';
import { resolveRetryPolicy, RetryPolicy } from './retry-policy';
import { RESULTS_LAYOUT } from './runtime/contract';
import { PlanFunction } from './runtime/plan-function';
import { SummarizeFunction } from './runtime/summarize-function';
import { SweepFunction } from './runtime/sweep-function';
import { checkEnvironmentEntry, checkNotSecret, ResolvedTestSuite, resolveTestSuites, TASK_TIMEOUT_SECONDS, TestSuite } from './test-suite';
import { PropErrors } from './validation';
import { RunWorkflow } from './workflow/run-workflow';

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

const CONTAINER_NAME = 'tests';
const RUN_TIMEOUT_SECONDS = { min: 300, max: 365 * 24 * 3600 };
/** CloudFormation refuses a stack with more resources than this. */
const CLOUDFORMATION_RESOURCE_LIMIT = 500;
/**
 * CloudFormation refuses a template larger than this many bytes ("Template may not exceed 1000000 bytes in size");
 * aws-cdk-lib only warns. The state machine's definition is part of the template, so its own limit of 1 MB is
 * never the first one reached.
 */
const CLOUDFORMATION_TEMPLATE_LIMIT = 1_000_000;
/**
 * Measuring the template means rendering it, which takes about a third as long as the synth itself, so it is
 * measured only when an estimate says it could pass half the limit: 2 KB per resource (twice what this
 * construct's take on average) and what the suites' environments, commands and secrets add.
 */
const TEMPLATE_ESTIMATE = { bytesPerResource: 2_000, bytesPerSecret: 1_000, measureAbove: CLOUDFORMATION_TEMPLATE_LIMIT / 2 };
/** What the stack synthesizer adds to the template after validation: the bootstrap version check takes 0.8 KB. */
const SYNTHESIZER_ADDITIONS_BYTES = 4_000;

/**
 * Runs containerized test suites in parallel shards on Fargate, retrying what is transient, stopping what runs too
 * long, recording each shard's outcome and telling people when a run fails.
 *
 * Start a run with `{}` (every suite), `{"testSuites": ["unit"]}` (some suites) and optionally
 * `{"environment": {"GIT_SHA": "…"}}` (variables for every container of the run).
 */
export class ResilientParallelEcsTests extends Construct {
  /** The cluster the shards run in. */
  public readonly cluster: ecs.ICluster;
  /** The state machine that runs a test run. */
  public readonly stateMachine: sfn.StateMachine;
  /** The topic that notifications go to. */
  public readonly topic: sns.ITopic;
  /** The EventBridge rule that sends notifications when a run ends with one of the `notifyOn` statuses. */
  public readonly notificationRule: events.Rule;
  /** Each suite's task definition, by suite name. */
  public readonly taskDefinitions: { [suiteName: string]: ecs.FargateTaskDefinition };
  /** The bucket for test reports, run plans, shard records and summaries. */
  public readonly resultsBucket: s3.IBucket;
  /** The log group of the test containers; each suite's streams start with its name. */
  public readonly logGroup: logs.ILogGroup;
  /** The log group of the state machine. */
  public readonly stateMachineLogGroup: logs.ILogGroup;
  /** The security groups of the tasks. */
  public readonly connections: ec2.Connections;

  constructor(scope: Construct, id: string, props: ResilientParallelEcsTestsProps) {
    super(scope, id);

    const errors = new PropErrors();
    const taskTimeoutProp = props.taskTimeout ?? Duration.hours(1);
    const taskTimeout = taskTimeoutProp.isUnresolved()
      ? taskTimeoutProp.toSeconds()
      : errors.wholeSecondsInRange('taskTimeout', taskTimeoutProp, TASK_TIMEOUT_SECONDS.min, TASK_TIMEOUT_SECONDS.max);
    const suites = resolveTestSuites(props.testSuites, taskTimeout, errors);
    for (const [index, suite] of props.testSuites.entries()) {
      for (const [name, value] of Object.entries(suite.environment ?? {})) {
        checkNotSecret(this, `testSuites[${index}].environment`, name, value, errors);
      }
    }
    const retry = resolveRetryPolicy(props.retryPolicy, errors);
    const runTimeout = props.runTimeout ?? Duration.hours(12);
    const runTimeoutSeconds = errors.wholeSecondsInRange('runTimeout', runTimeout, RUN_TIMEOUT_SECONDS.min, RUN_TIMEOUT_SECONDS.max);
    const longestSuite = Math.max(...suites.map(suite => suite.timeoutSeconds));
    if (runTimeoutSeconds !== undefined && suites.length > 0 && runTimeoutSeconds <= longestSuite) {
      errors.add(`runTimeout is ${runTimeout.toHumanString()}, not longer than the longest suite timeout `
        + `(${Duration.seconds(longestSuite).toHumanString()}); a run must be able to outlast one attempt of every shard.`);
    }
    const maxConcurrency = props.maxConcurrency ?? 100;
    errors.integerInRange('maxConcurrency', maxConcurrency, 1, 10_000);
    const capacity = props.capacity ?? FargateCapacity.ON_DEMAND;
    if (capacity === FargateCapacity.SPOT && !Token.isUnresolved(retry.maxAttempts) && retry.maxAttempts < 2) {
      errors.add(`capacity is SPOT with retryPolicy.maxAttempts ${retry.maxAttempts}; Spot needs at least 2 attempts, `
        + 'because the last attempt runs on-demand.');
    }
    this.checkExclusiveProps(props, errors);
    for (const [index, schedule] of (props.schedules ?? []).entries()) {
      // The plan step would refuse these on every scheduled run; they are known now.
      for (const [name, value] of Object.entries(schedule.environment ?? {})) {
        checkEnvironmentEntry(`schedules[${index}].environment`, name, value, errors);
        checkNotSecret(this, `schedules[${index}].environment`, name, value, errors);
      }
      for (const name of schedule.testSuites ?? []) {
        if (!suites.some(suite => suite.name === name)) {
          errors.add(`schedules[${index}].testSuites has "${name}", which is not a test suite; `
            + `known test suites are ${suites.map(suite => `"${suite.name}"`).join(', ')}.`);
        }
      }
    }
    errors.throwIfAny(this.node.path);

    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;

    this.cluster = props.cluster ?? new ecs.Cluster(this, 'Cluster', {
      vpc: props.vpc ?? this.createVpc(logRetention, removalPolicy),
      containerInsightsV2: props.containerInsights === false
        ? ecs.ContainerInsights.DISABLED
        : ecs.ContainerInsights.ENABLED,
      enableFargateCapacityProviders: true,
    });
    const securityGroups = props.securityGroups ?? [new ec2.SecurityGroup(this, 'TaskSecurityGroup', {
      vpc: this.cluster.vpc,
      description: 'Test tasks: no inbound traffic, all outbound traffic',
      allowAllOutbound: true,
    })];
    this.connections = new ec2.Connections({ securityGroups });
    const subnets = this.cluster.vpc.selectSubnets(props.vpcSubnets ?? {
      subnetType: props.assignPublicIp ? ec2.SubnetType.PUBLIC : ec2.SubnetType.PRIVATE_WITH_EGRESS,
    });

    this.resultsBucket = props.resultsBucket ?? new s3.Bucket(this, 'ResultsBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{
        expiration: props.resultsRetention ?? Duration.days(30),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      }],
      removalPolicy,
    });
    if (!props.resultsBucket) {
      // Everything a run writes lives below runs/; nothing, not even an administrator, writes elsewhere.
      this.resultsBucket.addToResourcePolicy(new iam.PolicyStatement({
        sid: 'DenyWritesOutsideRuns',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        notResources: [this.resultsBucket.arnForObjects(`${RESULTS_LAYOUT.runsPrefix}*`)],
      }));
      acknowledge(this.resultsBucket, 'AwsSolutions-S1', 'The results bucket holds test reports and run records that '
        + 'only this construct\'s roles write, below runs/, and that expire after resultsRetention. Who wrote what is '
        + 'in CloudTrail (data events, where the account records them); server access logs would add a second bucket '
        + 'and a log object for every request of every shard. To log access, pass your own bucket as resultsBucket.');
    }

    this.logGroup = new logs.LogGroup(this, 'TestLogs', { retention: logRetention, removalPolicy });
    this.stateMachineLogGroup = new logs.LogGroup(this, 'RunLogs', { retention: logRetention, removalPolicy });

    this.taskDefinitions = this.createTaskDefinitions(suites);

    const planLogs = new logs.LogGroup(this, 'PlanFunctionLogs', { retention: logRetention, removalPolicy });
    const planFunction = new PlanFunction(this, 'PlanFunction', {
      description: 'Checks the input of a test run and plans its shards',
      timeout: Duration.minutes(1),
      memorySize: 256,
      logGroup: planLogs,
      role: this.functionRole('PlanFunctionRole', planLogs),
    });
    const summaryLogs = new logs.LogGroup(this, 'SummaryFunctionLogs', { retention: logRetention, removalPolicy });
    const summaryFunction = new SummarizeFunction(this, 'SummaryFunction', {
      description: 'Summarizes the shards of a test run',
      timeout: Duration.minutes(5),
      memorySize: 512,
      logGroup: summaryLogs,
      role: this.functionRole('SummaryFunctionRole', summaryLogs),
    });
    this.grantRunFiles(planFunction, summaryFunction);
    const sweepFunction = this.createSweepFunction(logRetention, removalPolicy);

    const workflow = new RunWorkflow(this, 'Workflow', {
      suites: suites.map(suite => ({
        name: suite.name,
        taskDefinition: this.taskDefinitions[suite.name].taskDefinitionArn,
        family: this.taskDefinitions[suite.name].family,
        container: CONTAINER_NAME,
        shards: suite.shards,
        timeoutSeconds: suite.timeoutSeconds,
        environment: suite.environment,
      })),
      bucketName: this.resultsBucket.bucketName,
      bucketArn: this.resultsBucket.bucketArn,
      clusterArn: this.cluster.clusterArn,
      subnetIds: subnets.subnetIds,
      securityGroupIds: securityGroups.map(group => group.securityGroupId),
      assignPublicIp: props.assignPublicIp ?? false,
      useSpot: capacity === FargateCapacity.SPOT,
      retry,
      failFast: props.failFast ?? false,
      maxConcurrency,
      planFunction,
      summaryFunction,
      sweepFunction,
    });

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName,
      definitionBody: sfn.DefinitionBody.fromChainable(workflow.definition),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: runTimeout,
      tracingEnabled: true,
      logs: { destination: this.stateMachineLogGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    this.grantWorkflowAccess(suites, [planFunction, summaryFunction, sweepFunction]);

    const notifications = new RunNotifications(this, 'Notifications', {
      stateMachine: this.stateMachine,
      topic: props.topic,
      targets: props.notificationTargets ?? [],
      notifyOn: props.notifyOn ?? [RunStatus.FAILED, RunStatus.TIMED_OUT, RunStatus.ABORTED],
      removalPolicy,
    });
    this.topic = notifications.topic;
    this.notificationRule = notifications.rule;

    for (const [index, schedule] of (props.schedules ?? []).entries()) {
      new events.Rule(this, `Schedule${index}`, {
        description: `Starts a test run on schedule ${index}`,
        schedule: schedule.schedule,
        targets: [new targets.SfnStateMachine(this.stateMachine, {
          input: events.RuleTargetInput.fromObject({
            ...(schedule.testSuites ? { testSuites: schedule.testSuites } : {}),
            ...(schedule.environment ? { environment: schedule.environment } : {}),
          }),
        })],
      });
    }

    if (props.cluster && capacity === FargateCapacity.SPOT) {
      Annotations.of(this).addWarningV2('cdk-resilient-parallel-ecs-tests:spotOnImportedCluster',
        'capacity is SPOT on a cluster this construct did not create: make sure it has the FARGATE and FARGATE_SPOT '
        + 'capacity providers, or every shard will fail to start.');
    }
    this.node.addValidation({ validate: () => this.checkStackSize(suites) });
  }

  /** Lets a principal start runs and read how they ended. */
  public grantStartRun(grantee: iam.IGrantable): iam.Grant {
    const grant = this.stateMachine.grantStartExecution(grantee);
    this.stateMachine.grantExecution(grantee, 'states:DescribeExecution');
    return grant;
  }

  /** Lets a principal read the reports, records and summaries of every run: s3:GetObject and s3:ListBucket below runs/. */
  public grantReadResults(grantee: iam.IGrantable): iam.Grant {
    const runs = `${RESULTS_LAYOUT.runsPrefix}*`;
    const read = iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:GetObject'],
      resourceArns: [this.resultsBucket.arnForObjects(runs)],
    });
    const list = iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:ListBucket'],
      resourceArns: [this.resultsBucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': runs } },
    });
    this.resultsBucket.encryptionKey?.grantDecrypt(grantee);
    return read.combine(list);
  }

  /** Runs that ended FAILED: a shard did not pass, or the input was rejected. */
  public metricRunsFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricFailed(props);
  }

  /** Runs that ran longer than `runTimeout`. */
  public metricRunsTimedOut(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricTimedOut(props);
  }

  /** Runs that someone stopped. */
  public metricRunsAborted(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricAborted(props);
  }

  /** Runs in which every shard passed. */
  public metricRunsSucceeded(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricSucceeded(props);
  }

  /** How long runs take, in milliseconds. */
  public metricRunTime(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricTime(props);
  }

  private checkExclusiveProps(props: ResilientParallelEcsTestsProps, errors: PropErrors) {
    if (props.cluster && props.vpc) {
      errors.add('vpc and cluster are both set; a cluster brings its own VPC, so give one of them.');
    }
    if (props.cluster && props.containerInsights !== undefined) {
      errors.add('containerInsights and cluster are both set; containerInsights applies only to a new cluster.');
    }
    if (props.resultsBucket && props.resultsRetention) {
      errors.add('resultsRetention and resultsBucket are both set; set the retention on your own bucket instead.');
    }
    if (props.resultsRetention && !props.resultsRetention.isUnresolved()) {
      const days = props.resultsRetention.toDays({ integral: false });
      if (!Number.isInteger(days) || days < 1 || days > 3650) {
        errors.add(`resultsRetention is ${props.resultsRetention.toHumanString()}; it must be whole days from 1 to 3650.`);
      }
    }
  }

  private createVpc(retention: logs.RetentionDays, removalPolicy: RemovalPolicy): ec2.IVpc {
    const flowLogs = new logs.LogGroup(this, 'VpcFlowLogs', { retention, removalPolicy });
    return new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      subnetConfiguration: [
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'Tasks', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
      ],
      flowLogs: { all: { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs) } },
    });
  }

  private createTaskDefinitions(suites: ResolvedTestSuite[]) {
    // One execution role serves every suite: only the ECS agent uses it, to pull images, read each task's own
    // secrets and environment file, and write logs. Each suite's task role, which its tests get, is its own.
    const executionRole = new iam.Role(this, 'TaskExecutionRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'Pulls test images, reads their secrets and environment files, writes their logs',
    });
    grantReadRunFiles({
      bucket: this.resultsBucket,
      grantee: executionRole,
      keys: [RESULTS_LAYOUT.environmentFileKey('*', '*')],
      bucketLocation: true,
      reason: 'The ECS agent reads a task\'s environment file from runs/<run>/_env/<suite>.env when the task starts; '
        + 'the run is named only when it starts. Read only, and only environment files, which hold no secrets.',
    });

    const definitions: { [name: string]: ecs.FargateTaskDefinition } = {};
    for (const suite of suites) {
      const definition = new ecs.FargateTaskDefinition(this, `TaskDefinition-${suite.name}`, {
        cpu: suite.cpu,
        memoryLimitMiB: suite.memoryLimitMiB,
        ephemeralStorageGiB: suite.ephemeralStorageGiB,
        runtimePlatform: {
          cpuArchitecture: suite.cpuArchitecture,
          operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
        },
        executionRole,
      });
      definition.addContainer(CONTAINER_NAME, {
        image: suite.image,
        command: suite.command,
        essential: true,
        secrets: suite.secrets,
        logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: suite.name }),
      });
      // A suite's tests may write reports below their own suite's prefix of any run, and nowhere else.
      grantWriteRunFiles({
        bucket: this.resultsBucket,
        grantee: definition.taskRole,
        keys: [`${RESULTS_LAYOUT.runPrefix('*')}${suite.name}/*`],
        multipart: true,
        reason: `The tests of suite ${suite.name} write their reports below RESULTS_PREFIX, `
          + `runs/<run>/${suite.name}/<shard>/<attempt>/, and the run is named only when it starts. Writes only, `
          + 'below this suite\'s prefix; its shard records are denied to it.',
      });
      // A policy's * spans slashes, so runs/*/<suite>/* also matches runs/<run>/_results/<suite>/<shard>.json, the
      // records that decide whether a shard passed. The tests may not forge them.
      definition.taskRole.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'DenyForgingShardRecords',
        effect: iam.Effect.DENY,
        actions: ['s3:PutObject'],
        resources: [this.resultsBucket.arnForObjects(`${RESULTS_LAYOUT.shardResultsPrefix('*')}${suite.name}/*`)],
      }));
      definitions[suite.name] = definition;
    }
    this.acknowledgeImagePulls(executionRole);
    return definitions;
  }

  /**
   * ECR authorizes a pull with a token that ecr:GetAuthorizationToken hands out for the whole registry: that action
   * takes no resource but "*". The pull itself (ecr:BatchGetImage and the layer actions) names each repository.
   */
  private acknowledgeImagePulls(executionRole: iam.Role) {
    const policy = executionRole.node.tryFindChild('DefaultPolicy') as iam.Policy | undefined;
    const registryLogin = policy && statementsOf(policy).some(statement => statement.Resource === '*'
      && ([] as unknown[]).concat(statement.Action).every(action => action === 'ecr:GetAuthorizationToken'));
    if (policy && registryLogin) {
      acknowledge(policy, `${IAM_WILDCARDS}[Resource::*]`, 'The ECS agent pulls suite images from Amazon ECR, which '
        + 'needs ecr:GetAuthorizationToken, an action that supports no resource but "*". The statement holds that '
        + 'action alone; the image pull itself is allowed on each image\'s repository only.');
    }
  }

  /**
   * The function that stops a run's leftover tasks when its fan-out failed. It may list and describe the tasks of
   * this cluster and stop them; it reads and writes nothing else.
   */
  private createSweepFunction(logRetention: logs.RetentionDays, removalPolicy: RemovalPolicy): lambda.IFunction {
    const sweepLogs = new logs.LogGroup(this, 'SweepFunctionLogs', { retention: logRetention, removalPolicy });
    const role = this.functionRole('SweepFunctionRole', sweepLogs);
    const inCluster = { ArnEquals: { 'ecs:cluster': this.cluster.clusterArn } };
    allowWithWildcardResources(role, new iam.PolicyStatement({
      actions: ['ecs:ListTasks'],
      resources: ['*'],
      conditions: inCluster,
    }), 'ListTasks on a whole cluster is authorized against "*" (Fargate has no container instances to name); '
      + 'the ecs:cluster condition confines it to this cluster.');
    allowWithWildcardResources(role, new iam.PolicyStatement({
      actions: ['ecs:DescribeTasks', 'ecs:StopTask'],
      resources: [Stack.of(this).formatArn({ service: 'ecs', resource: 'task', resourceName: `${this.cluster.clusterName}/*` })],
      conditions: inCluster,
    }), 'The sweep stops the tasks of a run that stopped early, whose task IDs exist only at run time. The ARN '
      + 'pattern and the ecs:cluster condition confine it to tasks of this cluster, and it stops only tasks whose '
      + 'group names the run.');
    return new SweepFunction(this, 'SweepFunction', {
      description: 'Stops the tasks of a test run that stopped early',
      timeout: Duration.minutes(5),
      memorySize: 256,
      logGroup: sweepLogs,
      role,
    });
  }

  /** A function's role, which may write to the function's own log group and, until granted more, nothing else. */
  private functionRole(id: string, logGroup: logs.ILogGroup): iam.Role {
    const role = new iam.Role(this, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    return role;
  }

  private grantRunFiles(planFunction: lambda.IFunction, summaryFunction: lambda.IFunction) {
    const bucket = this.resultsBucket;
    grantWriteRunFiles({
      bucket,
      grantee: planFunction,
      keys: [RESULTS_LAYOUT.environmentFileKey('*', '*'), RESULTS_LAYOUT.planKey('*')],
      reason: 'The plan step writes each run\'s environment files and plan below runs/<run>/, and the run is named '
        + 'only when it starts. Writes only, to those two kinds of key.',
    });
    grantReadRunFiles({
      bucket,
      grantee: summaryFunction,
      keys: [RESULTS_LAYOUT.planKey('*'), `${RESULTS_LAYOUT.shardResultsPrefix('*')}*`],
      list: true,
      reason: 'The summary step reads a run\'s plan and shard records below runs/<run>/, and the run is named only '
        + 'when it starts. Read only, those two kinds of key; listing is confined to runs/ by the s3:prefix condition.',
    });
    grantWriteRunFiles({
      bucket,
      grantee: summaryFunction,
      keys: [RESULTS_LAYOUT.summaryKey('*')],
      reason: 'The summary step writes runs/<run>/summary.json, and the run is named only when it starts. Writes '
        + 'only, to that one key of each run.',
    });
  }

  /**
   * Grants the state machine exactly what its ECS calls need: RunTask on the suites' task definitions in this
   * cluster, PassRole on their roles, and task lookups and stops confined to this cluster. What aws-cdk-lib grants it
   * for the functions, the Distributed Map, logging and tracing is acknowledged here too, each for its reason.
   */
  private grantWorkflowAccess(suites: ResolvedTestSuite[], functions: lambda.IFunction[]) {
    const role = this.stateMachine.role;
    const stack = Stack.of(this);
    const definitions = suites.map(suite => this.taskDefinitions[suite.name]);
    const inCluster = { ArnEquals: { 'ecs:cluster': this.cluster.clusterArn } };
    const tasksInCluster = stack.formatArn({ service: 'ecs', resource: 'task', resourceName: `${this.cluster.clusterName}/*` });

    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ecs:RunTask'],
      resources: definitions.map(definition => definition.taskDefinitionArn),
      conditions: inCluster,
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['iam:PassRole'],
      resources: [
        ...definitions.map(definition => definition.taskRole.roleArn),
        definitions[0].executionRole!.roleArn,
      ],
      conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    }));
    allowWithWildcardResources(role, new iam.PolicyStatement({
      actions: ['ecs:DescribeTasks', 'ecs:StopTask'],
      resources: [tasksInCluster],
      conditions: inCluster,
    }), 'Step Functions describes and stops the tasks it started, and the timeout clean-up stops a shard\'s task; '
      + 'task IDs exist only once a task runs. The ARN pattern and the ecs:cluster condition confine both actions to '
      + 'tasks of this cluster.');
    // RunTask propagates the task definition's tags to the task, which ECS authorizes as tagging on creation;
    // without this, a stack with tags could not start a single shard.
    allowWithWildcardResources(role, new iam.PolicyStatement({
      actions: ['ecs:TagResource'],
      resources: [tasksInCluster],
      conditions: { StringEquals: { 'ecs:CreateAction': 'RunTask' } },
    }), 'RunTask tags the task it creates with the task definition\'s tags; task IDs exist only once a task runs. '
      + 'The ecs:CreateAction condition allows tagging only as part of RunTask, in this cluster.');
    // ListTasks names only container instances as resources, and Fargate has none: a cluster-wide listing is
    // authorized against "*", so the ecs:cluster condition is what confines it.
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ecs:ListTasks'],
      resources: ['*'],
      conditions: inCluster,
    }));
    // The .sync integration learns that a task stopped through a rule that Step Functions manages.
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
      resources: [stack.formatArn({ service: 'events', resource: 'rule', resourceName: 'StepFunctionsGetEventsForECSTaskRule' })],
    }));
    grantWriteRunFiles({
      bucket: this.resultsBucket,
      grantee: role,
      keys: [`${RESULTS_LAYOUT.shardResultsPrefix('*')}*`],
      reason: 'Each shard\'s child execution writes its record to runs/<run>/_results/<suite>/<shard>.json, and the '
        + 'run is named only when it starts. Writes only, below _results/ of a run.',
    });

    const policy = role.node.tryFindChild('DefaultPolicy') as iam.Policy;
    acknowledge(policy, `${IAM_WILDCARDS}[Resource::*]`, 'Three statements need "*": ecs:ListTasks, which Fargate '
      + 'authorizes against no ARN and which the ecs:cluster condition confines to this cluster; the X-Ray actions '
      + 'of tracing, which take no resource; and the CloudWatch Logs delivery actions with which Step Functions '
      + 'writes to its log group, which take no resource either.');
    for (const fn of functions) {
      acknowledgeWildcardResource(policy, `${fn.functionArn}:*`, 'aws-cdk-lib\'s LambdaInvoke allows every version '
        + 'and alias of the function it invokes (<function ARN>:*); this is the construct\'s own function, nothing else.');
    }
    const distributedMap = this.stateMachine.node.tryFindChild('DistributedMapPolicy');
    if (distributedMap instanceof iam.Policy) {
      acknowledgeWildcardResourcesOf(distributedMap, 'The Distributed Map starts one child execution per shard; '
        + 'aws-cdk-lib allows describing, stopping and redriving the executions of this state machine '
        + '(execution:<state machine>:*), whose names exist only at run time. No other state machine\'s.');
    }
  }

  private checkStackSize(suites: ResolvedTestSuite[]): string[] {
    const stack = Stack.of(this);
    // A nested stack's resources live in its own template, under its own limit.
    const resources = stack.node.findAll().filter(construct => CfnResource.isCfnResource(construct)
      && Stack.of(construct) === stack).length;
    if (resources > CLOUDFORMATION_RESOURCE_LIMIT) {
      return [`Stack ${stack.stackName} would have ${resources} resources, more than the `
        + `${CLOUDFORMATION_RESOURCE_LIMIT} CloudFormation allows. Split the test suites across stacks, or across `
        + 'several ResilientParallelEcsTests in different stacks.'];
    }
    const estimate = resources * TEMPLATE_ESTIMATE.bytesPerResource + suites.reduce((sum, suite) => sum
      + 2 * jsonBytes(suite.environment) + jsonBytes(suite.command ?? [])
      + TEMPLATE_ESTIMATE.bytesPerSecret * Object.keys(suite.secrets).length, 0);
    const rendered = estimate > TEMPLATE_ESTIMATE.measureAbove ? templateBytes(stack) : undefined;
    const bytes = rendered === undefined ? undefined : rendered + SYNTHESIZER_ADDITIONS_BYTES;
    if (bytes !== undefined && bytes > CLOUDFORMATION_TEMPLATE_LIMIT) {
      return [`Stack ${stack.stackName} would have a template of about ${bytes} bytes, more than the `
        + `${CLOUDFORMATION_TEMPLATE_LIMIT} CloudFormation allows. Split the test suites across stacks, or shorten `
        + 'their environments, commands and secrets.'];
    }
    return [];
  }
}

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/**
 * The template's size as the synth will write it: rendered the way aws-cdk-lib renders it (its internal
 * `_toCloudFormation`, as JSON indented by one space unless the stack suppresses indentation). Undefined if a
 * future aws-cdk-lib no longer renders templates that way; its own warning about the size then remains.
 */
function templateBytes(stack: Stack): number | undefined {
  const internals = stack as unknown as { _toCloudFormation?: () => unknown; _suppressTemplateIndentation?: boolean };
  if (typeof internals._toCloudFormation !== 'function') {
    return undefined;
  }
  const indentation = internals._suppressTemplateIndentation ? undefined : 1;
  return Buffer.byteLength(JSON.stringify(internals._toCloudFormation(), undefined, indentation), 'utf8');
}
