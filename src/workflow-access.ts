import { Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { IConstruct } from 'constructs';
import { acknowledge, acknowledgeWildcardResource, acknowledgeWildcardResourcesOf, allowWithWildcardResources, IAM_WILDCARDS } from './acknowledgements';
import { grantWriteRunFiles } from './results-access';
import { RESULTS_LAYOUT } from './runtime/contract';

export interface WorkflowAccessProps {
  readonly stateMachine: sfn.StateMachine;
  readonly cluster: ecs.ICluster;
  /** The suites' task definitions, which share one execution role. */
  readonly taskDefinitions: ecs.FargateTaskDefinition[];
  readonly resultsBucket: s3.IBucket;
  /** The functions the state machine invokes. */
  readonly functions: lambda.IFunction[];
}

/** The condition that confines ECS actions on tasks to one cluster. */
export function inCluster(cluster: ecs.ICluster): { [operator: string]: unknown } {
  return { ArnEquals: { 'ecs:cluster': cluster.clusterArn } };
}

/** Every task of a cluster, in the account and Region of `scope`'s stack: task IDs exist only once a task runs. */
export function tasksInCluster(scope: IConstruct, cluster: ecs.ICluster): string {
  return Stack.of(scope).formatArn({ service: 'ecs', resource: 'task', resourceName: `${cluster.clusterName}/*` });
}

/**
 * Grants the state machine exactly what its ECS calls need: RunTask on the suites' task definitions in this
 * cluster, PassRole on their roles, and task lookups and stops confined to this cluster. What aws-cdk-lib grants it
 * for the functions, the Distributed Map, logging and tracing is acknowledged here too, each for its reason.
 */
export function grantWorkflowAccess(scope: IConstruct, access: WorkflowAccessProps): void {
  const role = access.stateMachine.role;
  const definitions = access.taskDefinitions;
  const tasks = tasksInCluster(scope, access.cluster);

  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['ecs:RunTask'],
    resources: definitions.map(definition => definition.taskDefinitionArn),
    conditions: inCluster(access.cluster),
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
    resources: [tasks],
    conditions: inCluster(access.cluster),
  }), 'Step Functions describes and stops the tasks it started, and the timeout clean-up stops a shard\'s task; '
    + 'task IDs exist only once a task runs. The ARN pattern and the ecs:cluster condition confine both actions to '
    + 'tasks of this cluster.');
  // RunTask propagates the task definition's tags to the task, which ECS authorizes as tagging on creation;
  // without this, a stack with tags could not start a single shard.
  allowWithWildcardResources(role, new iam.PolicyStatement({
    actions: ['ecs:TagResource'],
    resources: [tasks],
    conditions: { StringEquals: { 'ecs:CreateAction': 'RunTask' } },
  }), 'RunTask tags the task it creates with the task definition\'s tags; task IDs exist only once a task runs. '
    + 'The ecs:CreateAction condition allows tagging only as part of RunTask, in this cluster.');
  // ListTasks names only container instances as resources, and Fargate has none: a cluster-wide listing is
  // authorized against "*", so the ecs:cluster condition is what confines it.
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['ecs:ListTasks'],
    resources: ['*'],
    conditions: inCluster(access.cluster),
  }));
  // The .sync integration learns that a task stopped through a rule that Step Functions manages.
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
    resources: [Stack.of(scope).formatArn({ service: 'events', resource: 'rule', resourceName: 'StepFunctionsGetEventsForECSTaskRule' })],
  }));
  grantWriteRunFiles({
    bucket: access.resultsBucket,
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
  for (const fn of access.functions) {
    acknowledgeWildcardResource(policy, `${fn.functionArn}:*`, 'aws-cdk-lib\'s LambdaInvoke allows every version '
      + 'and alias of the function it invokes (<function ARN>:*); this is the construct\'s own function, nothing else.');
  }
  const distributedMap = access.stateMachine.node.tryFindChild('DistributedMapPolicy');
  if (distributedMap instanceof iam.Policy) {
    acknowledgeWildcardResourcesOf(distributedMap, 'The Distributed Map starts one child execution per shard; '
      + 'aws-cdk-lib allows describing, stopping and redriving the executions of this state machine '
      + '(execution:<state machine>:*), whose names exist only at run time. No other state machine\'s.');
  }
}
