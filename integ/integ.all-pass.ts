/**
 * A run in which every shard passes: a suite split into three shards, and a suite that checks that a variable the
 * run overrides reaches its container.
 *
 * It shows that each shard learns who it is, that a run's environment beats a suite's own, that the run succeeds
 * with its summary as output and in the bucket, and that nobody is notified.
 */
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App } from 'aws-cdk-lib';
import { ResilientParallelEcsTests } from '../src';
import { SandboxStack, shellSuite } from './support/sandbox';
import { ExpectedSummary, inOrder, runOutput, TestRun } from './support/test-run';

const OVERRIDDEN_SHA = 'integ-run-override-0123abcd';

const app = new App();
const stack = new SandboxStack(app, 'ResilientParallelEcsTests-AllPass');
const tests = new ResilientParallelEcsTests(stack, 'Tests', {
  ...stack.sandboxProps(),
  testSuites: [
    // Each shard checks what the workflow told it: its suite, its place among the shards, its attempt, and where
    // its reports go. Any mismatch exits non-zero and fails the shard.
    shellSuite('sharded', [
      '[ "$TEST_SUITE" = sharded ]',
      '[ "$TEST_SHARD_COUNT" = 3 ]',
      '[ "$TEST_SHARD_INDEX" -ge 1 ] && [ "$TEST_SHARD_INDEX" -le 3 ]',
      '[ "$TEST_ATTEMPT" = 1 ]',
      '[ "$RESULTS_PREFIX" = "runs/$TEST_RUN_ID/sharded/$TEST_SHARD_INDEX/1/" ]',
      '[ -n "$RESULTS_BUCKET" ]',
    ].join(' && '), { shards: 3 }),
    shellSuite('environment', `test "$GIT_SHA" = "${OVERRIDDEN_SHA}"`, { environment: { GIT_SHA: 'the-suite-default' } }),
  ],
});

const integ = new IntegTest(app, 'AllPass', { testCases: [stack], stackUpdateWorkflow: false });
const run = new TestRun(integ, tests, stack.notifications, { environment: { GIT_SHA: OVERRIDDEN_SHA } });
const summary: ExpectedSummary = {
  status: 'PASSED',
  counts: { total: 4, passed: 4, failed: 0, timedOut: 0, error: 0, cancelled: 0, flaky: 0 },
  shards: [
    { suite: 'sharded', shard: 1, status: 'PASSED', attempts: 1, exitCode: 0, flaky: false },
    { suite: 'sharded', shard: 2, status: 'PASSED', attempts: 1, exitCode: 0, flaky: false },
    { suite: 'sharded', shard: 3, status: 'PASSED', attempts: 1, exitCode: 0, flaky: false },
    { suite: 'environment', shard: 1, status: 'PASSED', attempts: 1, exitCode: 0, flaky: false },
  ],
};

inOrder(run.start,
  run.ended('SUCCEEDED', { output: runOutput(summary) }),
  run.summaryInBucket(summary),
  run.nothingLeftRunning(),
  run.notNotified(),
);
