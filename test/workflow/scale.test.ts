import { task } from '../support/simulated-ecs';
import { HISTORY_LIMIT_EVENTS, PAYLOAD_LIMIT_BYTES, simulateRun } from '../support/simulated-run';
import { synthesizeTests, testSuite } from '../support/synth';

test('runs as many shards at once as maxConcurrency allows, and never more', async () => {
  // GIVEN
  const workflow = synthesizeTests({ testSuites: [testSuite('unit', 12), testSuite('e2e', 5)], maxConcurrency: 4 });

  // WHEN: some shards are retried, which must not let more tasks in
  const run = await simulateRun(workflow, {
    tasks: { 'unit/1': [task.isThrottled(), task.passes()], 'unit/7': [task.failsToPullImage(), task.passes()] },
  });

  // THEN
  expect(run.status).toBe('SUCCEEDED');
  expect(run.peakConcurrency).toBe(4);
  expect(Object.values(run.attempts).reduce((sum, attempts) => sum + attempts)).toBe(17 + 2);
});

describe('a run of 1,000 shards', () => {
  const workflow = () => synthesizeTests({ testSuites: [testSuite('unit', 600), testSuite('e2e', 400)] });

  test('passes within the payload and history quotas, with every shard in its summary', async () => {
    // WHEN
    const run = await simulateRun(workflow());

    // THEN
    expect(run.status).toBe('SUCCEEDED');
    expect(run.runTaskRequests.length).toBe(1000);
    expect(run.peakConcurrency).toBe(100);
    expect(run.summary).toMatchObject({ shardsListed: 'all', counts: { total: 1000, passed: 1000 } });
    expect(run.summary!.shards.length).toBe(1000);
    expect(run.history.largestPayload.bytes).toBeLessThanOrEqual(PAYLOAD_LIMIT_BYTES);
    // The run's own history does not grow with its shards: each shard's events are its child execution's.
    expect(run.history.runEvents).toBeLessThan(100);
    expect(run.history.shardEvents.length).toBe(1000);
    expect(Math.max(...run.history.shardEvents)).toBeLessThan(HISTORY_LIMIT_EVENTS / 100);
  });

  test('fails with a cause that fits Step Functions\' limit however many shards fail', async () => {
    // WHEN: every third shard's tests fail
    const tasks = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`unit/${3 * i + 1}`, [task.exits(1)]]));
    const run = await simulateRun(workflow(), { tasks });

    // THEN
    expect(run.status).toBe('FAILED');
    expect(run.summary!.counts).toMatchObject({ total: 1000, failed: 200, passed: 800 });
    expect(run.cause!.length).toBeLessThanOrEqual(32_768);
    expect(run.cause).toMatch(/^Run run-1: 200 of 1000 shards did not pass/);
    expect(run.cause).toMatch(/^- unit shard 1\/600: FAILED after 1 attempt \(exit code 1\)/m);
    expect(run.cause).toMatch(/^Full report: s3:\/\/.+\/runs\/run-1\/summary\.json$/m);
    expect(run.history.largestPayload.bytes).toBeLessThanOrEqual(PAYLOAD_LIMIT_BYTES);
  });
});
