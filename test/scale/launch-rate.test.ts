import { FargateCapacity } from '../../src';
import { FARGATE_LAUNCH_RATE, RunTaskRequest } from '../support/simulated-ecs';
import { simulateRun } from '../support/simulated-run';
import { synthesizeTests, testSuite } from '../support/synth';
import { VirtualClock } from '../support/virtual-clock';

/** Every task takes five simulated minutes from RunTask to its stop. */
const FIVE_MINUTES = (_request: RunTaskRequest) => 300;

/** The Park-Miller generator, so that the interpreter's jitter draws the same numbers in every test run. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 48_271) % 2_147_483_647;
    return (state - 1) / 2_147_483_646;
  };
}

beforeEach(() => {
  jest.spyOn(Math, 'random').mockImplementation(seededRandom(42));
});

afterEach(() => {
  jest.restoreAllMocks();
});

describe('1,000 shards started at once against Fargate\'s launch rate', () => {
  test('all launch, none spends an attempt on throttling, and the launch ends within 1.2 times the bucket\'s pace', async () => {
    // GIVEN: a cap that lets every shard start at once, so that 900 of them meet an empty bucket
    const workflow = synthesizeTests({ testSuites: [testSuite('unit', 600), testSuite('e2e', 400)], maxConcurrency: 1000 });
    const clock = new VirtualClock();

    // WHEN
    const run = await simulateRun(workflow, { clock, taskSeconds: FIVE_MINUTES });

    // THEN: the bucket did throttle, and the workflow absorbed it
    expect(run.ecs.throttledRunTasks).toBeGreaterThan(0);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.summary!.counts).toMatchObject({ total: 1000, passed: 1000, error: 0 });
    expect(Object.values(run.attempts).every(attempts => attempts === 1)).toBe(true);
    expect(run.ecs.tasks).toHaveLength(1000);

    // THEN: after a burst of 100, 20 launches a second; the rest may take 45 seconds, and must not take 20% longer
    const launches = run.ecs.tasks.map(task => task.launchedAt!).sort((a, b) => a - b);
    const bucketMinimum = (1000 - FARGATE_LAUNCH_RATE.burst) / FARGATE_LAUNCH_RATE.perSecond;
    expect(launches[999] - launches[0]).toBeGreaterThanOrEqual(bucketMinimum);
    expect(launches[999] - launches[0]).toBeLessThanOrEqual(1.2 * bucketMinimum);
    expect(run.peakConcurrency).toBe(1000);
  });

  test('on Spot, which has a bucket of its own, as well', async () => {
    // GIVEN
    const workflow = synthesizeTests({
      testSuites: [testSuite('unit', 1000)],
      maxConcurrency: 1000,
      capacity: FargateCapacity.SPOT,
    });

    // WHEN
    const run = await simulateRun(workflow, { clock: new VirtualClock(), taskSeconds: FIVE_MINUTES });

    // THEN
    expect(run.status).toBe('SUCCEEDED');
    expect(run.ecs.tasks.every(task => task.capacityProviderName === 'FARGATE_SPOT')).toBe(true);
    expect(Object.values(run.attempts).every(attempts => attempts === 1)).toBe(true);
    const launches = run.ecs.tasks.map(task => task.launchedAt!).sort((a, b) => a - b);
    expect(launches[999] - launches[0]).toBeLessThanOrEqual(1.2 * 45);
  });
});

test('a capped run never meets the bucket: 100 shards at a time, each five minutes, launch without a throttled call', async () => {
  // GIVEN: the default cap of 100
  const workflow = synthesizeTests({ testSuites: [testSuite('unit', 1000)] });

  // WHEN
  const run = await simulateRun(workflow, { clock: new VirtualClock(), taskSeconds: FIVE_MINUTES });

  // THEN: ten waves of five minutes
  expect(run.status).toBe('SUCCEEDED');
  expect(run.ecs.throttledRunTasks).toBe(0);
  expect(run.peakConcurrency).toBe(100);
});
