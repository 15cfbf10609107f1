import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { catalogueEntry, onlyResource, statementsOfRole, suite, synth, Synthesized } from './fixtures';

describe('ResilientParallelEcsTests with only test suites given', () => {
  let built: Synthesized;

  beforeAll(() => {
    // GIVEN / WHEN: two suites and nothing else
    built = synth({ testSuites: [suite('unit'), suite('e2e', { shards: 3 })] });
  });

  describe('network', () => {
    test('creates a VPC with public and private subnets in two Availability Zones and one NAT gateway', () => {
      // THEN
      const { template } = built;
      template.resourceCountIs('AWS::EC2::VPC', 1);
      template.resourceCountIs('AWS::EC2::Subnet', 4);
      template.resourceCountIs('AWS::EC2::NatGateway', 1);
      template.resourceCountIs('AWS::EC2::InternetGateway', 1);
      template.hasResourceProperties('AWS::EC2::Subnet', { CidrBlock: '10.0.0.0/24', MapPublicIpOnLaunch: true });
      template.hasResourceProperties('AWS::EC2::Subnet', { CidrBlock: '10.0.16.0/20', MapPublicIpOnLaunch: false });
    });

    test('sends every VPC flow to a log group that expires after a month', () => {
      // THEN
      const { template } = built;
      template.resourceCountIs('AWS::EC2::FlowLog', 1);
      const flowLogs = onlyResource(template, 'AWS::EC2::FlowLog').resource.Properties.LogGroupName;
      template.hasResourceProperties('AWS::EC2::FlowLog', {
        ResourceType: 'VPC',
        TrafficType: 'ALL',
        LogDestinationType: 'cloud-watch-logs',
      });
      const group = template.findResources('AWS::Logs::LogGroup')[flowLogs.Ref];
      expect(group).toMatchObject({ Properties: { RetentionInDays: 30 }, DeletionPolicy: 'Retain' });
    });

    test('runs tasks in the private subnets, without public IPs, behind a security group that allows no inbound traffic', () => {
      // THEN
      const { template, states } = built;
      const privateSubnets = Object.keys(template.findResources('AWS::EC2::Subnet', {
        Properties: { MapPublicIpOnLaunch: false },
      })).sort();
      const group = onlyResource(template, 'AWS::EC2::SecurityGroup');
      expect(group.resource.Properties).toEqual({
        GroupDescription: 'Test tasks: no inbound traffic, all outbound traffic',
        SecurityGroupEgress: [{ CidrIp: '0.0.0.0/0', Description: 'Allow all outbound traffic by default', IpProtocol: '-1' }],
        VpcId: { Ref: onlyResource(template, 'AWS::EC2::VPC').logicalId },
      });
      expect(states['Run test task'].Parameters.NetworkConfiguration).toEqual({
        AwsvpcConfiguration: {
          Subnets: privateSubnets.map(id => `\${Ref:${id}}`),
          SecurityGroups: [`\${GetAtt:${group.logicalId}.GroupId}`],
          AssignPublicIp: 'DISABLED',
        },
      });
    });

    test('exposes the tasks\' security group as connections', () => {
      // THEN
      const { stack, tests, template } = built;
      const group = onlyResource(template, 'AWS::EC2::SecurityGroup').logicalId;
      expect(tests.connections.securityGroups.map(g => stack.resolve(g.securityGroupId)))
        .toEqual([{ 'Fn::GetAtt': [group, 'GroupId'] }]);
    });
  });

  describe('cluster and tasks', () => {
    test('creates a cluster with Container Insights and the FARGATE and FARGATE_SPOT capacity providers', () => {
      // THEN
      const { template } = built;
      template.resourceCountIs('AWS::ECS::Cluster', 1);
      template.hasResourceProperties('AWS::ECS::Cluster', {
        ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
      });
      template.hasResourceProperties('AWS::ECS::ClusterCapacityProviderAssociations', {
        CapacityProviders: ['FARGATE', 'FARGATE_SPOT'],
        Cluster: { Ref: onlyResource(template, 'AWS::ECS::Cluster').logicalId },
      });
    });

    test('creates one Fargate task definition per suite: 1 vCPU, 2 GiB, x86_64 Linux, one essential container', () => {
      // THEN
      const { template } = built;
      template.resourceCountIs('AWS::ECS::TaskDefinition', 2);
      for (const name of ['unit', 'e2e']) {
        template.hasResourceProperties('AWS::ECS::TaskDefinition', {
          Cpu: '1024',
          Memory: '2048',
          NetworkMode: 'awsvpc',
          RequiresCompatibilities: ['FARGATE'],
          RuntimePlatform: { CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' },
          ContainerDefinitions: [{
            Name: 'tests',
            Essential: true,
            Image: 'public.ecr.aws/docker/library/busybox:stable',
            LogConfiguration: {
              LogDriver: 'awslogs',
              Options: Match.objectLike({ 'awslogs-stream-prefix': name }),
            },
          }],
        });
      }
    });

    test('sends the test containers\' logs to one log group that expires after a month and is retained', () => {
      // THEN
      const { stack, tests, template } = built;
      const logGroup = stack.resolve(tests.logGroup.logGroupName);
      template.hasResourceProperties('AWS::ECS::TaskDefinition', {
        ContainerDefinitions: [Match.objectLike({
          LogConfiguration: { LogDriver: 'awslogs', Options: Match.objectLike({ 'awslogs-group': logGroup }) },
        })],
      });
      expect(template.findResources('AWS::Logs::LogGroup')[logGroup.Ref])
        .toMatchObject({ Properties: { RetentionInDays: 30 }, DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    });

    test('shares one execution role between the suites, which may read only the runs\' environment files and write logs', () => {
      // THEN
      const { stack, tests, template } = built;
      const executionRoles = new Set(Object.values(template.findResources('AWS::ECS::TaskDefinition'))
        .map(definition => JSON.stringify(definition.Properties.ExecutionRoleArn)));
      expect(executionRoles.size).toBe(1);
      const role = JSON.parse([...executionRoles][0])['Fn::GetAtt'][0];
      const bucketArn = stack.resolve(tests.resultsBucket.bucketArn);
      expect(statementsOfRole(template, role)).toEqual([
        {
          Action: 's3:GetObject',
          Effect: 'Allow',
          Resource: { 'Fn::Join': ['', [bucketArn, '/runs/*/_env/*.env']] },
        },
        { Action: 's3:GetBucketLocation', Effect: 'Allow', Resource: bucketArn },
        {
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Effect: 'Allow',
          Resource: stack.resolve(tests.logGroup.logGroupArn),
        },
      ]);
    });

    test('gives each suite its own task role, which may put objects only below runs/*/<suite>/', () => {
      // THEN
      const { stack, tests, template } = built;
      const bucketArn = stack.resolve(tests.resultsBucket.bucketArn);
      for (const name of ['unit', 'e2e']) {
        const role = stack.resolve(tests.taskDefinitions[name].taskRole.roleArn)['Fn::GetAtt'][0];
        expect(statementsOfRole(template, role)).toEqual([
          {
            Action: ['s3:PutObject', 's3:AbortMultipartUpload'],
            Effect: 'Allow',
            Resource: { 'Fn::Join': ['', [bucketArn, `/runs/*/${name}/*`]] },
          },
          {
            Action: 's3:PutObject',
            Effect: 'Deny',
            Resource: { 'Fn::Join': ['', [bucketArn, `/runs/*/_results/${name}/*`]] },
            Sid: 'DenyForgingShardRecords',
          },
        ]);
      }
      expect(stack.resolve(tests.taskDefinitions.unit.taskRole.roleArn))
        .not.toEqual(stack.resolve(tests.taskDefinitions.e2e.taskRole.roleArn));
    });
  });

  describe('results bucket', () => {
    test('blocks public access, is encrypted, enforces the bucket owner, and expires a run\'s files after 30 days', () => {
      // THEN
      const { template } = built;
      template.resourceCountIs('AWS::S3::Bucket', 1);
      template.hasResource('AWS::S3::Bucket', {
        Properties: {
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true,
          },
          BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
          OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
          LifecycleConfiguration: {
            Rules: [{ ExpirationInDays: 30, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' }],
          },
        },
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    });

    test('accepts TLS only and denies every write outside runs/', () => {
      // THEN
      const { template } = built;
      const bucket = onlyResource(template, 'AWS::S3::Bucket').logicalId;
      const bucketArn = { 'Fn::GetAtt': [bucket, 'Arn'] };
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: bucket },
        PolicyDocument: {
          Statement: [
            {
              Action: 's3:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              Effect: 'Deny',
              Principal: { AWS: '*' },
              Resource: [bucketArn, { 'Fn::Join': ['', [bucketArn, '/*']] }],
            },
            {
              Sid: 'DenyWritesOutsideRuns',
              Action: 's3:PutObject',
              Effect: 'Deny',
              Principal: { AWS: '*' },
              NotResource: { 'Fn::Join': ['', [bucketArn, '/runs/*']] },
            },
          ],
        },
      });
    });
  });

  describe('state machine', () => {
    test('is a STANDARD state machine with X-Ray tracing and ALL logging, without execution data, to a retained log group', () => {
      // THEN
      const { stack, tests, template } = built;
      const logGroupArn = stack.resolve(tests.stateMachineLogGroup.logGroupArn);
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        StateMachineType: 'STANDARD',
        TracingConfiguration: { Enabled: true },
        LoggingConfiguration: {
          Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: logGroupArn } }],
          IncludeExecutionData: false,
          Level: 'ALL',
        },
      });
      expect(template.findResources('AWS::Logs::LogGroup')[logGroupArn['Fn::GetAtt'][0]])
        .toMatchObject({ Properties: { RetentionInDays: 30 }, DeletionPolicy: 'Retain' });
      expect(template.findResources('AWS::StepFunctions::StateMachine')[stack.resolve(tests.stateMachine.stateMachineArn).Ref]
        .Properties.StateMachineName).toBeUndefined();
    });

    test('times a whole run out after 12 hours', () => {
      // THEN
      expect(built.definition.TimeoutSeconds).toBe(43_200);
    });

    test('runs every shard as a STANDARD child execution of a Distributed Map, at most 100 at once', () => {
      // THEN
      const map = built.definition.States['Run shards'];
      expect(map).toMatchObject({
        Type: 'Map',
        ItemsPath: '$.plan.items',
        MaxConcurrency: 100,
        ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' } },
      });
      expect(map.ToleratedFailurePercentage).toBeUndefined();
      expect(map.ItemReader).toBeUndefined();
    });

    test('describes each suite to the shard workflow, with the default one-hour timeout and its shard count', () => {
      // THEN
      const { stack, tests, definition } = built;
      expect(catalogueEntry(definition, 'e2e')).toEqual({
        name: 'e2e',
        taskDefinition: `\${Ref:${stack.resolve(tests.taskDefinitions.e2e.taskDefinitionArn).Ref}}`,
        family: tests.taskDefinitions.e2e.family,
        container: 'tests',
        shards: 3,
        timeoutSeconds: 3600,
      });
      expect(built.states['Run test task'].TimeoutSecondsPath).toBe('$.suite.timeoutSeconds');
    });

    test('runs every shard on on-demand Fargate', () => {
      // THEN
      const runTask = built.states['Run test task'];
      expect(runTask.Resource).toBe('arn:${AWS::Partition}:states:::ecs:runTask.sync');
      expect(runTask.Parameters.LaunchType).toBe('FARGATE');
      expect(runTask.Parameters.CapacityProviderStrategy).toBeUndefined();
      expect(built.states['Choose capacity']).toBeUndefined();
    });

    test('gives every container its suite, shard, shard count, attempt, run ID and where to put its reports', () => {
      // THEN
      const [container] = built.states['Run test task'].Parameters.Overrides.ContainerOverrides;
      expect(container.Environment).toEqual([
        { 'Name': 'TEST_SUITE', 'Value.$': '$.suite.name' },
        { 'Name': 'TEST_SHARD_INDEX', 'Value.$': "States.Format('{}', $.shard)" },
        { 'Name': 'TEST_SHARD_COUNT', 'Value.$': "States.Format('{}', $.suite.shards)" },
        { 'Name': 'TEST_ATTEMPT', 'Value.$': "States.Format('{}', $.attempt.number)" },
        { 'Name': 'TEST_RUN_ID', 'Value.$': '$.runId' },
        { 'Name': 'RESULTS_BUCKET', 'Value.$': '$.config.bucket' },
        { 'Name': 'RESULTS_PREFIX', 'Value.$': "States.Format('runs/{}/{}/{}/{}/', $.runId, $.suite.name, $.shard, $.attempt.number)" },
      ]);
      expect(container.EnvironmentFiles).toEqual([{
        'Type': 's3',
        'Value.$': "States.Format('{}/runs/{}/_env/{}.env', $.config.bucketArn, $.runId, $.suite.name)",
      }]);
    });

    test('runs every shard whatever the others do: no state stops the run early', () => {
      // THEN
      expect(built.states['Stop the run']).toBeUndefined();
      expect(built.states['Save shard result'].Next).toBe('Shard done');
    });

    test('retries infrastructure failures up to 3 attempts in all, and neither test failures nor timeouts', () => {
      // THEN
      const choices = built.states['Decide next step'].Choices as any[];
      expect(choices).toContainEqual({
        And: [
          { Variable: '$.outcome.status', StringEquals: 'INFRA' },
          { Variable: '$.attempt.infraRetries', NumericLessThan: 2 },
        ],
        Next: 'Schedule infrastructure retry',
      });
      expect(built.states['Schedule test retry']).toBeUndefined();
      expect(choices.filter(choice => JSON.stringify(choice).includes('TIMED_OUT')))
        .toEqual([{ Variable: '$.outcome.status', StringEquals: 'TIMED_OUT', Next: 'Shard timed out' }]);
    });

    test('waits 10 seconds, doubling, with full jitter between retries', () => {
      // THEN
      expect(built.states['Schedule infrastructure retry'].Parameters['waitSeconds.$']).toBe(
        'States.MathRandom(States.ArrayGetItem(States.Array(0, 1, 1), $.attempt.number), '
        + 'States.ArrayGetItem(States.Array(0, 10, 20), $.attempt.number))');
    });
  });

  describe('IAM of the state machine', () => {
    let statements: any[];
    beforeAll(() => {
      const role = built.stack.resolve(built.tests.stateMachine.role.roleArn)['Fn::GetAtt'][0];
      statements = statementsOfRole(built.template, role);
    });

    test('may run only the suites\' task definitions, and only in its cluster', () => {
      // THEN
      const { stack, tests } = built;
      expect(statements).toContainEqual({
        Action: 'ecs:RunTask',
        Condition: { ArnEquals: { 'ecs:cluster': stack.resolve(tests.cluster.clusterArn) } },
        Effect: 'Allow',
        Resource: ['unit', 'e2e'].map(name => stack.resolve(tests.taskDefinitions[name].taskDefinitionArn)),
      });
    });

    test('may pass only the suites\' task roles and the execution role, and only to ECS tasks', () => {
      // THEN
      const { stack, tests } = built;
      expect(statements).toContainEqual({
        Action: 'iam:PassRole',
        Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
        Effect: 'Allow',
        Resource: [
          stack.resolve(tests.taskDefinitions.unit.taskRole.roleArn),
          stack.resolve(tests.taskDefinitions.e2e.taskRole.roleArn),
          stack.resolve(tests.taskDefinitions.unit.executionRole!.roleArn),
        ],
      });
    });

    test('may describe and stop only tasks of its cluster', () => {
      // THEN
      const { stack, tests } = built;
      expect(statements).toContainEqual({
        Action: ['ecs:DescribeTasks', 'ecs:StopTask'],
        Condition: { ArnEquals: { 'ecs:cluster': stack.resolve(tests.cluster.clusterArn) } },
        Effect: 'Allow',
        Resource: {
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecs:eu-west-1:123456789012:task/',
            stack.resolve(tests.cluster.clusterName), '/*']],
        },
      });
    });

    test('may tag the tasks it starts, which carry their task definition\'s tags, and tag nothing else', () => {
      // THEN
      const { stack, tests } = built;
      expect(statements).toContainEqual({
        Action: 'ecs:TagResource',
        Condition: { StringEquals: { 'ecs:CreateAction': 'RunTask' } },
        Effect: 'Allow',
        Resource: {
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecs:eu-west-1:123456789012:task/',
            stack.resolve(tests.cluster.clusterName), '/*']],
        },
      });
      expect(built.states['Run test task'].Parameters.PropagateTags).toBe('TASK_DEFINITION');
    });

    test('may list tasks only in its cluster; ListTasks on a whole cluster is authorized against "*"', () => {
      // THEN
      const { stack, tests } = built;
      expect(statements).toContainEqual({
        Action: 'ecs:ListTasks',
        Condition: { ArnEquals: { 'ecs:cluster': stack.resolve(tests.cluster.clusterArn) } },
        Effect: 'Allow',
        Resource: '*',
      });
    });

    test('may manage only the rule through which Step Functions learns that a task stopped', () => {
      // THEN
      expect(statements).toContainEqual({
        Action: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        Effect: 'Allow',
        Resource: {
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:eu-west-1:123456789012:rule/StepFunctionsGetEventsForECSTaskRule']],
        },
      });
    });

    test('may write only the shard records below runs/*/_results/', () => {
      // THEN
      const { stack, tests } = built;
      const s3 = statements.filter(statement => JSON.stringify(statement.Action).includes('s3:'));
      expect(s3).toEqual([{
        Action: 's3:PutObject',
        Effect: 'Allow',
        Resource: { 'Fn::Join': ['', [stack.resolve(tests.resultsBucket.bucketArn), '/runs/*/_results/*']] },
      }]);
    });
  });

  describe('functions', () => {
    test('plans, sweeps and summarizes runs with three Node.js 24 functions whose logs expire after a month', () => {
      // THEN
      const { template } = built;
      template.resourceCountIs('AWS::Lambda::Function', 3);
      const functions = Object.values(template.findResources('AWS::Lambda::Function'));
      expect(functions.map(fn => [fn.Properties.Description, fn.Properties.Runtime, fn.Properties.Timeout, fn.Properties.MemorySize]))
        .toEqual([
          ['Checks the input of a test run and plans its shards', 'nodejs24.x', 60, 256],
          ['Summarizes the shards of a test run', 'nodejs24.x', 300, 512],
          ['Stops the tasks of a test run that stopped early', 'nodejs24.x', 300, 256],
        ]);
      const logGroups = template.findResources('AWS::Logs::LogGroup');
      for (const fn of functions) {
        expect(logGroups[fn.Properties.LoggingConfig.LogGroup.Ref])
          .toMatchObject({ Properties: { RetentionInDays: 30 }, DeletionPolicy: 'Retain' });
      }
    });

    test('lets the plan function write only environment files and the plan, and the summary function read runs and write the summary', () => {
      // THEN
      const { stack, tests, template } = built;
      const bucketArn = stack.resolve(tests.resultsBucket.bucketArn);
      const objects = (suffix: string) => ({ 'Fn::Join': ['', [bucketArn, `/runs/${suffix}`]] });
      const [plan, summary] = Object.values(template.findResources('AWS::Lambda::Function'))
        .map(fn => statementsOfRole(template, fn.Properties.Role['Fn::GetAtt'][0]));
      const s3 = (statements: any[]) => statements.filter(statement => JSON.stringify(statement.Action).includes('s3:'));
      expect(s3(plan).map(statement => [statement.Action, statement.Resource])).toEqual([
        ['s3:PutObject', [objects('*/_env/*.env'), objects('*/_plan.json')]],
      ]);
      expect(s3(summary).map(statement => [statement.Action, statement.Resource, statement.Condition])).toEqual([
        ['s3:GetObject', [objects('*/_plan.json'), objects('*/_results/*')], undefined],
        ['s3:ListBucket', bucketArn, { StringLike: { 's3:prefix': 'runs/*' } }],
        ['s3:PutObject', objects('*/summary.json'), undefined],
      ]);
    });
  });

  describe('notifications', () => {
    test('creates a topic encrypted with a customer-managed key that rotates and that EventBridge may use', () => {
      // THEN
      const { template } = built;
      const key = onlyResource(template, 'AWS::KMS::Key');
      expect(key.resource.Properties.EnableKeyRotation).toBe(true);
      expect(key.resource.Properties.KeyPolicy.Statement).toContainEqual(expect.objectContaining({
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Resource: '*',
      }));
      template.hasResourceProperties('AWS::SNS::Topic', {
        KmsMasterKeyId: { 'Fn::GetAtt': [key.logicalId, 'Arn'] },
      });
    });

    test('has the topic accept TLS only, and publishing from EventBridge', () => {
      // THEN
      const { template } = built;
      const topic = { Ref: onlyResource(template, 'AWS::SNS::Topic').logicalId };
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [topic],
        PolicyDocument: {
          Statement: [
            {
              Sid: 'AllowPublishThroughSSLOnly',
              Action: 'sns:Publish',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              Effect: 'Deny',
              Principal: '*',
              Resource: topic,
            },
            Match.objectLike({ Action: 'sns:Publish', Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' } }),
          ],
        },
      });
      template.resourceCountIs('AWS::SNS::Subscription', 0);
    });

    test('matches only this state machine\'s executions that end FAILED, TIMED_OUT or ABORTED', () => {
      // THEN
      const { stack, tests, template } = built;
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          'source': ['aws.states'],
          'detail-type': ['Step Functions Execution Status Change'],
          'detail': {
            stateMachineArn: [stack.resolve(tests.stateMachine.stateMachineArn)],
            status: ['FAILED', 'TIMED_OUT', 'ABORTED'],
          },
        },
        Targets: [Match.objectLike({ Arn: stack.resolve(tests.topic.topicArn) })],
      });
    });

    test('sends readable text, not the event: run, status, a console link, then error and cause, with no JSON quoting', () => {
      // THEN
      const { stack, tests, template } = built;
      const rule = template.findResources('AWS::Events::Rule')[stack.resolve(tests.notificationRule.ruleArn)['Fn::GetAtt'][0]];
      const [target] = rule.Properties.Targets;
      expect(target.Input).toBeUndefined();
      expect(target.InputTransformer.InputTemplate.split('\n')).toEqual([
        'Test run <name> ended <status>.',
        'Execution: https://<region>.console.aws.amazon.com/states/home?region=<region>#/v2/executions/details/<executionArn>',
        'State machine: <stateMachineArn>',
        'Ended at: <time>',
        '',
        '<error>',
        '<cause>',
      ]);
      expect(target.InputTransformer.InputPathsMap).toEqual({
        name: '$.detail.name',
        status: '$.detail.status',
        error: '$.detail.error',
        cause: '$.detail.cause',
        time: '$.time',
        stateMachineArn: '$.detail.stateMachineArn',
        region: '$.region',
        executionArn: '$.detail.executionArn',
      });
    });
  });

  test('creates no schedules', () => {
    // THEN
    const rules = Object.values(built.template.findResources('AWS::Events::Rule'));
    expect(rules.filter(rule => rule.Properties.ScheduleExpression !== undefined)).toEqual([]);
  });

  test('warns about nothing', () => {
    // THEN
    Annotations.fromStack(built.stack).hasNoWarning('*', Match.anyValue());
  });
});
