import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { allowWithWildcardResources } from './acknowledgements';
import { grantReadRunFiles, grantWriteRunFiles } from './results-access';
import { RESULTS_LAYOUT } from './runtime/contract';
import { PlanFunction } from './runtime/plan-function';
import { SummarizeFunction } from './runtime/summarize-function';
import { SweepFunction } from './runtime/sweep-function';
import { inCluster, tasksInCluster } from './workflow-access';

export interface WorkflowFunctionsProps {
  readonly cluster: ecs.ICluster;
  readonly resultsBucket: s3.IBucket;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/** The Lambda functions that the run workflow invokes. */
export interface WorkflowFunctions {
  /** Checks a run's input and plans its shards. */
  readonly planFunction: lambda.IFunction;
  /** Summarizes a run's shards. */
  readonly summaryFunction: lambda.IFunction;
  /** Stops the leftover tasks of a run that stopped early. */
  readonly sweepFunction: lambda.IFunction;
}

/**
 * The workflow's functions, created in `scope`, each with a log group and a role of its own: a role that may write
 * to that log group and do what the function's code does, and nothing else.
 */
export function createWorkflowFunctions(scope: Construct, props: WorkflowFunctionsProps): WorkflowFunctions {
  const planFunction = workflowFunction(scope, 'PlanFunction', PlanFunction, props, {
    description: 'Checks the input of a test run and plans its shards',
    timeout: Duration.minutes(1),
    memorySize: 256,
  });
  const summaryFunction = workflowFunction(scope, 'SummaryFunction', SummarizeFunction, props, {
    description: 'Summarizes the shards of a test run',
    timeout: Duration.minutes(5),
    memorySize: 512,
  });
  grantRunFiles(props.resultsBucket, planFunction, summaryFunction);
  // The sweep stops a run's leftover tasks when its fan-out failed. It may list and describe the tasks of this
  // cluster and stop them; it reads and writes nothing else.
  const sweepFunction = workflowFunction(scope, 'SweepFunction', SweepFunction, props, {
    description: 'Stops the tasks of a test run that stopped early',
    timeout: Duration.minutes(5),
    memorySize: 256,
  });
  allowWithWildcardResources(sweepFunction, new iam.PolicyStatement({
    actions: ['ecs:ListTasks'],
    resources: ['*'],
    conditions: inCluster(props.cluster),
  }), 'ListTasks on a whole cluster is authorized against "*" (Fargate has no container instances to name); '
    + 'the ecs:cluster condition confines it to this cluster.');
  allowWithWildcardResources(sweepFunction, new iam.PolicyStatement({
    actions: ['ecs:DescribeTasks', 'ecs:StopTask'],
    resources: [tasksInCluster(scope, props.cluster)],
    conditions: inCluster(props.cluster),
  }), 'The sweep stops the tasks of a run that stopped early, whose task IDs exist only at run time. The ARN '
    + 'pattern and the ecs:cluster condition confine it to tasks of this cluster, and it stops only tasks whose '
    + 'group names the run.');
  return { planFunction, summaryFunction, sweepFunction };
}

/** What sets one of the workflow's functions apart from the others. */
interface FunctionSettings {
  readonly description: string;
  readonly timeout: Duration;
  readonly memorySize: number;
}

type FunctionClass = new (scope: Construct, id: string, props: lambda.FunctionOptions) => lambda.Function;

/**
 * One of the workflow's functions, with a log group of its own, `<id>Logs`, and a role of its own, `<id>Role`, which
 * may write to that log group and, until granted more, nothing else. Those IDs, like the function's, are part of
 * the construct's contract: changing one replaces the resource.
 */
function workflowFunction(
  scope: Construct, id: string, functionClass: FunctionClass, props: WorkflowFunctionsProps, settings: FunctionSettings,
): lambda.Function {
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, { retention: props.logRetention, removalPolicy: props.removalPolicy });
  const role = new iam.Role(scope, `${id}Role`, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  logGroup.grantWrite(role);
  return new functionClass(scope, id, { ...settings, logGroup, role });
}

function grantRunFiles(bucket: s3.IBucket, planFunction: lambda.IFunction, summaryFunction: lambda.IFunction) {
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
