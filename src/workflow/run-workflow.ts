import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { intrinsic, passState, path } from './asl';
import { ShardWorkflow, ShardWorkflowProps } from './shard-workflow';
import { RUN_ERRORS } from '../runtime/contract';

/** One suite as the shard workflow reads it at run time. */
export interface ShardCatalogueEntry {
  readonly name: string;
  readonly taskDefinition: string;
  readonly family: string;
  readonly container: string;
  readonly shards: number;
  readonly timeoutSeconds: number;
  /** Static environment, handed to the plan step, which writes it into the suite's environment file. */
  readonly environment: Record<string, string>;
}

export interface RunWorkflowProps extends ShardWorkflowProps {
  readonly suites: ShardCatalogueEntry[];
  readonly bucketName: string;
  readonly bucketArn: string;
  readonly maxConcurrency: number;
  readonly planFunction: lambda.IFunction;
  readonly summaryFunction: lambda.IFunction;
  readonly sweepFunction: lambda.IFunction;
}

/**
 * The run: check the input and plan the shards, run every shard as a child execution of a Distributed Map, then
 * summarize. Its definition grows with the number of suites, never with the number of shards: the shard list is
 * data that the plan step returns, and each shard's record goes to S3 instead of into the run's payload.
 */
export class RunWorkflow extends Construct {
  public readonly definition: sfn.IChainable;
  public readonly shardMap: sfn.DistributedMap;

  constructor(scope: Construct, id: string, props: RunWorkflowProps) {
    super(scope, id);

    const describe = passState(this, 'Describe test suites', {
      parameters: {
        input: path('$'),
        config: {
          suites: props.suites.map(({ environment, ...rest }) => rest),
          bucket: props.bucketName,
          bucketArn: props.bucketArn,
        },
        // Replaced by the fan-out's error if it fails, so the summary step always finds the field.
        stoppedEarly: null,
      },
    });

    const plan = new tasks.LambdaInvoke(this, 'Plan run', {
      lambdaFunction: props.planFunction,
      payloadResponseOnly: true,
      payload: sfn.TaskInput.fromObject({
        input: sfn.JsonPath.objectAt('$.input'),
        runId: sfn.JsonPath.executionName,
        bucket: props.bucketName,
        suites: props.suites.map(suite => ({ name: suite.name, shards: suite.shards, environment: suite.environment })),
      }),
      resultPath: '$.plan',
    });
    plan.addCatch(this.rejectRun(), { errors: [RUN_ERRORS.invalidInput, RUN_ERRORS.unknownSuite], resultPath: '$.rejection' });

    const shards = new ShardWorkflow(this, 'Shard', props);
    this.shardMap = new sfn.DistributedMap(this, 'Run shards', {
      itemsPath: '$.plan.items',
      itemSelector: {
        'item.$': '$$.Map.Item.Value',
        'config.$': '$.config',
        'runId.$': '$.plan.runId',
      },
      maxConcurrency: props.maxConcurrency,
      mapExecutionType: sfn.StateMachineType.STANDARD,
      label: 'Shards',
      resultPath: sfn.JsonPath.DISCARD,
    });
    this.shardMap.itemProcessor(shards.startState);

    const summarize = new tasks.LambdaInvoke(this, 'Summarize run', {
      lambdaFunction: props.summaryFunction,
      payloadResponseOnly: true,
      payload: sfn.TaskInput.fromObject({
        runId: sfn.JsonPath.stringAt('$.plan.runId'),
        bucket: props.bucketName,
        stoppedEarly: sfn.JsonPath.objectAt('$.stoppedEarly'),
      }),
      // The summary replaces the state: the shard list it no longer needs would count against the 256 KiB limit.
      resultPath: '$',
    });
    // A failed fan-out (fail-fast, or a Map Run that could not go on) stops what still runs, then gets a summary of
    // what ran. The sweep is a safety net: if it fails, the summary is still written.
    const sweep = new tasks.LambdaInvoke(this, 'Stop leftover tasks', {
      lambdaFunction: props.sweepFunction,
      payloadResponseOnly: true,
      payload: sfn.TaskInput.fromObject({
        runId: sfn.JsonPath.stringAt('$.plan.runId'),
        cluster: props.clusterArn,
        families: props.suites.map(suite => suite.family),
      }),
      resultPath: sfn.JsonPath.DISCARD,
    });
    sweep.addCatch(summarize, { errors: [sfn.Errors.ALL], resultPath: '$.sweepError' });
    this.shardMap.addCatch(sweep.next(summarize), { errors: [sfn.Errors.ALL], resultPath: '$.stoppedEarly' });

    const verdict = new sfn.Choice(this, 'Did every shard pass?')
      .when(sfn.Condition.stringEquals('$.status', 'PASSED'), new sfn.Succeed(this, 'Run passed'))
      .otherwise(new sfn.Fail(this, 'Run failed', { errorPath: '$.error', causePath: '$.cause' }));

    this.definition = describe.next(plan).next(this.shardMap).next(summarize).next(verdict);
  }

  /**
   * Fails a run whose input the plan step refused, with the plan's own error name and message. A Lambda function's
   * error reaches Step Functions with its error document (`errorType`, `errorMessage`, `trace`) as the cause; the
   * message is what a person needs. A cause that is not such a document is passed on as it is.
   */
  private rejectRun(): sfn.IChainable {
    const reject = new sfn.Fail(this, 'Reject run', { errorPath: '$.rejection.Error', causePath: '$.rejection.Cause' });
    const unwrap = passState(this, 'Read rejection', {
      parameters: {
        Error: path('$.rejection.Error'),
        Cause: intrinsic('States.StringToJson($.rejection.Cause)'),
      },
      resultPath: '$.rejection',
    });
    const keepMessage = passState(this, 'Keep the rejection message', {
      parameters: { Error: path('$.rejection.Error'), Cause: path('$.rejection.Cause.errorMessage') },
      resultPath: '$.rejection',
    });
    return new sfn.Choice(this, 'Is the rejection a Lambda error document?')
      .when(sfn.Condition.stringMatches('$.rejection.Cause', '{*"errorMessage"*'), unwrap.next(keepMessage).next(reject))
      .otherwise(reject);
  }
}
