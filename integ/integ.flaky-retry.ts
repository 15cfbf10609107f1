/**
 * A shard whose tests fail on the first attempt and pass on the second, with one retry of test failures allowed.
 *
 * It shows that the retry happens, that the container learns which attempt it is, that the run passes with the
 * shard reported as flaky, and that nobody is notified.
 */
import { IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { ResilientParallelEcsTests } from '../src';
import { SandboxStack, shellSuite } from './support/sandbox';
import { inOrder, runOutput, TestRun } from './support/test-run';

const app = new App();
const stack = new SandboxStack(app, 'ResilientParallelEcsTests-FlakyRetry');
const tests = new ResilientParallelEcsTests(stack, 'Tests', {
  ...stack.sandboxProps(),
  testSuites: [shellSuite('flaky', '[ "$TEST_ATTEMPT" -ge 2 ]')],
  retryPolicy: { retryTestFailures: 1, interval: Duration.seconds(5), jitter: sfn.JitterType.NONE },
});

const integ = new IntegTest(app, 'FlakyRetry', { testCases: [stack], stackUpdateWorkflow: false });
const run = new TestRun(integ, tests, stack.notifications);
const lastTask = run.lastTaskOf(0);

inOrder(run.start,
  run.ended('SUCCEEDED', {
    output: runOutput({
      status: 'PASSED',
      counts: { total: 1, passed: 1, failed: 0, timedOut: 0, error: 0, cancelled: 0, flaky: 1 },
      shards: [{ suite: 'flaky', shard: 1, status: 'PASSED', attempts: 2, exitCode: 0, flaky: true }],
    }),
  }),
  // The passing attempt is a task of its own, started after the failed one, and it is the one the record names.
  lastTask.read,
  run.task(lastTask.taskArn, {
    group: `tests:${run.runId}:flaky:1`,
    lastStatus: 'STOPPED',
    containers: [{ exitCode: 0 }],
    overrides: { containerOverrides: [{ environment: Match.arrayWith([{ name: 'TEST_ATTEMPT', value: '2' }]) }] },
  }, { wait: true }),
  run.notNotified(),
);
