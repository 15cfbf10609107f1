import { task } from '../support/simulated-ecs';
import { simulateRun } from '../support/simulated-run';
import { synthesizeTests, SynthesizedWorkflow, testSuite } from '../support/synth';

/** `suite/shard` of every shard of the workflow below, in report order. */
const ALL_SHARDS = ['unit/1', 'unit/2', 'unit/3', 'unit/4', 'e2e/1', 'e2e/2'];

function once(shards: string[]): Record<string, number> {
  return Object.fromEntries(shards.map(shard => [shard, 1]));
}

describe('a run with the default retry policy', () => {
  let workflow: SynthesizedWorkflow;

  beforeAll(() => {
    // GIVEN: two suites, one with its own environment
    workflow = synthesizeTests({
      testSuites: [
        testSuite('unit', 4),
        testSuite('e2e', 2, { environment: { BASE_URL: 'https://staging.example.com', LOG_LEVEL: 'info' } }),
      ],
    });
  });

  test('succeeds with a summary as its output when every shard passes', async () => {
    // WHEN
    const run = await simulateRun(workflow);

    // THEN
    expect(run.status).toBe('SUCCEEDED');
    expect(run.attempts).toEqual(once(ALL_SHARDS));
    expect(run.output).toEqual(run.summary);
    expect(run.summary).toMatchObject({
      runId: 'run-1',
      status: 'PASSED',
      stoppedEarly: false,
      counts: { total: 6, passed: 6, failed: 0, timedOut: 0, error: 0, cancelled: 0, flaky: 0 },
      shardsListed: 'all',
    });
    expect(run.summary!.shards.map(shard => [`${shard.suite}/${shard.shard}`, shard.status, shard.exitCode]))
      .toEqual(ALL_SHARDS.map(shard => [shard, 'PASSED', 0]));
    expect(run.notification.sent).toBe(false);
  });

  test.each(['taskJson', 'stoppedReason'] as const)(
    'fails with TestRunFailed when one shard\'s tests fail, and cancels no other shard (failed-task cause as %s)',
    async failedTaskCause => {
      // WHEN
      const run = await simulateRun(workflow, { tasks: { 'unit/3': [task.exits(1)] }, behaviour: { failedTaskCause } });

      // THEN
      expect(run.status).toBe('FAILED');
      expect(run.error).toBe('TestRunFailed');
      expect(run.attempts).toEqual(once(ALL_SHARDS));
      expect(run.summary!.counts).toEqual({ total: 6, passed: 5, failed: 1, timedOut: 0, error: 0, cancelled: 0, flaky: 0 });
      // Only a cause that holds the task tells the exit code; a cause that is the stopped reason cannot.
      const exitCode = failedTaskCause === 'taskJson' ? 1 : null;
      expect(run.shardResults['unit/3']).toMatchObject({ status: 'FAILED', attempts: 1, exitCode });
      expect(run.cause).toMatch(/^Run run-1: 1 of 6 shards did not pass \(1 failed, 0 timed out, 0 error, 0 cancelled\)\.$/m);
      expect(run.cause).toMatch(/^- unit shard 3\/4: FAILED after 1 attempt/m);
      expect(run.notification.sent).toBe(true);
    });

  test('runs only the selected suites', async () => {
    // WHEN
    const run = await simulateRun(workflow, { input: { testSuites: ['e2e'] } });

    // THEN
    expect(run.status).toBe('SUCCEEDED');
    expect(run.attempts).toEqual(once(['e2e/1', 'e2e/2']));
    expect(run.summary!.counts.total).toBe(2);
    expect(run.summary!.shards.map(shard => shard.suite)).toEqual(['e2e', 'e2e']);
  });

  test('rejects an unknown suite with UnknownTestSuite before any task starts', async () => {
    // WHEN
    const run = await simulateRun(workflow, { input: { testSuites: ['unit', 'smoke'] } });

    // THEN
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('UnknownTestSuite');
    // Step Functions reports a function's error with its error document as the cause; the run keeps the message.
    expect(run.cause).toBe('testSuites[1] is "smoke"; known test suites are "unit", "e2e".');
    expect(run.runTaskRequests).toHaveLength(0);
    expect(run.summary).toBeUndefined();
  });

  test.each([
    ['a string', 'nightly'],
    ['an array', ['unit']],
    ['testSuites as a string', { testSuites: 'unit' }],
    ['an empty testSuites', { testSuites: [] }],
    ['a suite named twice', { testSuites: ['unit', 'unit'] }],
    ['an unknown key', { suites: ['unit'] }],
    ['a reserved variable name', { environment: { TEST_SHARD_INDEX: '7' } }],
    ['a variable name the platform owns', { environment: { AWS_REGION: 'eu-west-1' } }],
    ['a variable name that is not a name', { environment: { '1ST': 'x' } }],
    ['a variable value that is not a string', { environment: { RETRIES: 3 } }],
    ['a variable value with a line break', { environment: { NOTE: 'two\nlines' } }],
    ['both an unknown suite and a bad shape', { testSuites: ['smoke'], environment: 'GIT_SHA=abc' }],
  ])('rejects %s with InvalidRunInput before any task starts', async (_, input) => {
    // WHEN
    const run = await simulateRun(workflow, { input });

    // THEN
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('InvalidRunInput');
    expect(run.runTaskRequests).toHaveLength(0);
    expect([...run.store.objects.keys()]).toEqual([]);
  });

  test('delivers the run\'s environment to every container through the environment file the plan step writes', async () => {
    // GIVEN: one shard whose image pull fails once, so that a retry's environment is seen too
    const input = { environment: { GIT_SHA: '0a1b2c3', LOG_LEVEL: 'debug' } };

    // WHEN
    const run = await simulateRun(workflow, { input, tasks: { 'unit/2': [task.failsToPullImage(), task.passes()] } });

    // THEN the files hold the suite's variables under the run's, which win
    expect(run.status).toBe('SUCCEEDED');
    expect(run.store.objects.get('runs/run-1/_env/e2e.env')?.body)
      .toBe('BASE_URL=https://staging.example.com\nGIT_SHA=0a1b2c3\nLOG_LEVEL=debug\n');
    expect(run.store.objects.get('runs/run-1/_env/unit.env')?.body).toBe('GIT_SHA=0a1b2c3\nLOG_LEVEL=debug\n');

    // THEN every request references its suite's file, which exists, and sets the TEST_* variables of its attempt
    const bucket = /^s3:\/\/([^/]+)\//.exec(run.summary!.reportUri)![1];
    expect(run.runTaskRequests).toHaveLength(7);
    for (const request of run.runTaskRequests) {
      const key = `runs/run-1/_env/${request.suite}.env`;
      expect(request.environmentFiles).toEqual([{ Type: 's3', Value: `arn:aws:s3:::${bucket}/${key}` }]);
      expect(run.store.objects.has(key)).toBe(true);
      expect(request.environment).toEqual({
        TEST_SUITE: request.suite,
        TEST_SHARD_INDEX: String(request.shard),
        TEST_SHARD_COUNT: request.suite === 'unit' ? '4' : '2',
        TEST_ATTEMPT: String(request.attempt),
        TEST_RUN_ID: 'run-1',
        RESULTS_BUCKET: bucket,
        RESULTS_PREFIX: `runs/run-1/${request.suite}/${request.shard}/${request.attempt}/`,
      });
    }
    expect(run.runTaskRequests.filter(request => request.suite === 'unit' && request.shard === 2)
      .map(request => request.environment.TEST_ATTEMPT)).toEqual(['1', '2']);
  });
});

describe('a run that retries test failures', () => {
  let workflow: SynthesizedWorkflow;

  beforeAll(() => {
    // GIVEN: two extra attempts for failed tests
    workflow = synthesizeTests({ testSuites: [testSuite('unit', 3)], retryPolicy: { retryTestFailures: 2 } });
  });

  test('reports a shard that passes on a retry as flaky, and the run as passed', async () => {
    // WHEN
    const run = await simulateRun(workflow, { tasks: { 'unit/2': [task.exits(1), task.passes()] } });

    // THEN
    expect(run.status).toBe('SUCCEEDED');
    expect(run.attempts).toEqual({ 'unit/1': 1, 'unit/2': 2, 'unit/3': 1 });
    expect(run.summary!.counts).toMatchObject({ total: 3, passed: 3, flaky: 1 });
    expect(run.shardResults['unit/2']).toMatchObject({ status: 'PASSED', attempts: 2, exitCode: 0, flaky: true });
    expect(run.shardResults['unit/1']).toMatchObject({ status: 'PASSED', flaky: false });
  });

  test('fails a shard whose tests fail on every allowed attempt', async () => {
    // WHEN
    const run = await simulateRun(workflow, { tasks: { 'unit/3': [task.exits(2)] } });

    // THEN
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('TestRunFailed');
    expect(run.attempts).toEqual({ 'unit/1': 1, 'unit/2': 1, 'unit/3': 3 });
    expect(run.shardResults['unit/3']).toMatchObject({ status: 'FAILED', attempts: 3, exitCode: 2, flaky: false });
    expect(run.cause).toMatch(/^- unit shard 3\/3: FAILED after 3 attempts \(exit code 2\)/m);
  });
});
