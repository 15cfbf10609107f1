import { Annotations, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { acknowledge } from './acknowledgements';
import { RunNotifications } from './notifications';
import { FargateCapacity, ResilientParallelEcsTestsProps } from './props';
import { resolveProps } from './resolve-props';
import { RESULTS_LAYOUT } from './runtime/contract';
import { checkStackSize } from './stack-limits';
import { CONTAINER_NAME, createTaskDefinitions } from './task-definitions';
import { RunWorkflow } from './workflow/run-workflow';
import { grantWorkflowAccess } from './workflow-access';
import { createWorkflowFunctions } from './workflow-functions';

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
    const resolved = resolveProps(this, props);
    const { suites, logRetention, removalPolicy } = resolved;

    this.cluster = props.cluster ?? new ecs.Cluster(this, 'Cluster', {
      vpc: props.vpc ?? this.createVpc(logRetention, removalPolicy),
      containerInsightsV2: resolved.containerInsights ? ecs.ContainerInsights.ENABLED : ecs.ContainerInsights.DISABLED,
      enableFargateCapacityProviders: true,
    });
    const securityGroups = props.securityGroups ?? [new ec2.SecurityGroup(this, 'TaskSecurityGroup', {
      vpc: this.cluster.vpc,
      description: 'Test tasks: no inbound traffic, all outbound traffic',
      allowAllOutbound: true,
    })];
    this.connections = new ec2.Connections({ securityGroups });
    const subnets = this.cluster.vpc.selectSubnets(props.vpcSubnets ?? {
      subnetType: resolved.assignPublicIp ? ec2.SubnetType.PUBLIC : ec2.SubnetType.PRIVATE_WITH_EGRESS,
    });

    this.resultsBucket = props.resultsBucket ?? this.createResultsBucket(resolved.resultsRetention, removalPolicy);

    this.logGroup = new logs.LogGroup(this, 'TestLogs', { retention: logRetention, removalPolicy });
    this.stateMachineLogGroup = new logs.LogGroup(this, 'RunLogs', { retention: logRetention, removalPolicy });

    this.taskDefinitions = createTaskDefinitions(this, { suites, resultsBucket: this.resultsBucket, logGroup: this.logGroup });

    const { planFunction, summaryFunction, sweepFunction } = createWorkflowFunctions(this, {
      cluster: this.cluster,
      resultsBucket: this.resultsBucket,
      logRetention,
      removalPolicy,
    });

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
      assignPublicIp: resolved.assignPublicIp,
      useSpot: resolved.capacity === FargateCapacity.SPOT,
      retry: resolved.retry,
      failFast: resolved.failFast,
      maxConcurrency: resolved.maxConcurrency,
      planFunction,
      summaryFunction,
      sweepFunction,
    });

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName,
      definitionBody: sfn.DefinitionBody.fromChainable(workflow.definition),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: resolved.runTimeout,
      tracingEnabled: true,
      logs: { destination: this.stateMachineLogGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    grantWorkflowAccess(this, {
      stateMachine: this.stateMachine,
      cluster: this.cluster,
      taskDefinitions: suites.map(suite => this.taskDefinitions[suite.name]),
      resultsBucket: this.resultsBucket,
      functions: [planFunction, summaryFunction, sweepFunction],
    });

    const notifications = new RunNotifications(this, 'Notifications', {
      stateMachine: this.stateMachine,
      topic: props.topic,
      targets: props.notificationTargets ?? [],
      notifyOn: resolved.notifyOn,
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

    if (props.cluster && resolved.capacity === FargateCapacity.SPOT) {
      Annotations.of(this).addWarningV2('cdk-resilient-parallel-ecs-tests:spotOnImportedCluster',
        'capacity is SPOT on a cluster this construct did not create: make sure it has the FARGATE and FARGATE_SPOT '
        + 'capacity providers, or every shard will fail to start.');
    }
    this.node.addValidation({ validate: () => checkStackSize(this, suites) });
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

  private createResultsBucket(retention: Duration, removalPolicy: RemovalPolicy): s3.IBucket {
    const bucket = new s3.Bucket(this, 'ResultsBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: retention, abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      removalPolicy,
    });
    // Everything a run writes lives below runs/; nothing, not even an administrator, writes elsewhere.
    bucket.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'DenyWritesOutsideRuns',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:PutObject'],
      notResources: [bucket.arnForObjects(`${RESULTS_LAYOUT.runsPrefix}*`)],
    }));
    acknowledge(bucket, 'AwsSolutions-S1', 'The results bucket holds test reports and run records that '
      + 'only this construct\'s roles write, below runs/, and that expire after resultsRetention. Who wrote what is '
      + 'in CloudTrail (data events, where the account records them); server access logs would add a second bucket '
      + 'and a log object for every request of every shard. To log access, pass your own bucket as resultsBucket.');
    return bucket;
  }
}
