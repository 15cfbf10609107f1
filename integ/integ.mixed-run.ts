/**
 * A run in which one shard passes, one fails and one hangs past its timeout.
 *
 * It shows that the run fails with a summary that tells the three apart, that the hung shard's task is stopped
 * rather than left running, and that exactly one readable notification goes out.
 */
import { IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration } from 'aws-cdk-lib';
import { ResilientParallelEcsTests } from '../src';
import { SandboxStack, shellSuite } from './support/sandbox';
import { inOrder, TestRun } from './support/test-run';

const app = new App();
const stack = new SandboxStack(app, 'ResilientParallelEcsTests-MixedRun');
const tests = new ResilientParallelEcsTests(stack, 'Tests', {
  ...stack.sandboxProps(),
  testSuites: [
    shellSuite('pass', 'exit 0'),
    shellSuite('fail', 'exit 1'),
    shellSuite('hang', 'sleep 3600', { timeout: Duration.minutes(1) }),
  ],
});

const integ = new IntegTest(app, 'MixedRun', { testCases: [stack], stackUpdateWorkflow: false });
const run = new TestRun(integ, tests, stack.notifications);
const hungTask = run.stoppedTaskOf('hang');

inOrder(run.start,
  run.ended('FAILED', {
    error: 'TestRunFailed',
    cause: Match.stringLikeRegexp('2 of 3 shards did not pass \\(1 failed, 1 timed out, 0 error, 0 cancelled\\)'),
  }),
  run.summaryInBucket({
    status: 'FAILED',
    counts: { total: 3, passed: 1, failed: 1, timedOut: 1, error: 0, cancelled: 0, flaky: 0 },
    shards: [
      { suite: 'pass', shard: 1, status: 'PASSED', attempts: 1, exitCode: 0, flaky: false },
      { suite: 'fail', shard: 1, status: 'FAILED', attempts: 1, exitCode: 1, flaky: false },
      // A timeout is not retried by default, and a task stopped for it has no exit code worth reporting.
      { suite: 'hang', shard: 1, status: 'TIMED_OUT', attempts: 1, flaky: false },
    ],
  }),
  // Whether Step Functions stopped the task when the state timed out, or the workflow's own clean-up did, it is
  // stopped by a StopTask call, within the group that names the shard.
  hungTask.check,
  run.task(hungTask.taskArn, {
    group: `tests:${run.runId}:hang:1`,
    desiredStatus: 'STOPPED',
    lastStatus: 'STOPPED',
    stopCode: 'UserInitiated',
    stoppedReason: Match.stringLikeRegexp('was aborted|ran longer than its timeout'),
  }, { wait: true }),
  run.nothingLeftRunning(),
  run.notifiedOnce('FAILED'),
);
