/**
 * Fargate Spot with the on-demand fallback: the first attempt of the shard runs on Spot and cannot start, the
 * retry runs on on-demand Fargate and passes.
 *
 * A Spot interruption cannot be ordered, so the first attempt is made to fail the way an infrastructure failure
 * does: its container needs a secret from an SSM parameter that does not exist yet, and ECS stops the task before it
 * starts. Once that task has stopped, the assertions create the parameter, so the retry finds it.
 *
 * It shows that RunTask takes the capacity provider strategy from the workflow, that a task that never started is
 * retried as an infrastructure failure, that the last attempt falls back to on-demand, and that the run passes.
 */
import { IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Aws, Duration, Fn } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as cr from 'aws-cdk-lib/custom-resources';
import { FargateCapacity, ResilientParallelEcsTests } from '../src';
import { SandboxStack, shellSuite } from './support/sandbox';
import { inOrder, runOutput, TestRun } from './support/test-run';

const app = new App();
const stack = new SandboxStack(app, 'ResilientParallelEcsTests-SpotFallback');

// Named after the stack's own id, so that every deployment has a parameter of its own that nobody created yet.
const gateName = `/resilient-parallel-ecs-tests-integ/spot-fallback/${Fn.select(2, Fn.split('/', Aws.STACK_ID))}`;
const gate = ssm.StringParameter.fromStringParameterAttributes(stack, 'StartGate', {
  parameterName: gateName,
  simpleName: false,
  // Otherwise the import adds a template parameter whose default is this name, and a parameter's default must be
  // plain text: CloudFormation (and cfn-lint, E2001) refuses the Fn::Join. The task reads the parameter by ARN.
  forceDynamicReference: true,
});
// The assertions create the parameter, outside CloudFormation; this removes it when the stack goes.
new cr.AwsCustomResource(stack, 'DeleteStartGate', {
  onDelete: {
    service: 'SSM',
    action: 'deleteParameter',
    parameters: { Name: gateName },
    ignoreErrorCodesMatching: 'ParameterNotFound',
  },
  policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: [gate.parameterArn] }),
  installLatestAwsSdk: false,
});

const tests = new ResilientParallelEcsTests(stack, 'Tests', {
  ...stack.sandboxProps(),
  capacity: FargateCapacity.SPOT,
  testSuites: [
    shellSuite('gated', '[ "$START_GATE" = open ]', { secrets: { START_GATE: ecs.Secret.fromSsmParameter(gate) } }),
  ],
  // Two attempts: Spot, then on-demand. The fixed two-minute wait leaves the assertions time to open the gate.
  retryPolicy: { maxAttempts: 2, interval: Duration.minutes(2), jitter: sfn.JitterType.NONE },
});

const integ = new IntegTest(app, 'SpotFallback', { testCases: [stack], stackUpdateWorkflow: false });
const run = new TestRun(integ, tests, stack.notifications);
const firstAttempt = run.stoppedTaskOf('gated', { wait: true });
const openGate = integ.assertions.awsApiCall('SSM', 'putParameter', {
  Name: gateName,
  Value: 'open',
  Type: 'String',
  Overwrite: true,
});
const lastAttempt = run.lastTaskOf(0);

inOrder(run.start,
  firstAttempt.check,
  openGate,
  run.ended('SUCCEEDED', {
    output: runOutput({
      status: 'PASSED',
      counts: { total: 1, passed: 1, failed: 0, timedOut: 0, error: 0, cancelled: 0, flaky: 0 },
      // The failed start is an infrastructure failure: retried, and not a sign of flaky tests.
      shards: [{ suite: 'gated', shard: 1, status: 'PASSED', attempts: 2, exitCode: 0, flaky: false }],
    }),
  }),
  run.task(firstAttempt.taskArn, {
    group: `tests:${run.runId}:gated:1`,
    capacityProviderName: 'FARGATE_SPOT',
    stoppedReason: Match.stringLikeRegexp('ResourceInitializationError'),
  }),
  lastAttempt.read,
  run.task(lastAttempt.taskArn, {
    group: `tests:${run.runId}:gated:1`,
    capacityProviderName: 'FARGATE',
    containers: [{ exitCode: 0 }],
  }, { wait: true }),
  run.notNotified(),
);
