import { HISTORY_LIMIT_EVENTS, PAYLOAD_LIMIT_BYTES, simulateRun } from '../support/simulated-run';
import { synthesizeTests, testSuite } from '../support/synth';
import { VirtualClock } from '../support/virtual-clock';

/** Ten suites of 1,000 shards: the most one run may hold. */
const TEN_SUITES = Array.from({ length: 10 }, (_, i) => testSuite(`suite-${i + 1}`, 1_000));

test('a run of 10,000 shards completes within every Step Functions quota', async () => {
  // GIVEN: 1,000 shards at a time, each taking ten simulated minutes
  const workflow = synthesizeTests({ testSuites: TEN_SUITES, maxConcurrency: 1_000 });
  const clock = new VirtualClock();

  // WHEN
  const run = await simulateRun(workflow, { clock, taskSeconds: () => 600 });

  // THEN: every shard passed, and the summary that replaces the state lists only what needs attention (nothing)
  expect(run.status).toBe('SUCCEEDED');
  expect(run.summary!.counts).toMatchObject({ total: 10_000, passed: 10_000 });
  expect(run.output).toMatchObject({ status: 'PASSED', shardsListed: 'notPassed', shards: [] });
  expect(Object.keys(run.shardResults)).toHaveLength(10_000);

  // THEN: no payload and no history came near a quota; the run's own history is that of a run of one shard
  expect(run.history.largestPayload.bytes).toBeLessThanOrEqual(PAYLOAD_LIMIT_BYTES);
  expect(run.history.runEvents).toBeLessThan(50);
  expect(run.history.shardEvents).toHaveLength(10_000);
  expect(Math.max(...run.history.shardEvents)).toBeLessThan(HISTORY_LIMIT_EVENTS / 100);

  // THEN: ten waves of ten minutes, never more than the cap at once
  expect(run.peakConcurrency).toBe(1_000);
  expect(clock.seconds()).toBeGreaterThanOrEqual(10 * 600);
}, 600_000);
