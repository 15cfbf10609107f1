import { task } from '../support/simulated-ecs';
import { simulateRun } from '../support/simulated-run';
import { synthesizeTests, SynthesizedWorkflow, testSuite } from '../support/synth';

describe('a fail-fast run', () => {
  let workflow: SynthesizedWorkflow;

  beforeAll(() => {
    // GIVEN: six shards, two at a time, stop at the first that does not pass
    workflow = synthesizeTests({ testSuites: [testSuite('unit', 6)], failFast: true, maxConcurrency: 2 });
  });

  test.each([
    ['stops', true],
    ['does not stop', false],
  ])('stops at the first failed shard and reports the rest CANCELLED, when Step Functions %s the tasks it abandons', async (_, stopsAbandonedTasks) => {
    // WHEN
    const run = await simulateRun(workflow, { tasks: { 'unit/2': [task.exits(1)] }, behaviour: { stopsAbandonedTasks } });

    // THEN
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('ShardFailed');
    const statuses = Object.fromEntries(run.summary!.shards.map(shard => [shard.shard, shard.status]));
    expect(statuses).toEqual({ 1: 'PASSED', 2: 'FAILED', 3: 'CANCELLED', 4: 'CANCELLED', 5: 'CANCELLED', 6: 'CANCELLED' });
    expect(run.summary).toMatchObject({ stoppedEarly: true, counts: { total: 6, passed: 1, failed: 1, cancelled: 4 } });
    // Shards that had not started when the fan-out stopped never start.
    expect(run.runTaskRequests.length).toBeLessThan(6);
    expect(run.attempts['unit/2']).toBe(1);
    expect(run.cause).toMatch(/^Run run-1 stopped early because failFast is on and a shard failed/);
    expect(run.cause).toMatch(/^- unit shard 2\/6: FAILED after 1 attempt \(exit code 1\)/m);

    // A shard started just before the stop is cancelled with it, and its task is stopped: by Step Functions when it
    // stops abandoned tasks, else by the workflow's sweep (U4). No task of the run is left running either way.
    expect(run.ecs.runningTasks()).toEqual([]);
  });

  test('succeeds like any run when every shard passes', async () => {
    // WHEN
    const run = await simulateRun(workflow);

    // THEN
    expect(run.status).toBe('SUCCEEDED');
    expect(Object.values(run.attempts)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(run.summary).toMatchObject({ stoppedEarly: false, counts: { passed: 6, cancelled: 0 } });
  });
});
