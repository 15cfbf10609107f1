import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { FargateCapacity } from '../../src';
import { task, TaskOutcome, UnconfirmedBehaviour } from '../support/simulated-ecs';
import { simulateRun } from '../support/simulated-run';
import { synthesizeTests, SynthesizedWorkflow, testSuite } from '../support/synth';

type Behaviour = Partial<UnconfirmedBehaviour>;

/** Every infrastructure failure, with each shape that UNCONFIRMED facts allow it to take. */
const INFRASTRUCTURE_FAILURES: Array<[string, TaskOutcome, Behaviour]> = [
  ...(['taskJson', 'stoppedReason'] as const).flatMap(failedTaskCause => (['taskFailed', 'succeeded'] as const).flatMap(
    failedToStart => [
      [`an image pull that fails (cause: ${failedTaskCause}, state: ${failedToStart})`, task.failsToPullImage(), { failedTaskCause, failedToStart }],
      [`a ResourceInitializationError (cause: ${failedTaskCause}, state: ${failedToStart})`, task.failsToInitialize(), { failedTaskCause, failedToStart }],
    ] as Array<[string, TaskOutcome, Behaviour]>)),
  ['no Fargate capacity (AmazonECS.Unknown)', task.findsNoCapacity(), {}],
  ['ECS throttling (ECS.ThrottlingException)', task.isThrottled(), {}],
  ['an ECS server error (ECS.ServerException)', task.hitsServerError(), {}],
  ['an ECS internal error (ECS.AmazonECSException)', task.hitsEcsException(), {}],
  ['throttling reported as ECS.InvalidParameterException "Rate exceeded"', task.isRateLimitedAsInvalidParameter(), {}],
];

describe('a run with the default retry policy (3 attempts, 10 s doubling, full jitter)', () => {
  let workflow: SynthesizedWorkflow;

  beforeAll(() => {
    // GIVEN
    workflow = synthesizeTests({ testSuites: [testSuite('unit', 3)] });
  });

  test.each(INFRASTRUCTURE_FAILURES)('retries %s with backoff and stops at the third attempt', async (_, outcome, behaviour) => {
    // WHEN: the second shard's task fails the same way on every attempt
    const run = await simulateRun(workflow, { tasks: { 'unit/2': [outcome] }, behaviour });

    // THEN
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('TestRunFailed');
    expect(run.attempts).toEqual({ 'unit/1': 1, 'unit/2': 3, 'unit/3': 1 });
    expect(run.shardResults['unit/2']).toMatchObject({ status: 'ERROR', attempts: 3, exitCode: null });
    expect(run.summary!.counts).toMatchObject({ passed: 2, error: 1, failed: 0 });
    // Full jitter draws each wait from 1 second to the backoff: 10 s before the 2nd attempt, 20 s before the 3rd.
    expect(run.waits.map(wait => wait.beforeAttempt)).toEqual([2, 3]);
    expect(run.waits[0].seconds).toBeGreaterThanOrEqual(1);
    expect(run.waits[0].seconds).toBeLessThanOrEqual(10);
    expect(run.waits[1].seconds).toBeGreaterThanOrEqual(1);
    expect(run.waits[1].seconds).toBeLessThanOrEqual(20);
  });

  test.each(INFRASTRUCTURE_FAILURES)('passes a shard after %s that clears on the next attempt, without calling it flaky', async (_, outcome, behaviour) => {
    // WHEN
    const run = await simulateRun(workflow, { tasks: { 'unit/2': [outcome, task.passes()] }, behaviour });

    // THEN
    expect(run.status).toBe('SUCCEEDED');
    expect(run.attempts).toEqual({ 'unit/1': 1, 'unit/2': 2, 'unit/3': 1 });
    expect(run.shardResults['unit/2']).toMatchObject({ status: 'PASSED', attempts: 2, exitCode: 0, flaky: false });
    expect(run.summary!.counts.flaky).toBe(0);
  });
});

test('waits exactly the backoff, capped at maxDelay, when jitter is off', async () => {
  // GIVEN
  const workflow = synthesizeTests({
    testSuites: [testSuite('unit', 1)],
    retryPolicy: { maxAttempts: 5, interval: Duration.seconds(5), backoffRate: 3, maxDelay: Duration.seconds(30), jitter: sfn.JitterType.NONE },
  });

  // WHEN
  const run = await simulateRun(workflow, { tasks: { 'unit/1': [task.hitsServerError()] } });

  // THEN: 5, 15, then 45 capped at 30, twice
  expect(run.attempts).toEqual({ 'unit/1': 5 });
  expect(run.waits.map(wait => wait.seconds)).toEqual([5, 15, 30, 30]);
});

test('tells an infrastructure retry from a test retry: each has its own budget', async () => {
  // GIVEN: 2 attempts for infrastructure, 1 extra for tests
  const workflow = synthesizeTests({ testSuites: [testSuite('unit', 1)], retryPolicy: { maxAttempts: 2, retryTestFailures: 1 } });

  // WHEN: the image pull fails, then the tests fail, then they pass
  const run = await simulateRun(workflow, { tasks: { 'unit/1': [task.failsToPullImage(), task.exits(1), task.passes()] } });

  // THEN
  expect(run.status).toBe('SUCCEEDED');
  expect(run.attempts).toEqual({ 'unit/1': 3 });
  expect(run.shardResults['unit/1']).toMatchObject({ status: 'PASSED', attempts: 3, flaky: true });
});

describe('a run on Fargate Spot', () => {
  let workflow: SynthesizedWorkflow;

  beforeAll(() => {
    // GIVEN
    workflow = synthesizeTests({ testSuites: [testSuite('unit', 2)], capacity: FargateCapacity.SPOT, retryPolicy: { maxAttempts: 3 } });
  });

  const shapes = (['taskJson', 'stoppedReason'] as const).flatMap(failedTaskCause =>
    (['taskFailed', 'succeededWithExitCode0', 'succeededWithExitCode143'] as const).map(spotInterruption => ({ failedTaskCause, spotInterruption })));

  test.each(shapes)('retries Spot interruptions and runs the last attempt on-demand (cause: $failedTaskCause, interruption: $spotInterruption)', async behaviour => {
    // WHEN: Spot reclaims the first shard's task whenever it runs on Spot
    const run = await simulateRun(workflow, { tasks: { 'unit/1': [task.isInterruptedBySpot()] }, behaviour });

    // THEN
    expect(run.status).toBe('SUCCEEDED');
    expect(run.attempts).toEqual({ 'unit/1': 3, 'unit/2': 1 });
    const providers = run.runTaskRequests.filter(request => request.shard === 1)
      .map(request => request.capacityProviderStrategy?.map(entry => entry.CapacityProvider));
    expect(providers).toEqual([['FARGATE_SPOT'], ['FARGATE_SPOT'], ['FARGATE']]);
    expect(run.runTaskRequests.every(request => request.launchType === undefined)).toBe(true);
    expect(run.shardResults['unit/1']).toMatchObject({ status: 'PASSED', attempts: 3, flaky: false });
  });

  test('does not retry a test failure on Spot', async () => {
    // WHEN
    const run = await simulateRun(workflow, { tasks: { 'unit/2': [task.exits(1)] } });

    // THEN
    expect(run.status).toBe('FAILED');
    expect(run.attempts).toEqual({ 'unit/1': 1, 'unit/2': 1 });
    expect(run.runTaskRequests[1].capacityProviderStrategy).toEqual([{ CapacityProvider: 'FARGATE_SPOT', Weight: 1 }]);
    expect(run.shardResults['unit/2']).toMatchObject({ status: 'FAILED', exitCode: 1 });
  });
});

test('asks on-demand Fargate for every attempt without Spot', async () => {
  // GIVEN
  const workflow = synthesizeTests({ testSuites: [testSuite('unit', 1)] });

  // WHEN
  const run = await simulateRun(workflow, { tasks: { 'unit/1': [task.findsNoCapacity(), task.passes()] } });

  // THEN
  expect(run.runTaskRequests.map(request => [request.launchType, request.capacityProviderStrategy])).toEqual([
    ['FARGATE', undefined],
    ['FARGATE', undefined],
  ]);
});

test('does not retry an infrastructure failure when maxAttempts is 1', async () => {
  // GIVEN
  const workflow = synthesizeTests({ testSuites: [testSuite('unit', 2)], retryPolicy: { maxAttempts: 1 } });

  // WHEN
  const run = await simulateRun(workflow, { tasks: { 'unit/1': [task.failsToPullImage(), task.passes()] } });

  // THEN
  expect(run.status).toBe('FAILED');
  expect(run.attempts).toEqual({ 'unit/1': 1, 'unit/2': 1 });
  expect(run.shardResults['unit/1']).toMatchObject({ status: 'ERROR', attempts: 1 });
  expect(run.waits).toEqual([]);
});
