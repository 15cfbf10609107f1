import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { build, catalogueEntry, newStack, onlyResource, statementsOfRole, suite, synth } from './fixtures';
import { FargateCapacity, ResilientParallelEcsTests, RunStatus } from '../../src';

/** A VPC known only by its attributes: its subnets and security groups appear in the template as literals. */
function importedVpc(stack: ReturnType<typeof newStack>) {
  return ec2.Vpc.fromVpcAttributes(stack, 'OwnVpc', {
    vpcId: 'vpc-0own',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    publicSubnetIds: ['subnet-public-a', 'subnet-public-b'],
    privateSubnetIds: ['subnet-private-a', 'subnet-private-b'],
    isolatedSubnetIds: ['subnet-isolated-a', 'subnet-isolated-b'],
  });
}

describe('networking options', () => {
  test('vpc: the cluster goes into the given VPC and no VPC is created', () => {
    // GIVEN
    const stack = newStack();
    const vpc = importedVpc(stack);

    // WHEN
    const { template, states } = synth({ vpc }, stack);

    // THEN
    template.resourceCountIs('AWS::EC2::VPC', 0);
    template.resourceCountIs('AWS::EC2::FlowLog', 0);
    template.resourceCountIs('AWS::ECS::Cluster', 1);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', { VpcId: 'vpc-0own' });
    expect(states['Run test task'].Parameters.NetworkConfiguration.AwsvpcConfiguration.Subnets)
      .toEqual(['subnet-private-a', 'subnet-private-b']);
  });

  test('cluster: shards run in the given cluster, and every ECS permission is confined to it', () => {
    // GIVEN
    const stack = newStack();
    const cluster = ecs.Cluster.fromClusterAttributes(stack, 'OwnCluster', { clusterName: 'ci', vpc: importedVpc(stack) });

    // WHEN
    const { template, states, tests } = synth({ cluster }, stack);

    // THEN
    template.resourceCountIs('AWS::ECS::Cluster', 0);
    template.resourceCountIs('AWS::ECS::ClusterCapacityProviderAssociations', 0);
    template.resourceCountIs('AWS::EC2::VPC', 0);
    expect(tests.cluster).toBe(cluster);
    const clusterArn = 'arn:${AWS::Partition}:ecs:eu-west-1:123456789012:cluster/ci';
    expect(states['Run test task'].Parameters.Cluster).toBe(clusterArn);
    expect(states['List running tasks'].Parameters.Cluster).toBe(clusterArn);
    expect(states['Stop timed-out task'].Parameters.Cluster).toBe(clusterArn);
    const role = stack.resolve(tests.stateMachine.role.roleArn)['Fn::GetAtt'][0];
    const ecsStatements = statementsOfRole(template, role).filter(statement => JSON.stringify(statement.Action).includes('ecs:'));
    expect(ecsStatements.map(statement => statement.Action)).toEqual([
      'ecs:RunTask', ['ecs:DescribeTasks', 'ecs:StopTask'], 'ecs:TagResource', 'ecs:ListTasks',
    ]);
    expect(ecsStatements[2].Resource).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecs:eu-west-1:123456789012:task/ci/*']],
    });
    for (const statement of ecsStatements.filter(candidate => candidate.Action !== 'ecs:TagResource')) {
      expect(statement.Condition).toEqual({
        ArnEquals: {
          'ecs:cluster': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecs:eu-west-1:123456789012:cluster/ci']] },
        },
      });
    }
  });

  test('vpcSubnets: tasks run in the selected subnets', () => {
    // GIVEN
    const stack = newStack();

    // WHEN
    const { states } = synth({ vpc: importedVpc(stack), vpcSubnets: { subnetGroupName: 'Isolated' } }, stack);

    // THEN
    expect(states['Run test task'].Parameters.NetworkConfiguration.AwsvpcConfiguration.Subnets)
      .toEqual(['subnet-isolated-a', 'subnet-isolated-b']);
  });

  test('securityGroups: tasks get the given security groups and none is created', () => {
    // GIVEN
    const stack = newStack();
    const group = ec2.SecurityGroup.fromSecurityGroupId(stack, 'OwnGroup', 'sg-0own');

    // WHEN
    const { template, states, tests } = synth({ vpc: importedVpc(stack), securityGroups: [group] }, stack);

    // THEN
    template.resourceCountIs('AWS::EC2::SecurityGroup', 0);
    expect(states['Run test task'].Parameters.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups).toEqual(['sg-0own']);
    expect(tests.connections.securityGroups).toEqual([group]);
  });

  test('assignPublicIp: tasks get public IPs in the public subnets', () => {
    // GIVEN
    const stack = newStack();

    // WHEN
    const { states } = synth({ vpc: importedVpc(stack), assignPublicIp: true }, stack);

    // THEN
    expect(states['Run test task'].Parameters.NetworkConfiguration.AwsvpcConfiguration).toMatchObject({
      Subnets: ['subnet-public-a', 'subnet-public-b'],
      AssignPublicIp: 'ENABLED',
    });
  });

  test('containerInsights false: the new cluster has Container Insights disabled', () => {
    // WHEN
    const { template } = synth({ containerInsights: false });

    // THEN
    template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'disabled' }],
    });
  });
});

describe('capacity', () => {
  test('SPOT: every attempt but the last one that infrastructure failures allow runs on Fargate Spot', () => {
    // WHEN
    const { states } = synth({ capacity: FargateCapacity.SPOT, retryPolicy: { maxAttempts: 4 } });

    // THEN
    expect(states['Prepare shard'].Next).toBe('Choose capacity');
    expect(states['Back off'].Next).toBe('Choose capacity');
    expect(states['Choose capacity']).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.attempt.infraRetries', NumericGreaterThanEquals: 3, Next: 'Use on-demand Fargate' }],
      Default: 'Use Fargate Spot',
    });
    expect(states['Use Fargate Spot']).toMatchObject({
      Result: [{ CapacityProvider: 'FARGATE_SPOT', Weight: 1 }], ResultPath: '$.capacity', Next: 'Run test task',
    });
    expect(states['Use on-demand Fargate']).toMatchObject({
      Result: [{ CapacityProvider: 'FARGATE', Weight: 1 }], ResultPath: '$.capacity', Next: 'Run test task',
    });
    const parameters = states['Run test task'].Parameters;
    expect(parameters['CapacityProviderStrategy.$']).toBe('$.capacity');
    expect(parameters.LaunchType).toBeUndefined();
  });

  test('SPOT on a cluster it did not create: warns that the cluster needs both capacity providers', () => {
    // GIVEN
    const stack = newStack();
    const cluster = ecs.Cluster.fromClusterAttributes(stack, 'OwnCluster', { clusterName: 'ci', vpc: importedVpc(stack) });

    // WHEN
    synth({ cluster, capacity: FargateCapacity.SPOT }, stack);

    // THEN
    Annotations.fromStack(stack).hasWarning('/TestStack/Tests', Match.stringLikeRegexp(
      '^capacity is SPOT on a cluster this construct did not create: make sure it has the FARGATE and FARGATE_SPOT capacity providers'));
  });

  test('SPOT on a cluster it creates: no warning', () => {
    // GIVEN
    const stack = newStack();

    // WHEN
    synth({ capacity: FargateCapacity.SPOT }, stack);

    // THEN
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });
});

describe('run behaviour', () => {
  test('failFast: a shard that did not pass fails its child execution, which stops the run', () => {
    // WHEN
    const { states } = synth({ failFast: true });

    // THEN
    expect(states['Save shard result'].Next).toBe('Did the shard pass?');
    expect(states['Did the shard pass?']).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.record.status', StringEquals: 'PASSED', Next: 'Shard done' }],
      Default: 'Stop the run',
    });
    expect(states['Stop the run']).toEqual({ Type: 'Fail', Error: 'ShardFailed', CausePath: '$.record.reason' });
  });

  test('maxConcurrency: bounds the Distributed Map', () => {
    // WHEN
    const { definition } = synth({ maxConcurrency: 2500 });

    // THEN
    expect(definition.States['Run shards'].MaxConcurrency).toBe(2500);
  });

  test('runTimeout: the state machine times a run out after it', () => {
    // WHEN
    const { definition } = synth({ runTimeout: Duration.hours(3) });

    // THEN
    expect(definition.TimeoutSeconds).toBe(10_800);
  });

  test('taskTimeout and a suite\'s timeout: each suite\'s catalogue entry carries its own, which the task state reads', () => {
    // WHEN
    const { definition, states } = synth({
      taskTimeout: Duration.minutes(30),
      testSuites: [suite('unit'), suite('e2e', { timeout: Duration.hours(2) })],
    });

    // THEN
    expect(catalogueEntry(definition, 'unit').timeoutSeconds).toBe(1800);
    expect(catalogueEntry(definition, 'e2e').timeoutSeconds).toBe(7200);
    expect(states['Run test task'].TimeoutSecondsPath).toBe('$.suite.timeoutSeconds');
    expect(states['Run test task'].TimeoutSeconds).toBeUndefined();
  });
});

describe('retryPolicy', () => {
  test('maxAttempts and retryTestFailures set the thresholds of the retry decision', () => {
    // WHEN
    const { states } = synth({ retryPolicy: { maxAttempts: 5, retryTestFailures: 2 } });

    // THEN
    expect(states['Decide next step'].Choices).toEqual([
      {
        And: [
          { Variable: '$.outcome.status', StringEquals: 'PASSED' },
          { Variable: '$.attempt.testRetries', NumericGreaterThan: 0 },
        ],
        Next: 'Shard passed after a retry',
      },
      { Variable: '$.outcome.status', StringEquals: 'PASSED', Next: 'Shard passed' },
      {
        And: [
          { Variable: '$.outcome.status', StringEquals: 'TEST_FAILED' },
          { Variable: '$.attempt.testRetries', NumericLessThan: 2 },
        ],
        Next: 'Schedule test retry',
      },
      { Variable: '$.outcome.status', StringEquals: 'TEST_FAILED', Next: 'Shard failed' },
      {
        And: [
          { Variable: '$.outcome.status', StringEquals: 'INFRA' },
          { Variable: '$.attempt.infraRetries', NumericLessThan: 4 },
        ],
        Next: 'Schedule infrastructure retry',
      },
      { Variable: '$.outcome.status', StringEquals: 'TIMED_OUT', Next: 'Shard timed out' },
    ]);
    expect(states['Decide next step'].Default).toBe('Shard errored');
  });

  test('a shard that passed after a test retry is recorded as flaky', () => {
    // WHEN
    const { states } = synth({ retryPolicy: { retryTestFailures: 1 } });

    // THEN
    expect(states['Shard passed after a retry'].Parameters).toMatchObject({ status: 'PASSED', flaky: true });
    expect(states['Shard passed'].Parameters).toMatchObject({ status: 'PASSED', flaky: false });
  });

  test('maxAttempts 1: no infrastructure retry at all', () => {
    // WHEN
    const { states } = synth({ retryPolicy: { maxAttempts: 1 } });

    // THEN
    expect(states['Schedule infrastructure retry']).toBeUndefined();
    expect(JSON.stringify(states['Decide next step'])).not.toContain('INFRA');
  });

  test('retryTimeouts: a timed-out shard is retried while infrastructure attempts are left', () => {
    // WHEN
    const { states } = synth({ retryPolicy: { retryTimeouts: true } });

    // THEN
    expect(states['Decide next step'].Choices).toContainEqual({
      And: [
        { Variable: '$.outcome.status', StringEquals: 'TIMED_OUT' },
        { Variable: '$.attempt.infraRetries', NumericLessThan: 2 },
      ],
      Next: 'Schedule infrastructure retry',
    });
  });

  test('interval, backoffRate and maxDelay make the table of waits, drawn at random with full jitter', () => {
    // WHEN
    const { states } = synth({
      retryPolicy: { maxAttempts: 6, interval: Duration.seconds(5), backoffRate: 3, maxDelay: Duration.minutes(2) },
    });

    // THEN: 5, 15, 45, 120 (135 capped), 120 (405 capped)
    expect(states['Schedule infrastructure retry'].Parameters['waitSeconds.$']).toBe(
      'States.MathRandom(States.ArrayGetItem(States.Array(0, 1, 1, 1, 1, 1), $.attempt.number), '
      + 'States.ArrayGetItem(States.Array(0, 5, 15, 45, 120, 120), $.attempt.number))');
  });

  test('jitter NONE: waits exactly the computed backoff', () => {
    // WHEN
    const { states } = synth({ retryPolicy: { maxAttempts: 4, retryTestFailures: 1, jitter: sfn.JitterType.NONE } });

    // THEN: three infrastructure retries and one test retry share one table
    const expected = 'States.ArrayGetItem(States.Array(0, 10, 20, 40, 80), $.attempt.number)';
    expect(states['Schedule infrastructure retry'].Parameters['waitSeconds.$']).toBe(expected);
    expect(states['Schedule test retry'].Parameters['waitSeconds.$']).toBe(expected);
  });
});

describe('test suite options', () => {
  test('command, cpu, memoryLimitMiB, cpuArchitecture and ephemeralStorageGiB shape the suite\'s task definition', () => {
    // WHEN
    const { template } = synth({
      testSuites: [suite('unit', {
        command: ['npm', 'test', '--', '--shard'],
        cpu: 4096,
        memoryLimitMiB: 8192,
        cpuArchitecture: ecs.CpuArchitecture.ARM64,
        ephemeralStorageGiB: 50,
      })],
    });

    // THEN
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '4096',
      Memory: '8192',
      EphemeralStorage: { SizeInGiB: 50 },
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      ContainerDefinitions: [Match.objectLike({ Name: 'tests', Command: ['npm', 'test', '--', '--shard'] })],
    });
  });

  test('environment: reaches the plan step, which writes it into the suite\'s environment file, not the template', () => {
    // WHEN
    const { template, definition } = synth({
      testSuites: [suite('unit', { environment: { NODE_ENV: 'test', API_URL: 'https://api.example.com' } }), suite('e2e')],
    });

    // THEN
    expect(definition.States['Plan run'].Parameters.suites).toEqual([
      { name: 'unit', shards: 1, environment: { NODE_ENV: 'test', API_URL: 'https://api.example.com' } },
      { name: 'e2e', shards: 1, environment: {} },
    ]);
    expect(catalogueEntry(definition, 'unit').environment).toBeUndefined();
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ Name: 'tests', Environment: Match.absent() })],
    });
  });

  test('secrets: reach the container by reference, and only the execution role may read them', () => {
    // GIVEN
    const stack = newStack();
    const secret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Token',
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:npm-token-AbCdEf');

    // WHEN
    const { template, tests } = synth({
      testSuites: [suite('unit', { secrets: { NPM_TOKEN: ecs.Secret.fromSecretsManager(secret) } })],
    }, stack);

    // THEN
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({
        Secrets: [{ Name: 'NPM_TOKEN', ValueFrom: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:npm-token-AbCdEf' }],
      })],
    });
    const executionRole = stack.resolve(tests.taskDefinitions.unit.executionRole!.roleArn)['Fn::GetAtt'][0];
    expect(statementsOfRole(template, executionRole)).toContainEqual({
      Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      Effect: 'Allow',
      Resource: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:npm-token-AbCdEf',
    });
    const taskRole = stack.resolve(tests.taskDefinitions.unit.taskRole.roleArn)['Fn::GetAtt'][0];
    expect(JSON.stringify(statementsOfRole(template, taskRole))).not.toContain('secretsmanager');
  });

  test('shards: the suite\'s shard count reaches the catalogue and the plan step, and nothing else grows', () => {
    // WHEN
    const { definition } = synth({ testSuites: [suite('unit', { shards: 40 })] });

    // THEN
    expect(catalogueEntry(definition, 'unit').shards).toBe(40);
    expect(definition.States['Plan run'].Parameters.suites).toEqual([{ name: 'unit', shards: 40, environment: {} }]);
  });
});

describe('notification options', () => {
  test('notificationTargets: email and SQS subscribe to the topic', () => {
    // GIVEN
    const stack = newStack();
    const queue = new sqs.Queue(stack, 'Inbox');

    // WHEN
    const { template, tests } = synth({
      notificationTargets: [
        new subscriptions.EmailSubscription('team@example.com'),
        new subscriptions.SqsSubscription(queue),
      ],
    }, stack);

    // THEN
    const topicArn = stack.resolve(tests.topic.topicArn);
    template.resourceCountIs('AWS::SNS::Subscription', 2);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'team@example.com', TopicArn: topicArn });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sqs', Endpoint: stack.resolve(queue.queueArn), TopicArn: topicArn,
    });
  });

  test('topic: notifications go to the given topic, and no topic or key is created', () => {
    // GIVEN
    const stack = newStack();
    const topic = sns.Topic.fromTopicArn(stack, 'OwnTopic', 'arn:aws:sns:eu-west-1:123456789012:ci-alerts');

    // WHEN
    const { template, tests } = synth({ topic, notificationTargets: [new subscriptions.EmailSubscription('team@example.com')] }, stack);

    // THEN
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.resourceCountIs('AWS::KMS::Key', 0);
    expect(tests.topic).toBe(topic);
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [Match.objectLike({ Arn: 'arn:aws:sns:eu-west-1:123456789012:ci-alerts' })],
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email', TopicArn: 'arn:aws:sns:eu-west-1:123456789012:ci-alerts',
    });
  });

  test('notifyOn: the rule matches exactly the statuses asked for, SUCCEEDED included', () => {
    // WHEN
    const { template, stack, tests } = synth({ notifyOn: [RunStatus.SUCCEEDED, RunStatus.FAILED] });

    // THEN
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        'detail': { stateMachineArn: [stack.resolve(tests.stateMachine.stateMachineArn)], status: ['SUCCEEDED', 'FAILED'] },
      },
    });
  });
});

describe('results and logs', () => {
  test('resultsBucket: reports go to the given bucket, with access below runs/ only, and no bucket is created', () => {
    // GIVEN
    const stack = newStack();
    const bucket = s3.Bucket.fromBucketName(stack, 'OwnBucket', 'ci-results');

    // WHEN
    const { template, definition, tests } = synth({ resultsBucket: bucket }, stack);

    // THEN
    template.resourceCountIs('AWS::S3::Bucket', 0);
    template.resourceCountIs('AWS::S3::BucketPolicy', 0);
    expect(tests.resultsBucket).toBe(bucket);
    expect(definition.States['Describe test suites'].Parameters.config).toMatchObject({
      bucket: 'ci-results',
      bucketArn: 'arn:${AWS::Partition}:s3:::ci-results',
    });
    const taskRole = stack.resolve(tests.taskDefinitions.unit.taskRole.roleArn)['Fn::GetAtt'][0];
    expect(statementsOfRole(template, taskRole).map(statement => [statement.Effect, statement.Resource])).toEqual([
      ['Allow', { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::ci-results/runs/*/unit/*']] }],
      ['Deny', { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::ci-results/runs/*/_results/unit/*']] }],
    ]);
  });

  test('resultsRetention: the new bucket expires a run\'s files after it', () => {
    // WHEN
    const { template } = synth({ resultsRetention: Duration.days(7) });

    // THEN
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 7 })] },
    });
  });

  test('logRetention: every log group it creates keeps logs that long', () => {
    // WHEN
    const { template } = synth({ logRetention: logs.RetentionDays.ONE_WEEK });

    // THEN
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(groups).toHaveLength(6);
    expect(groups.map(group => group.Properties.RetentionInDays)).toEqual([7, 7, 7, 7, 7, 7]);
  });

  test('removalPolicy DESTROY: the results bucket, every log group and the topic\'s key are deleted with the stack', () => {
    // WHEN
    const { template } = synth({ removalPolicy: RemovalPolicy.DESTROY });

    // THEN
    const retained = [
      ...Object.values(template.findResources('AWS::Logs::LogGroup')),
      ...Object.values(template.findResources('AWS::S3::Bucket')),
      ...Object.values(template.findResources('AWS::KMS::Key')),
    ].map(resource => resource.DeletionPolicy);
    expect(retained).toEqual(['Delete', 'Delete', 'Delete', 'Delete', 'Delete', 'Delete', 'Delete', 'Delete']);
  });

  test('stateMachineName: names the state machine', () => {
    // WHEN
    const { template } = synth({ stateMachineName: 'nightly-tests' });

    // THEN
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineName: 'nightly-tests' });
  });
});

describe('schedules', () => {
  test('each schedule is a rule that starts a run with its suites and environment', () => {
    // WHEN
    const { template, stack, tests } = synth({
      testSuites: [suite('unit'), suite('e2e')],
      schedules: [
        { schedule: events.Schedule.cron({ hour: '3', minute: '0' }) },
        { schedule: events.Schedule.rate(Duration.hours(6)), testSuites: ['e2e'], environment: { TARGET: 'staging' } },
      ],
    });

    // THEN
    const stateMachineArn = stack.resolve(tests.stateMachine.stateMachineArn);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(0 3 * * ? *)',
      Targets: [Match.objectLike({ Arn: stateMachineArn, Input: '{}' })],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(6 hours)',
      Targets: [Match.objectLike({ Arn: stateMachineArn, Input: '{"testSuites":["e2e"],"environment":{"TARGET":"staging"}}' })],
    });
  });
});

describe('public surface', () => {
  test('exposes the cluster, state machine, topic, rule, task definitions by suite, bucket and log groups', () => {
    // WHEN
    const { stack, tests, template } = synth({ testSuites: [suite('unit'), suite('e2e')] });

    // THEN
    const logicalId = (token: string) => {
      const resolved = stack.resolve(token);
      return resolved.Ref ?? resolved['Fn::GetAtt'][0];
    };
    expect(logicalId(tests.cluster.clusterArn)).toBe(onlyResource(template, 'AWS::ECS::Cluster').logicalId);
    expect(logicalId(tests.stateMachine.stateMachineArn)).toBe(onlyResource(template, 'AWS::StepFunctions::StateMachine').logicalId);
    expect(logicalId(tests.topic.topicArn)).toBe(onlyResource(template, 'AWS::SNS::Topic').logicalId);
    expect(logicalId(tests.notificationRule.ruleArn)).toBe(onlyResource(template, 'AWS::Events::Rule').logicalId);
    expect(logicalId(tests.resultsBucket.bucketArn)).toBe(onlyResource(template, 'AWS::S3::Bucket').logicalId);
    expect(Object.keys(tests.taskDefinitions)).toEqual(['unit', 'e2e']);
    template.hasResourceProperties('AWS::ECS::TaskDefinition', { Family: tests.taskDefinitions.e2e.family });
    expect(tests.logGroup.node.path).toBe('TestStack/Tests/TestLogs');
    expect(tests.stateMachineLogGroup.node.path).toBe('TestStack/Tests/RunLogs');
  });

  test('two of them live side by side in one stack, each with its own state machine, cluster and topic', () => {
    // GIVEN
    const stack = newStack();
    build({}, stack);

    // WHEN
    new ResilientParallelEcsTests(stack, 'Nightly', { testSuites: [suite('unit')] });

    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 2);
    template.resourceCountIs('AWS::ECS::Cluster', 2);
    template.resourceCountIs('AWS::SNS::Topic', 2);
    template.resourceCountIs('AWS::Events::Rule', 2);
  });

  test('grantStartRun: lets a principal start runs and describe their executions', () => {
    // GIVEN
    const stack = newStack();
    const ci = new iam.Role(stack, 'Ci', { assumedBy: new iam.AccountRootPrincipal() });
    const tests = build({}, stack);

    // WHEN
    const grant = tests.grantStartRun(ci);

    // THEN
    expect(grant.success).toBe(true);
    const stateMachineArn = stack.resolve(tests.stateMachine.stateMachineArn);
    const statements = statementsOfRole(Template.fromStack(stack), stack.resolve(ci.roleName).Ref);
    expect(statements).toEqual([
      { Action: 'states:StartExecution', Effect: 'Allow', Resource: stateMachineArn },
      {
        Action: 'states:DescribeExecution',
        Effect: 'Allow',
        Resource: {
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':states:eu-west-1:123456789012:execution:',
            { 'Fn::Select': [6, { 'Fn::Split': [':', stateMachineArn] }] }, ':*']],
        },
      },
    ]);
  });

  test('grantReadResults: lets a principal read everything below runs/', () => {
    // GIVEN
    const stack = newStack();
    const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    const tests = build({}, stack);

    // WHEN
    tests.grantReadResults(reader);

    // THEN
    const bucketArn = stack.resolve(tests.resultsBucket.bucketArn);
    expect(statementsOfRole(Template.fromStack(stack), stack.resolve(reader.roleName).Ref)).toEqual([
      { Action: 's3:GetObject', Effect: 'Allow', Resource: { 'Fn::Join': ['', [bucketArn, '/runs/*']] } },
      { Action: 's3:ListBucket', Condition: { StringLike: { 's3:prefix': 'runs/*' } }, Effect: 'Allow', Resource: bucketArn },
    ]);
  });

  test.each([
    ['metricRunsFailed', 'ExecutionsFailed', 'Sum'],
    ['metricRunsTimedOut', 'ExecutionsTimedOut', 'Sum'],
    ['metricRunsAborted', 'ExecutionsAborted', 'Sum'],
    ['metricRunsSucceeded', 'ExecutionsSucceeded', 'Sum'],
    ['metricRunTime', 'ExecutionTime', 'Average'],
  ] as const)('%s: the state machine\'s %s metric in AWS/States', (method, metricName, statistic) => {
    // GIVEN
    const { stack, tests } = synth();

    // WHEN
    const metric = tests[method]({ period: Duration.minutes(15) });

    // THEN
    expect(metric.namespace).toBe('AWS/States');
    expect(metric.metricName).toBe(metricName);
    expect(metric.statistic).toBe(statistic);
    expect(metric.period.toMinutes()).toBe(15);
    expect(stack.resolve(metric.dimensions)).toEqual({ StateMachineArn: stack.resolve(tests.stateMachine.stateMachineArn) });
  });
});
