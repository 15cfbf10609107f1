import { ExpectedResult, IApiCall, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { Duration, Fn } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { ResilientParallelEcsTests } from '../../src';
import { RESULTS_LAYOUT, RunCounts, RunSummary, ShardStatus } from '../../src/runtime/contract';

/** Long enough for Fargate to start every shard, a one-minute timeout, and a retry after its backoff. */
const UNTIL_THE_RUN_ENDS = { totalTimeout: Duration.minutes(30), interval: Duration.seconds(30) };
/** For what follows within a minute or two of something else: a task reaching STOPPED, a message arriving. */
const SHORTLY = { totalTimeout: Duration.minutes(5), interval: Duration.seconds(15) };
/** SQS's longest long poll: a notification sent at all is sent well within it. */
const LISTEN_SECONDS = 20;
/** Longer than any scenario: a message once received stays in flight, so later receives only see new messages. */
const KEEP_IN_FLIGHT_SECONDS = 12 * 3600;

/** One shard as the run's summary lists it; fields left out are not checked. */
export interface ExpectedShard {
  readonly suite: string;
  readonly shard: number;
  readonly status: ShardStatus;
  readonly attempts: number;
  readonly exitCode?: number;
  readonly flaky?: boolean;
}

/** The parts of a run's summary that a scenario checks: its status, its counts, and every shard in order. */
export interface ExpectedSummary {
  readonly status: RunSummary['status'];
  readonly counts: RunCounts;
  readonly shards: ExpectedShard[];
}

/**
 * One execution of the construct's state machine in a deployed scenario, and the checks that can be made of it.
 *
 * Each method returns assertion calls without ordering them; a scenario chains them with `inOrder`, so that each
 * check looks at the run only after what it depends on has happened.
 */
export class TestRun {
  /** Starts the run. Everything else comes after it. */
  public readonly start: IApiCall;
  /** The execution's name, which the construct uses as the run's id. */
  public readonly runId: string;
  public readonly executionArn: string;

  constructor(
    private readonly integ: IntegTest,
    private readonly tests: ResilientParallelEcsTests,
    private readonly notifications: sqs.IQueue,
    input: Record<string, unknown> = {},
  ) {
    // No name is given: Step Functions makes a unique one, so a redeployed assertion stack starts a fresh run.
    this.start = integ.assertions.awsApiCall('SFN', 'startExecution', {
      stateMachineArn: tests.stateMachine.stateMachineArn,
      input: JSON.stringify(input),
    });
    this.executionArn = this.start.getAttString('executionArn');
    // arn:<partition>:states:<region>:<account>:execution:<state machine>:<execution name>
    this.runId = Fn.select(7, Fn.split(':', this.executionArn));
  }

  /** Waits until the run has ended and checks how: its status, and for a passed run its output, the summary. */
  public ended(status: 'SUCCEEDED' | 'FAILED', details: Record<string, unknown> = {}): IApiCall {
    return this.integ.assertions.awsApiCall('SFN', 'describeExecution', { executionArn: this.executionArn })
      .expect(ExpectedResult.objectLike({ status, ...details }))
      .waitForAssertions(UNTIL_THE_RUN_ENDS);
  }

  /** The summary in the results bucket, where it is for every run, passed or not. */
  public summaryInBucket(summary: ExpectedSummary): IApiCall {
    return this.integ.assertions.awsApiCall('S3', 'getObject', {
      Bucket: this.tests.resultsBucket.bucketName,
      Key: RESULTS_LAYOUT.summaryKey(this.runId),
    }).expect(ExpectedResult.objectLike({ Body: Match.serializedJson(Match.objectLike(summaryPattern(summary))) }));
  }

  /**
   * The task that ran a shard's last attempt, as a passed run's output records it. Read after the run has ended.
   */
  public lastTaskOf(shardIndex: number): { read: IApiCall; taskArn: string } {
    const read = this.integ.assertions.awsApiCall('SFN', 'describeExecution', { executionArn: this.executionArn });
    return { read, taskArn: read.getAttString(`output.shards.${shardIndex}.taskArn`) };
  }

  /**
   * A stopped task of a suite's task definition. The record of a timed-out shard has no task, and an attempt that
   * failed before a retry leaves no record of its own, so ECS is asked instead; a stopped task stays listed for
   * at least an hour. With `wait`, the check waits until there is one.
   */
  public stoppedTaskOf(suite: string, options: { wait?: boolean } = {}): { check: IApiCall; taskArn: string } {
    const call = this.integ.assertions.awsApiCall('ECS', 'listTasks', {
      cluster: this.tests.cluster.clusterArn,
      family: this.tests.taskDefinitions[suite].family,
      desiredStatus: 'STOPPED',
    }).assertAtPath('taskArns.0', ExpectedResult.stringLikeRegexp(':task/'));
    const check = options.wait ? call.waitForAssertions(SHORTLY) : call;
    return { check, taskArn: check.getAttString('taskArns.0') };
  }

  /** Checks a task as ECS describes it. With `wait`, until it matches: a task takes a while to reach STOPPED. */
  public task(taskArn: string, expected: Record<string, unknown>, options: { wait?: boolean } = {}): IApiCall {
    const call = this.integ.assertions.awsApiCall('ECS', 'describeTasks', {
      cluster: this.tests.cluster.clusterArn,
      tasks: [taskArn],
    }).expect(ExpectedResult.objectLike({ tasks: [Match.objectLike(expected)] }));
    return options.wait ? call.waitForAssertions(SHORTLY) : call;
  }

  /** Checks that no task is left running in the cluster once the run has ended. */
  public nothingLeftRunning(): IApiCall {
    return this.integ.assertions.awsApiCall('ECS', 'listTasks', {
      cluster: this.tests.cluster.clusterArn,
      desiredStatus: 'RUNNING',
    }).expect(ExpectedResult.objectLike({ taskArns: [] }));
  }

  /**
   * Checks that exactly one notification arrives and that a person can read it: it names the run and how it ended,
   * and links to the execution. Then it listens once more, and checks that nothing else came.
   */
  public notifiedOnce(status: 'FAILED' | 'TIMED_OUT' | 'ABORTED'): IApiCall[] {
    const readable = `^Test run ${this.runId} ended ${status}\\.$[\\s\\S]*`
      + `^Execution: https://\\S+/executions/details/${this.executionArn}$`;
    const arrived = this.receive()
      .expect(ExpectedResult.objectLike({ Messages: [Match.objectLike({ Body: Match.stringLikeRegexp(readable) })] }))
      .waitForAssertions(SHORTLY);
    return [arrived, this.receive(), this.queueHolds({ waiting: 0, inFlight: 1 })];
  }

  /** Checks that no notification arrives: a passed run is nobody's concern. */
  public notNotified(): IApiCall[] {
    return [this.receive(), this.queueHolds({ waiting: 0, inFlight: 0 })];
  }

  /** Takes whatever arrives within a long poll and keeps it in flight, so that the queue's counts tell what came. */
  private receive(): IApiCall {
    return this.integ.assertions.awsApiCall('SQS', 'receiveMessage', {
      QueueUrl: this.notifications.queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: LISTEN_SECONDS,
      VisibilityTimeout: KEEP_IN_FLIGHT_SECONDS,
    });
  }

  /**
   * Messages waiting to be received, and messages received and never deleted. Nothing deletes a message, so their
   * sum is every message the queue has had. The counts are approximate for a moment after a change, hence the wait.
   */
  private queueHolds(expected: { waiting: number; inFlight: number }): IApiCall {
    return this.integ.assertions.awsApiCall('SQS', 'getQueueAttributes', {
      QueueUrl: this.notifications.queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }).expect(ExpectedResult.objectLike({
      Attributes: {
        ApproximateNumberOfMessages: `${expected.waiting}`,
        ApproximateNumberOfMessagesNotVisible: `${expected.inFlight}`,
      },
    })).waitForAssertions({ totalTimeout: Duration.minutes(2), interval: Duration.seconds(20) });
  }
}

/** The summary that a passed run returns as its output: check it with `ended('SUCCEEDED', { output: … })`. */
export function runOutput(summary: ExpectedSummary): Record<string, unknown> {
  return Match.serializedJson(Match.objectLike(summaryPattern(summary)));
}

/** Runs the assertion calls one after another, in the order given. */
export function inOrder(first: IApiCall, ...rest: Array<IApiCall | IApiCall[]>): void {
  rest.flat().reduce((previous, next) => previous.next(next), first);
}

/**
 * The summary as a pattern. A literal array inside `objectLike` must match in length and order, and its objects
 * match partially: so every shard is there, in plan order, and only the fields given are checked.
 */
function summaryPattern(summary: ExpectedSummary): Record<string, unknown> {
  return { status: summary.status, counts: summary.counts, shardsListed: 'all', shards: summary.shards };
}
