import { Duration } from 'aws-cdk-lib';
import { task } from '../support/simulated-ecs';
import { simulateRun } from '../support/simulated-run';
import { synthesizeTests, SynthesizedWorkflow, testSuite } from '../support/synth';

describe('a run whose shard hangs', () => {
  let workflow: SynthesizedWorkflow;

  beforeAll(() => {
    // GIVEN: a suite with a 20-minute timeout, and another suite of another task definition
    workflow = synthesizeTests({
      testSuites: [testSuite('unit', 3, { timeout: Duration.minutes(20) }), testSuite('e2e', 2)],
    });
  });

  test.each([
    ['stops the task itself', true],
    ['leaves the task running', false],
  ])('reports the shard TIMED_OUT, leaves no task running and lets the others finish, when Step Functions %s', async (_, stopsAbandonedTasks) => {
    // WHEN
    const run = await simulateRun(workflow, { tasks: { 'unit/2': [task.hangs()] }, behaviour: { stopsAbandonedTasks } });

    // THEN
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('TestRunFailed');
    expect(run.attempts).toEqual({ 'unit/1': 1, 'unit/2': 1, 'unit/3': 1, 'e2e/1': 1, 'e2e/2': 1 });
    expect(run.shardResults['unit/2']).toMatchObject({
      status: 'TIMED_OUT',
      attempts: 1,
      exitCode: null,
      reason: 'ran longer than its timeout of 1200 seconds',
    });
    expect(run.summary!.counts).toMatchObject({ total: 5, passed: 4, timedOut: 1 });
    expect(run.cause).toMatch(/^- unit shard 2\/3: TIMED_OUT after 1 attempt: ran longer than its timeout of 1200 seconds$/m);
    expect(run.ecs.runningTasks()).toEqual([]);
    const hung = run.ecs.tasks.find(t => t.request.shard === 2 && t.request.suite === 'unit')!;
    expect(run.ecs.stopTaskRequests).toEqual([{
      taskArn: hung.taskArn,
      by: stopsAbandonedTasks ? 'Step Functions' : 'workflow',
      reason: stopsAbandonedTasks ? expect.stringMatching(/was aborted$/) : 'Shard tests:run-1:unit:2 ran longer than its timeout',
    }]);
  });

  test('stops only each hung shard\'s own task, reading every page of running tasks', async () => {
    // WHEN: two shards of one suite hang at once, and ListTasks answers one task per page
    const run = await simulateRun(workflow, {
      tasks: { 'unit/1': [task.hangs()], 'unit/3': [task.hangs()] },
      behaviour: { stopsAbandonedTasks: false },
      listPageSize: 1,
    });

    // THEN
    expect(run.ecs.runningTasks()).toEqual([]);
    expect(run.ecs.stopTaskRequests).toHaveLength(2);
    for (const stop of run.ecs.stopTaskRequests) {
      const stopped = run.ecs.tasks.find(t => t.taskArn === stop.taskArn)!;
      expect(stop).toEqual({ taskArn: stopped.taskArn, by: 'workflow', reason: `Shard ${stopped.request.group} ran longer than its timeout` });
    }
    expect(run.ecs.stopTaskRequests.map(stop => run.ecs.tasks.find(t => t.taskArn === stop.taskArn)!.request.shard).sort())
      .toEqual([1, 3]);
    expect(run.ecs.listTasksRequests.some(request => request.nextToken !== undefined)).toBe(true);
    expect(run.summary!.counts).toMatchObject({ passed: 3, timedOut: 2 });
  });
});

describe('a run that retries timeouts', () => {
  let workflow: SynthesizedWorkflow;

  beforeAll(() => {
    // GIVEN
    workflow = synthesizeTests({ testSuites: [testSuite('unit', 2)], retryPolicy: { maxAttempts: 2, retryTimeouts: true } });
  });

  test('stops the hung task and tries again within maxAttempts', async () => {
    // WHEN
    const run = await simulateRun(workflow, { tasks: { 'unit/1': [task.hangs()] }, behaviour: { stopsAbandonedTasks: false } });

    // THEN
    expect(run.attempts).toEqual({ 'unit/1': 2, 'unit/2': 1 });
    expect(run.shardResults['unit/1']).toMatchObject({ status: 'TIMED_OUT', attempts: 2 });
    expect(run.ecs.stopTaskRequests.map(stop => stop.by)).toEqual(['workflow', 'workflow']);
    expect(run.ecs.runningTasks()).toEqual([]);
  });

  test('passes a shard whose retry finishes in time', async () => {
    // WHEN
    const run = await simulateRun(workflow, { tasks: { 'unit/1': [task.hangs(), task.passes()] } });

    // THEN
    expect(run.status).toBe('SUCCEEDED');
    expect(run.attempts).toEqual({ 'unit/1': 2, 'unit/2': 1 });
    expect(run.shardResults['unit/1']).toMatchObject({ status: 'PASSED', attempts: 2 });
  });
});
