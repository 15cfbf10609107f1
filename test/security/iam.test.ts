import { App, Duration, SecretValue, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { API_TOKEN_PARAMETER, DATABASE_SECRET_ARN, defaultsStack, everythingStack, IMAGE, newApp, SecurityStack } from './stacks';
import { ResilientParallelEcsTests } from '../../src';
import { definitionString } from '../support/definition';

/** A statement of any policy in a template, with where it was found. */
interface FoundStatement {
  /** The logical ID of the resource that holds the policy. */
  readonly holder: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Principal?: any;
  readonly Resource?: unknown;
  readonly NotResource?: unknown;
  readonly Condition?: any;
  readonly Sid?: string;
}

/** Every statement of every policy in a template: identity policies, inline role policies and resource policies. */
function everyStatement(template: Template): FoundStatement[] {
  const documents: Array<[string, any]> = [];
  for (const [id, resource] of Object.entries(template.toJSON().Resources as Record<string, any>)) {
    const props = resource.Properties ?? {};
    for (const document of [props.PolicyDocument, props.KeyPolicy, ...(props.Policies ?? []).map((p: any) => p.PolicyDocument)]) {
      if (document) {
        documents.push([id, document]);
      }
    }
  }
  return documents.flatMap(([holder, document]) => (document.Statement as any[]).map(statement => ({ holder, ...statement })));
}

/** The statements of the policies attached to a role. */
function statementsOf(template: Template, stack: Stack, role: iam.IRole): FoundStatement[] {
  const roleId = stack.resolve(role.roleArn)['Fn::GetAtt'][0];
  return Object.entries(template.findResources('AWS::IAM::Policy'))
    .filter(([, policy]) => (policy.Properties.Roles as Array<{ Ref: string }>).some(ref => ref.Ref === roleId))
    .flatMap(([holder, policy]) => (policy.Properties.PolicyDocument.Statement as any[]).map(statement => ({ holder, ...statement })));
}

const actionsOf = (statement: FoundStatement): string[] => ([] as string[]).concat(statement.Action ?? []);
/**
 * A statement with its actions and resources in a fixed order and without where it was found: aws-cdk-lib sorts and
 * merges them when it minimizes policies (a feature flag of new projects), which changes nothing they allow.
 */
const normalized = ({ holder, ...statement }: FoundStatement): object => {
  const sorted = (value: unknown) => (Array.isArray(value)
    ? [...value].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))
    : value);
  return { ...statement, Action: sorted(statement.Action), Resource: sorted(statement.Resource) };
};
const resourcesOf = (statement: FoundStatement): unknown[] => ([] as unknown[]).concat(statement.Resource ?? []);
const allows = (action: string) => (statement: FoundStatement) => statement.Effect === 'Allow' && actionsOf(statement).includes(action);
const join = (...parts: unknown[]) => ({ 'Fn::Join': ['', parts] });

describe.each([
  ['with its defaults', defaultsStack],
  ['with every option turned on', everythingStack],
] as const)('least privilege, %s', (_, build) => {
  let stack: Stack;
  let tests: ResilientParallelEcsTests;
  let template: Template;
  let statements: FoundStatement[];
  let stateMachineRole: FoundStatement[];
  beforeAll(() => {
    ({ stack, tests } = build(newApp()) as SecurityStack);
    template = Template.fromStack(stack);
    statements = everyStatement(template);
    stateMachineRole = statementsOf(template, stack, tests.stateMachine.role);
  });
  const suiteNames = () => Object.keys(tests.taskDefinitions);
  const bucketArn = () => stack.resolve(tests.resultsBucket.bucketArn);
  const clusterArn = () => stack.resolve(tests.cluster.clusterArn);

  test('no statement allows every action of a service, or every action at all', () => {
    // THEN the one kind of whole-service wildcard is a Deny, the TLS-only guard, which must cover every action
    const wholeService = statements.filter(statement => actionsOf(statement).some(action => action === '*' || /^[\w-]+:\*$/.test(action)));
    expect(wholeService.filter(statement => statement.Effect === 'Allow')).toEqual([]);
    for (const statement of wholeService) {
      expect(statement).toMatchObject({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    }
    expect(statements.filter(statement => statement.NotAction !== undefined)).toEqual([]);
  });

  test('RunTask: only the suites\' task definitions, only in this cluster, and only the state machine', () => {
    // THEN
    const runTask = statements.filter(allows('ecs:RunTask'));
    expect(runTask).toHaveLength(1);
    expect(resourcesOf(runTask[0])).toHaveLength(suiteNames().length);
    expect(resourcesOf(runTask[0])).toEqual(expect.arrayContaining(
      suiteNames().map(name => stack.resolve(tests.taskDefinitions[name].taskDefinitionArn))));
    expect(runTask[0].Condition).toEqual({ ArnEquals: { 'ecs:cluster': clusterArn() } });
    expect(stateMachineRole).toContainEqual(runTask[0]);
  });

  test('PassRole: only the suites\' task roles and the execution role, only to ECS tasks', () => {
    // THEN
    const passRole = statements.filter(allows('iam:PassRole'));
    const executionRole = tests.taskDefinitions[suiteNames()[0]].executionRole!;
    expect(passRole.map(normalized)).toEqual([normalized({
      holder: '',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: [
        ...suiteNames().map(name => stack.resolve(tests.taskDefinitions[name].taskRole.roleArn)),
        stack.resolve(executionRole.roleArn),
      ],
      Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    })]);
    expect(stateMachineRole).toContainEqual(passRole[0]);
  });

  test('DescribeTasks, StopTask, ListTasks and tagging: confined to this cluster\'s tasks', () => {
    // THEN
    const tasksInCluster = join('arn:', { Ref: 'AWS::Partition' }, ':ecs:', { Ref: 'AWS::Region' }, ':',
      { Ref: 'AWS::AccountId' }, ':task/', stack.resolve(tests.cluster.clusterName), '/*');
    const inCluster = { ArnEquals: { 'ecs:cluster': clusterArn() } };
    const describeAndStop = { Effect: 'Allow', Action: ['ecs:DescribeTasks', 'ecs:StopTask'], Resource: tasksInCluster, Condition: inCluster };
    const tagOnRunTask = { Effect: 'Allow', Action: 'ecs:TagResource', Resource: tasksInCluster, Condition: { StringEquals: { 'ecs:CreateAction': 'RunTask' } } };
    const listInCluster = { Effect: 'Allow', Action: 'ecs:ListTasks', Resource: '*', Condition: inCluster };
    const ecsOfStateMachine = stateMachineRole.filter(statement => actionsOf(statement).some(action => action.startsWith('ecs:')));
    expect(ecsOfStateMachine.map(normalized)).toEqual(expect.arrayContaining([describeAndStop, tagOnRunTask, listInCluster]));
    expect(ecsOfStateMachine.map(statement => actionsOf(statement).join())).toEqual(expect.arrayContaining(['ecs:RunTask']));
    expect(ecsOfStateMachine).toHaveLength(4);
    // Any other principal that looks for or stops tasks (the clean-up after a run stopped early) is held to the same.
    const stateMachinePolicies = new Set(stateMachineRole.map(statement => statement.holder));
    const elsewhere = statements.filter(statement => statement.Effect === 'Allow' && !stateMachinePolicies.has(statement.holder)
      && actionsOf(statement).some(action => action.startsWith('ecs:')));
    for (const statement of elsewhere) {
      expect([describeAndStop, listInCluster]).toContainEqual(normalized(statement));
    }
  });

  test('the results bucket refuses plain HTTP, and any write outside runs/', () => {
    // THEN
    const bucketPolicy = Object.values(template.findResources('AWS::S3::BucketPolicy'))[0].Properties.PolicyDocument.Statement;
    expect(bucketPolicy).toContainEqual(expect.objectContaining({
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 's3:*',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      Resource: [bucketArn(), join(bucketArn(), '/*')],
    }));
    expect(bucketPolicy).toContainEqual({
      Sid: 'DenyWritesOutsideRuns',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 's3:PutObject',
      NotResource: join(bucketArn(), '/runs/*'),
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    });
  });

  test('every S3 permission of every role stays below runs/, and names its actions', () => {
    // THEN
    const s3 = statements.filter(statement => statement.Effect === 'Allow' && statement.Principal === undefined
      && actionsOf(statement).some(action => action.startsWith('s3:')));
    expect(s3.length).toBeGreaterThan(0);
    for (const statement of s3) {
      expect(actionsOf(statement).every(action => /^s3:[A-Za-z]+$/.test(action))).toBe(true);
      for (const resource of resourcesOf(statement)) {
        const bucketLevel = ['s3:ListBucket', 's3:GetBucketLocation'].some(action => actionsOf(statement).includes(action));
        if (bucketLevel) {
          expect(resource).toEqual(bucketArn());
        } else {
          expect(JSON.stringify(resource)).toMatch(/^\{"Fn::Join":\["",\[\{"Fn::GetAtt":\["\w+","Arn"\]\},"\/runs\/\*\//);
        }
      }
      if (actionsOf(statement).includes('s3:ListBucket')) {
        expect(statement.Condition).toEqual({ StringLike: { 's3:prefix': 'runs/*' } });
      }
    }
  });

  test('each suite\'s task role may only write below runs/*/<suite>/, and may not forge its shard records', () => {
    // THEN
    for (const name of suiteNames()) {
      expect(statementsOf(template, stack, tests.taskDefinitions[name].taskRole).map(normalized)).toEqual([
        { Effect: 'Allow', Action: ['s3:AbortMultipartUpload', 's3:PutObject'], Resource: join(bucketArn(), `/runs/*/${name}/*`) },
        { Sid: 'DenyForgingShardRecords', Effect: 'Deny', Action: 's3:PutObject', Resource: join(bucketArn(), `/runs/*/_results/${name}/*`) },
      ]);
    }
  });

  test('the functions may write only their own logs, with no managed policy', () => {
    // THEN
    // The construct's own functions; aws-cdk-lib's custom resource providers are its business.
    const own = new Set(tests.node.findAll().filter((construct): construct is lambda.Function => construct instanceof lambda.Function)
      .map(fn => stack.resolve((fn.node.defaultChild as lambda.CfnFunction).logicalId)));
    const functions = Object.entries(template.findResources('AWS::Lambda::Function'))
      .filter(([id]) => own.has(id)).map(([, fn]) => fn);
    expect(functions.length).toBeGreaterThanOrEqual(2);
    for (const fn of functions) {
      const roleId = fn.Properties.Role['Fn::GetAtt'][0];
      expect(template.toJSON().Resources[roleId].Properties.ManagedPolicyArns).toBeUndefined();
      const policies = Object.values(template.findResources('AWS::IAM::Policy'))
        .filter(policy => policy.Properties.Roles.some((ref: { Ref: string }) => ref.Ref === roleId));
      const logStatements = policies.flatMap(policy => policy.Properties.PolicyDocument.Statement)
        .filter((statement: FoundStatement) => actionsOf(statement).some(action => action.startsWith('logs:')));
      expect(logStatements).toEqual([{
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [fn.Properties.LoggingConfig.LogGroup.Ref, 'Arn'] },
      }]);
    }
  });

  test('the topic key lets EventBridge decrypt and generate data keys, the account administer it, and no one else anything', () => {
    // THEN
    const key = Object.values(template.findResources('AWS::KMS::Key'))[0];
    const keyStatements = key.Properties.KeyPolicy.Statement as FoundStatement[];
    expect(keyStatements.map(statement => statement.Principal)).toEqual([
      { AWS: join('arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root') },
      { Service: 'events.amazonaws.com' },
    ]);
    expect(keyStatements[1]).toEqual({
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      Resource: '*',
    });
    // The account may administer the key and let its IAM policies decrypt (publishing needs it), but not encrypt
    // other data with it, re-encrypt, or use it for anything else.
    for (const action of ['kms:*', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:ReEncryptFrom', 'kms:Sign', 'kms:GenerateMac']) {
      expect(actionsOf(keyStatements[0])).not.toContain(action);
    }
    expect(actionsOf(keyStatements[0])).toEqual(expect.arrayContaining(['kms:Put*', 'kms:ScheduleKeyDeletion', 'kms:Decrypt']));
  });

  test('the topic refuses plain HTTP, and only EventBridge may publish to it', () => {
    // THEN
    const topicPolicy = Object.values(template.findResources('AWS::SNS::TopicPolicy'))[0].Properties.PolicyDocument.Statement;
    expect(topicPolicy.filter((statement: FoundStatement) => statement.Effect === 'Allow')).toEqual([
      expect.objectContaining({ Action: 'sns:Publish', Principal: { Service: 'events.amazonaws.com' } }),
    ]);
    expect(topicPolicy).toContainEqual(expect.objectContaining({
      Effect: 'Deny',
      Action: 'sns:Publish',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    }));
  });

  test('the notification carries what the run\'s execution says about how it ended, never its input or output', () => {
    // THEN the input may carry environment overrides, which are not for a mailing list
    const rule = Object.values(template.findResources('AWS::Events::Rule'))
      .find(candidate => candidate.Properties.EventPattern?.source?.includes('aws.states'))!;
    const paths = Object.values(rule.Properties.Targets[0].InputTransformer.InputPathsMap) as string[];
    expect(paths.length).toBeGreaterThan(0);
    for (const path of paths) {
      expect(path).not.toMatch(/^\$\.detail\.(input|output)/);
      expect(path).not.toMatch(/^\$\.detail$|^\$$/);
    }
  });
});

describe('secrets', () => {
  let stack: Stack;
  let tests: ResilientParallelEcsTests;
  let template: Template;
  beforeAll(() => {
    ({ stack, tests } = everythingStack(newApp()));
    template = Template.fromStack(stack);
  });

  test('reach the container by reference: the task definition names the secret and the parameter, not a value', () => {
    // THEN
    const definition = Object.values(template.findResources('AWS::ECS::TaskDefinition', { Properties: { Family: stack.resolve(tests.taskDefinitions.e2e.family) } }))[0];
    const container = definition.Properties.ContainerDefinitions[0];
    expect(container.Secrets).toEqual([
      { Name: 'DATABASE_PASSWORD', ValueFrom: `${DATABASE_SECRET_ARN}:password::` },
      { Name: 'API_TOKEN', ValueFrom: expect.objectContaining({ 'Fn::Join': expect.anything() }) },
    ]);
    expect(JSON.stringify(container.Secrets[1].ValueFrom)).toContain(`:parameter${API_TOKEN_PARAMETER}`);
    expect(container.Environment).toBeUndefined();
  });

  test('only the execution role may read them, and only these', () => {
    // THEN
    const secretStatements = everyStatement(template).filter(statement => actionsOf(statement)
      .some(action => action.startsWith('secretsmanager:') || action.startsWith('ssm:')));
    const executionRole = stack.resolve(tests.taskDefinitions.e2e.executionRole!.roleArn)['Fn::GetAtt'][0];
    const executionPolicy = Object.entries(template.findResources('AWS::IAM::Policy'))
      .find(([, policy]) => policy.Properties.Roles.some((ref: { Ref: string }) => ref.Ref === executionRole))![0];
    expect(secretStatements.map(statement => ({ holder: statement.holder, ...normalized(statement) }))).toEqual([
      { holder: executionPolicy, Effect: 'Allow', Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'], Resource: DATABASE_SECRET_ARN },
      {
        holder: executionPolicy,
        Effect: 'Allow',
        Action: ['ssm:DescribeParameters', 'ssm:GetParameter', 'ssm:GetParameterHistory', 'ssm:GetParameters'],
        Resource: join('arn:', { Ref: 'AWS::Partition' }, ':ssm:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:parameter${API_TOKEN_PARAMETER}`),
      },
    ]);
  });

  test('never appear in the template, the state machine definition or a schedule: not as a value, not as a reference CloudFormation would resolve', () => {
    // THEN
    const everything = JSON.stringify(template.toJSON());
    expect(everything).not.toMatch(/\{\{resolve:(secretsmanager|ssm-secure):/);
    const definition = definitionString(template);
    expect(definition).not.toContain('DATABASE_PASSWORD');
    expect(definition).not.toContain('API_TOKEN');
    expect(definition).not.toContain('secretsmanager');
    const schedules = Object.values(template.findResources('AWS::Events::Rule'))
      .filter(rule => rule.Properties.ScheduleExpression)
      .map(rule => JSON.stringify(rule.Properties.Targets));
    expect(schedules).toHaveLength(2);
    for (const targets of schedules) {
      expect(targets).not.toMatch(/secret|API_TOKEN|DATABASE_PASSWORD/i);
    }
  });

  test('a secret given as a plain environment value is refused at synth time, before it could reach the definition', () => {
    // GIVEN
    const app = new App();
    const stackWithLeak = new Stack(app, 'Leak');
    const secret = secretsmanager.Secret.fromSecretCompleteArn(stackWithLeak, 'Secret', DATABASE_SECRET_ARN);

    // WHEN
    const leak = () => new ResilientParallelEcsTests(stackWithLeak, 'Tests', {
      testSuites: [{ name: 'e2e', image: IMAGE, environment: { DATABASE_PASSWORD: secret.secretValueFromJson('password').unsafeUnwrap() } }],
      schedules: [{ schedule: events.Schedule.rate(Duration.days(1)), environment: { TOKEN: SecretValue.ssmSecure('/tests/token').unsafeUnwrap() } }],
    });

    // THEN both are named in the one error
    expect(leak).toThrow(new RegExp('testSuites\\[0\\]\\.environment\\.DATABASE_PASSWORD is a reference to a secret[^]*'
      + 'schedules\\[0\\]\\.environment\\.TOKEN is a reference to a secret'));
  });
});
