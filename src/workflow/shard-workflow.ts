import { Aws, Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { intrinsic, passState, path, template, TemplateValue } from './asl';
import { ResolvedRetryPolicy } from '../retry-policy';
import { TEST_ENVIRONMENT, RUN_ERRORS } from '../runtime/contract';

/** What the shard workflow needs to know about where and how tasks run. */
export interface ShardWorkflowProps {
  readonly clusterArn: string;
  readonly subnetIds: string[];
  readonly securityGroupIds: string[];
  readonly assignPublicIp: boolean;
  readonly useSpot: boolean;
  readonly retry: ResolvedRetryPolicy;
  readonly failFast: boolean;
}

/**
 * Error names from the ECS integration that say the request, not the test, went wrong and is worth repeating:
 * a RunTask whose response lists failures (no capacity) surfaces as `AmazonECS.Unknown`, and ECS API errors as
 * `ECS.<code>`. Throttling may surface under any ECS error name, so its wording is matched as well.
 */
const TRANSIENT_ECS_ERRORS = [
  'AmazonECS.Unknown',
  'ECS.ServerException',
  'ECS.AmazonECSException',
  'ECS.ThrottlingException',
  'ECS.LimitExceededException',
  'ECS.ServiceUnavailableException',
  'ECS.PlatformUnknownException',
];
const THROTTLING_WORDING = ['*ate exceeded*', '*hrottl*', '*TooManyRequests*'];

/**
 * Fargate launches tasks from a token bucket per account and Region: 100 at once, then 20 a second (on-demand and
 * Spot have one each). When more shards start together, RunTask is throttled, and Step Functions reports it as
 * `ECS.AmazonECSException` with a "Rate exceeded" cause. The Run test task state repeats such calls itself: at
 * once, without spending one of the shard's attempts, and with a short ceiling on the wait, so that the last
 * launches follow the bucket's last free tokens closely. Whatever else ECS reports under these names is transient
 * too; it reaches the shard's own retry policy only after these repeats.
 */
const LAUNCH_THROTTLING_RETRY: sfn.RetryProps = {
  errors: ['ECS.AmazonECSException', 'ECS.ThrottlingException'],
  interval: Duration.seconds(2),
  backoffRate: 1.5,
  maxDelay: Duration.seconds(8),
  jitterStrategy: sfn.JitterType.FULL,
  maxAttempts: 100,
};

/** Stopped reasons of a task that never got to run the tests: nothing about the tests is known. */
const TASK_DID_NOT_RUN = [
  '*CannotPullContainer*',
  '*ResourceInitializationError*',
  '*TaskFailedToStart*',
  '*SpotInterruption*',
  // ECS's stopped reason for a Spot interruption, all a cause holds if it is the reason rather than the task (U1).
  '*Spot Task was interrupted*',
  '*Timeout waiting for network interface*',
  '*ResourceNotFoundException*',
  '*RESOURCE:*',
  '*capacity*',
  '*Capacity*',
];

/**
 * The defaults, copied before a merge. States.JsonMerge leaves its arguments alone in AWS, but an interpreter may
 * merge into the first one in place, and the defaults come from the definition, shared by every execution.
 */
const COPY_OF_DEFAULTS = 'States.StringToJson(States.JsonToString($.defaults))';

/** Stop codes that mean the platform, not the tests, ended the task. */
const PLATFORM_STOP_CODES = ['SpotInterruption', 'TerminationNotice', 'TaskFailedToStart', 'ServiceSchedulerInitiated'];

/**
 * The workflow of one shard: it runs the suite's task, decides from the task itself whether the tests passed,
 * retries what is worth retrying, stops a task that ran too long, and records one result.
 *
 * It runs as a child execution of the run's Distributed Map. Its input is `{ item: [suiteIndex, shard], config,
 * runId }`; its output is the shard's status. The full record goes to the results bucket, so that the run's
 * own payload does not grow with the number of shards.
 */
export class ShardWorkflow extends Construct {
  public readonly startState: sfn.State;

  private readonly props: ShardWorkflowProps;
  /** Every final state leads to the one state that saves the record. */
  private savedResult?: sfn.State;
  /** The first attempt and every retry go through the same choice of capacity. */
  private capacityChoice?: sfn.Choice;

  constructor(scope: Construct, id: string, props: ShardWorkflowProps) {
    super(scope, id);
    this.props = props;

    const prepare = new sfn.Pass(this, 'Prepare shard', {
      parameters: template({
        suite: intrinsic('States.ArrayGetItem($.config.suites, $.item[0])'),
        shard: path('$.item[1]'),
        runId: path('$.runId'),
        config: path('$.config'),
        attempt: { number: 1, infraRetries: 0, testRetries: 0 },
      }),
    });

    const runTask = this.runTaskState();
    const decide = this.decideNextStep(runTask);

    const inspect = this.inspectTask(decide);
    runTask.next(new sfn.Pass(this, 'Task defaults', {
      result: sfn.Result.fromObject(taskDefaults()),
      resultPath: '$.defaults',
    }).next(new sfn.Pass(this, 'Read task', {
      parameters: template({ task: intrinsic(`States.JsonMerge(${COPY_OF_DEFAULTS}, $.task, false)`) }),
      resultPath: '$.read',
    })).next(inspect));

    runTask.addCatch(this.classifyError(decide, inspect), { errors: [sfn.Errors.ALL], resultPath: '$.error' });

    prepare.next(this.chooseCapacity(runTask));
    this.startState = prepare;
  }

  /** Fargate Spot for every attempt but the last one that infrastructure failures allow, which runs on-demand. */
  private chooseCapacity(runTask: sfn.State): sfn.IChainable {
    if (!this.props.useSpot) {
      return runTask;
    }
    if (this.capacityChoice) {
      return this.capacityChoice;
    }
    const capacity = (name: string, provider: string) => new sfn.Pass(this, name, {
      result: sfn.Result.fromArray([{ CapacityProvider: provider, Weight: 1 }]),
      resultPath: '$.capacity',
    }).next(runTask);
    this.capacityChoice = new sfn.Choice(this, 'Choose capacity')
      .when(
        sfn.Condition.numberGreaterThanEquals('$.attempt.infraRetries', this.props.retry.maxAttempts - 1),
        capacity('Use on-demand Fargate', 'FARGATE'),
      )
      .otherwise(capacity('Use Fargate Spot', 'FARGATE_SPOT'));
    return this.capacityChoice;
  }

  private runTaskState(): sfn.CustomState {
    const props = this.props;
    const launch: { [key: string]: TemplateValue } = props.useSpot
      ? { CapacityProviderStrategy: path('$.capacity') }
      : { LaunchType: 'FARGATE' };
    const environment = (name: string, value: TemplateValue) => ({ Name: name, Value: value });
    return new sfn.CustomState(this, 'Run test task', {
      stateJson: {
        Type: 'Task',
        Resource: `arn:${Aws.PARTITION}:states:::ecs:runTask.sync`,
        Parameters: template({
          Cluster: props.clusterArn,
          TaskDefinition: path('$.suite.taskDefinition'),
          ...launch,
          // The group names the shard, so that a task left running after a timeout can be found and stopped.
          Group: intrinsic("States.Format('tests:{}:{}:{}', $.runId, $.suite.name, $.shard)"),
          PropagateTags: 'TASK_DEFINITION',
          NetworkConfiguration: {
            AwsvpcConfiguration: {
              Subnets: props.subnetIds,
              SecurityGroups: props.securityGroupIds,
              AssignPublicIp: props.assignPublicIp ? 'ENABLED' : 'DISABLED',
            },
          },
          Overrides: {
            ContainerOverrides: [{
              Name: path('$.suite.container'),
              Environment: [
                environment(TEST_ENVIRONMENT.suite, path('$.suite.name')),
                environment(TEST_ENVIRONMENT.shardIndex, intrinsic("States.Format('{}', $.shard)")),
                environment(TEST_ENVIRONMENT.shardCount, intrinsic("States.Format('{}', $.suite.shards)")),
                environment(TEST_ENVIRONMENT.attempt, intrinsic("States.Format('{}', $.attempt.number)")),
                environment(TEST_ENVIRONMENT.runId, path('$.runId')),
                environment(TEST_ENVIRONMENT.resultsBucket, path('$.config.bucket')),
                environment(TEST_ENVIRONMENT.resultsPrefix, intrinsic(
                  "States.Format('runs/{}/{}/{}/{}/', $.runId, $.suite.name, $.shard, $.attempt.number)")),
              ],
              // The suite's variables and the run's overrides, merged by the plan step (the run wins).
              EnvironmentFiles: [{
                Type: 's3',
                Value: intrinsic("States.Format('{}/runs/{}/_env/{}.env', $.config.bucketArn, $.runId, $.suite.name)"),
              }],
            }],
          },
        }),
        TimeoutSecondsPath: '$.suite.timeoutSeconds',
        ResultPath: '$.task',
      },
    }).addRetry(LAUNCH_THROTTLING_RETRY);
  }

  /**
   * Reads the stopped task: its stop code and its essential container's exit code decide, never the state's
   * success alone. A task that ends because Spot reclaimed it is not a pass, even when its container exited 0.
   */
  private inspectTask(decide: sfn.State): sfn.Choice {
    const stopCode = '$.read.task.StopCode';
    const exitCode = '$.read.task.Containers[0].ExitCode';
    const taskArn = path('$.read.task.TaskArn');
    const stoppedBecause = intrinsic("States.Format('{}: {}', $.read.task.StopCode, $.read.task.StoppedReason)");

    return new sfn.Choice(this, 'Inspect task')
      .when(
        sfn.Condition.or(...PLATFORM_STOP_CODES.map(code => sfn.Condition.stringEquals(stopCode, code))),
        this.outcome('Task was interrupted', 'INFRA', { taskArn, reason: stoppedBecause }).next(decide),
      )
      .when(
        sfn.Condition.stringEquals(stopCode, 'UserInitiated'),
        this.outcome('Task was stopped by someone', 'ERROR', { taskArn, reason: stoppedBecause }).next(decide),
      )
      .when(
        sfn.Condition.and(sfn.Condition.isPresent(exitCode), sfn.Condition.numberEquals(exitCode, 0)),
        this.outcome('Tests passed', 'PASSED', { taskArn, exitCode: path(exitCode), reason: 'exit code 0' }).next(decide),
      )
      .when(
        sfn.Condition.and(sfn.Condition.isPresent(exitCode), sfn.Condition.isNumeric(exitCode)),
        this.outcome('Tests failed', 'TEST_FAILED', {
          taskArn,
          exitCode: path(exitCode),
          reason: intrinsic(`States.Format('exit code {}', ${exitCode})`),
        }).next(decide),
      )
      .otherwise(this.outcome('Task ended without an exit code', 'INFRA', { taskArn, reason: stoppedBecause }).next(decide));
  }

  /**
   * Sorts a failed attempt into a timeout, a failure of the infrastructure, a failure of the tests, or an error
   * that no retry would mend. A failed task's cause is the task itself as JSON when Step Functions has it, and is
   * read like a successful one; when the cause is text, its wording decides.
   */
  private classifyError(decide: sfn.State, inspect: sfn.State): sfn.IChainable {
    const error = '$.read.failure.Error';
    const cause = '$.read.failure.Cause';
    const errorAndCause = intrinsic(`States.Format('{}: {}', ${error}, ${cause})`);
    const matchesAny = (patterns: string[]) => sfn.Condition.or(
      ...patterns.map(pattern => sfn.Condition.stringMatches(cause, pattern)));
    const taskFailed = sfn.Condition.stringEquals(error, sfn.Errors.TASKS_FAILED);

    const readFailedTask = new sfn.Pass(this, 'Failed task defaults', {
      result: sfn.Result.fromObject(taskDefaults()),
      resultPath: '$.defaults',
    }).next(new sfn.Pass(this, 'Read failed task', {
      parameters: template({ task: intrinsic(`States.JsonMerge(${COPY_OF_DEFAULTS}, States.StringToJson(${cause}), false)`) }),
      resultPath: '$.read',
    })).next(inspect);

    const classify = new sfn.Choice(this, 'Classify error')
      .when(
        sfn.Condition.stringEquals(error, sfn.Errors.TIMEOUT),
        this.outcome('Task timed out', 'TIMED_OUT', {
          reason: intrinsic("States.Format('ran longer than its timeout of {} seconds', $.suite.timeoutSeconds)"),
        }).next(this.stopTimedOutTask(decide)),
      )
      .when(sfn.Condition.and(taskFailed, sfn.Condition.stringMatches(cause, '{*')), readFailedTask)
      .when(
        sfn.Condition.and(taskFailed, matchesAny(TASK_DID_NOT_RUN)),
        this.outcome('Task could not run', 'INFRA', { reason: path(cause) }).next(decide),
      )
      .when(
        sfn.Condition.and(taskFailed, sfn.Condition.stringMatches(cause, '*ssential container*exited*')),
        this.outcome('Tests failed without an exit code', 'TEST_FAILED', { reason: path(cause) }).next(decide),
      )
      .when(
        sfn.Condition.or(
          ...TRANSIENT_ECS_ERRORS.map(name => sfn.Condition.stringEquals(error, name)),
          sfn.Condition.and(sfn.Condition.stringMatches(error, 'ECS.*'), matchesAny(THROTTLING_WORDING)),
        ),
        this.outcome('ECS request failed', 'INFRA', { reason: errorAndCause }).next(decide),
      )
      .otherwise(this.outcome('Task errored', 'ERROR', { reason: errorAndCause }).next(decide));

    return new sfn.Pass(this, 'Error defaults', {
      result: sfn.Result.fromObject({ Error: 'Unknown', Cause: 'no cause given' }),
      resultPath: '$.defaults',
    }).next(new sfn.Pass(this, 'Read error', {
      parameters: template({ failure: intrinsic(`States.JsonMerge(${COPY_OF_DEFAULTS}, $.error, false)`) }),
      resultPath: '$.read',
    })).next(classify);
  }

  /**
   * Stops the task of a shard that timed out. Step Functions is believed to stop a `.sync` task when its state
   * times out, but no AWS document says so; this finds the task by its group and stops it, and finds nothing when
   * Step Functions already did.
   */
  private stopTimedOutTask(decide: sfn.State): sfn.IChainable {
    const cluster = this.props.clusterArn;
    const ecsCall = (id: string, action: string, parameters: { [key: string]: TemplateValue }, resultPath: string) =>
      new sfn.CustomState(this, id, {
        stateJson: {
          Type: 'Task',
          Resource: `arn:${Aws.PARTITION}:states:::aws-sdk:ecs:${action}`,
          Parameters: template(parameters),
          ResultPath: resultPath,
        },
      }).addRetry({
        errors: [sfn.Errors.ALL],
        interval: Duration.seconds(2),
        maxAttempts: 3,
        backoffRate: 2,
        jitterStrategy: sfn.JitterType.FULL,
      });

    const listFirst = ecsCall('List running tasks', 'listTasks', {
      Cluster: cluster, Family: path('$.suite.family'), DesiredStatus: 'RUNNING', MaxResults: 100,
    }, '$.running');
    const listMore = ecsCall('List more running tasks', 'listTasks', {
      Cluster: cluster,
      Family: path('$.suite.family'),
      DesiredStatus: 'RUNNING',
      MaxResults: 100,
      NextToken: path('$.running.NextToken'),
    }, '$.running');
    const describe = ecsCall('Describe running tasks', 'describeTasks', {
      Cluster: cluster, Tasks: path('$.running.TaskArns'),
    }, '$.described');
    const stop = ecsCall('Stop timed-out task', 'stopTask', {
      Cluster: cluster,
      Task: path('$.taskArn'),
      Reason: intrinsic("States.Format('Shard {} ran longer than its timeout', $.group)"),
    }, sfn.JsonPath.DISCARD);

    const stopMatching = new sfn.Map(this, 'Stop the shard\'s task', {
      itemsPath: '$.described.Tasks',
      itemSelector: {
        'taskArn.$': '$$.Map.Item.Value.TaskArn',
        'group.$': '$$.Map.Item.Value.Group',
        'wanted.$': "States.Format('tests:{}:{}:{}', $.runId, $.suite.name, $.shard)",
      },
      maxConcurrency: 10,
      resultPath: sfn.JsonPath.DISCARD,
    }).itemProcessor(new sfn.Choice(this, 'Is it the shard\'s task?')
      .when(sfn.Condition.stringEqualsJsonPath('$.group', '$.wanted'), stop)
      .otherwise(new sfn.Pass(this, 'Another shard\'s task')));

    const morePages = new sfn.Choice(this, 'More running tasks?')
      .when(sfn.Condition.and(
        sfn.Condition.isPresent('$.running.NextToken'),
        sfn.Condition.isString('$.running.NextToken'),
      ), listMore)
      .otherwise(decide);
    const anyRunning = (id: string) => new sfn.Choice(this, id)
      .when(sfn.Condition.isPresent('$.running.TaskArns[0]'), describe)
      .otherwise(decide);

    listFirst.next(anyRunning('Any running tasks?'));
    listMore.next(anyRunning('Any more running tasks?'));
    describe.next(stopMatching);
    stopMatching.next(morePages);
    // If the lookup itself fails, the shard is still reported as timed out; the lookup was the safety net.
    for (const state of [listFirst, listMore, describe]) {
      state.addCatch(decide, { errors: [sfn.Errors.ALL], resultPath: '$.cleanupError' });
    }
    stopMatching.addCatch(decide, { errors: [sfn.Errors.ALL], resultPath: '$.cleanupError' });
    return listFirst;
  }

  /** Retries what the policy allows, otherwise records the shard's final status. */
  private decideNextStep(runTask: sfn.State): sfn.State {
    const { retry } = this.props;
    const status = '$.outcome.status';
    const infraLeft = sfn.Condition.numberLessThan('$.attempt.infraRetries', retry.maxAttempts - 1);
    const testLeft = sfn.Condition.numberLessThan('$.attempt.testRetries', retry.retryTestFailures);

    // Made by the first retry branch only: with no retries nothing would reach it, and Step Functions refuses a
    // definition with a state that nothing reaches (as with maxAttempts 1 and no test retries).
    let backOff: sfn.Wait | undefined;
    const backOffThenRetry = () => {
      if (!backOff) {
        backOff = new sfn.Wait(this, 'Back off', { time: sfn.WaitTime.secondsPath('$.attempt.waitSeconds') });
        backOff.next(this.chooseCapacity(runTask));
      }
      return backOff;
    };
    const scheduleRetry = (id: string, counter: 'infraRetries' | 'testRetries') => new sfn.Pass(this, id, {
      parameters: template({
        number: intrinsic('States.MathAdd($.attempt.number, 1)'),
        infraRetries: counter === 'infraRetries' ? intrinsic('States.MathAdd($.attempt.infraRetries, 1)') : path('$.attempt.infraRetries'),
        testRetries: counter === 'testRetries' ? intrinsic('States.MathAdd($.attempt.testRetries, 1)') : path('$.attempt.testRetries'),
        waitSeconds: this.waitExpression(),
      }),
      resultPath: '$.attempt',
    }).next(backOffThenRetry());

    const timedOut = sfn.Condition.stringEquals(status, 'TIMED_OUT');
    const decide = new sfn.Choice(this, 'Decide next step')
      .when(sfn.Condition.and(sfn.Condition.stringEquals(status, 'PASSED'),
        sfn.Condition.numberGreaterThan('$.attempt.testRetries', 0)), this.finish('Shard passed after a retry', 'PASSED', true))
      .when(sfn.Condition.stringEquals(status, 'PASSED'), this.finish('Shard passed', 'PASSED', false));
    if (retry.retryTestFailures > 0) {
      decide.when(sfn.Condition.and(sfn.Condition.stringEquals(status, 'TEST_FAILED'), testLeft),
        scheduleRetry('Schedule test retry', 'testRetries'));
    }
    decide.when(sfn.Condition.stringEquals(status, 'TEST_FAILED'), this.finish('Shard failed', 'FAILED', false));
    if (retry.maxAttempts > 1) {
      const retryInfrastructure = scheduleRetry('Schedule infrastructure retry', 'infraRetries');
      decide.when(sfn.Condition.and(sfn.Condition.stringEquals(status, 'INFRA'), infraLeft), retryInfrastructure);
      if (retry.retryTimeouts) {
        decide.when(sfn.Condition.and(timedOut, infraLeft), retryInfrastructure);
      }
    }
    decide
      .when(timedOut, this.finish('Shard timed out', 'TIMED_OUT', false))
      .otherwise(this.finish('Shard errored', 'ERROR', false));
    return decide;
  }

  /** The wait before the next attempt, looked up by attempt number so that no arithmetic beyond addition is needed. */
  private waitExpression(): TemplateValue {
    const { waitRanges } = this.props.retry;
    // Index n holds the wait after attempt n; index 0 is never read.
    const lowest = [0, ...waitRanges.map(([low]) => low)].join(', ');
    const highest = [0, ...waitRanges.map(([, high]) => high)].join(', ');
    const jittered = waitRanges.some(([low, high]) => low !== high);
    if (!jittered) {
      return intrinsic(`States.ArrayGetItem(States.Array(${lowest}), $.attempt.number)`);
    }
    return intrinsic(`States.MathRandom(States.ArrayGetItem(States.Array(${lowest}), $.attempt.number), `
      + `States.ArrayGetItem(States.Array(${highest}), $.attempt.number))`);
  }

  /** Sets `$.outcome`, what one attempt came to. */
  private outcome(id: string, status: string, fields: { taskArn?: TemplateValue; exitCode?: TemplateValue; reason: TemplateValue }) {
    return passState(this, id, {
      parameters: {
        status,
        exitCode: fields.exitCode ?? null,
        taskArn: fields.taskArn ?? null,
        reason: fields.reason,
      },
      resultPath: '$.outcome',
    });
  }

  /** Writes the shard's record to the results bucket and ends the child execution with the shard's status. */
  private finish(id: string, status: string, flaky: boolean): sfn.IChainable {
    const record = new sfn.Pass(this, id, {
      parameters: template({
        suite: path('$.suite.name'),
        shard: path('$.shard'),
        status,
        attempts: path('$.attempt.number'),
        exitCode: path('$.outcome.exitCode'),
        flaky,
        taskArn: path('$.outcome.taskArn'),
        reason: path('$.outcome.reason'),
      }),
      resultPath: '$.record',
    });
    return record.next(this.saveResult());
  }

  private saveResult(): sfn.State {
    if (this.savedResult) {
      return this.savedResult;
    }
    const save = new sfn.CustomState(this, 'Save shard result', {
      stateJson: {
        Type: 'Task',
        Resource: `arn:${Aws.PARTITION}:states:::aws-sdk:s3:putObject`,
        Parameters: template({
          Bucket: path('$.config.bucket'),
          Key: intrinsic("States.Format('runs/{}/_results/{}/{}.json', $.runId, $.suite.name, $.shard)"),
          Body: intrinsic('States.JsonToString($.record)'),
          ContentType: 'application/json',
        }),
        ResultPath: sfn.JsonPath.DISCARD,
      },
    }).addRetry({
      errors: [sfn.Errors.ALL],
      interval: Duration.seconds(1),
      maxAttempts: 5,
      backoffRate: 2,
      jitterStrategy: sfn.JitterType.FULL,
    });

    const done = new sfn.Pass(this, 'Shard done', { outputPath: '$.record.status' });
    if (this.props.failFast) {
      save.next(new sfn.Choice(this, 'Did the shard pass?')
        .when(sfn.Condition.stringEquals('$.record.status', 'PASSED'), done)
        .otherwise(new sfn.Fail(this, 'Stop the run', {
          error: RUN_ERRORS.shardFailed,
          causePath: '$.record.reason',
        })));
    } else {
      save.next(done);
    }
    this.savedResult = save;
    return save;
  }
}

/** What a task description is assumed to hold when a field is missing, so that every later path exists. */
function taskDefaults() {
  return { TaskArn: null, StopCode: 'Unknown', StoppedReason: 'no reason given', Containers: [{}] };
}
