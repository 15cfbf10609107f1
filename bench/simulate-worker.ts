import '../test/support/setup';
import { performance } from 'perf_hooks';
import { BENCH_MAX_CONCURRENCY, BenchShape, benchSuites, selectedSuites } from './apps';
import { billedSeconds, runCost, RunCost, RunUsage } from './prices';
import { RunTaskRequest } from '../test/support/simulated-ecs';
import { simulateRun } from '../test/support/simulated-run';
import { AslDefinition, synthesizeTests } from '../test/support/synth';
import { VirtualClock } from '../test/support/virtual-clock';

/**
 * Plays one run of a configuration in simulated time, in a process of its own, and prints what it measured as one
 * JSON line. Run by bench/run.ts; by hand: `ts-node bench/simulate-worker.ts 50 1000`.
 */

/** From RunTask until the tests start: Fargate provisions the task (not billed), then pulls the image (billed). */
export const PROVISIONING_SECONDS = 15;
export const IMAGE_PULL_SECONDS = 20;
/** Each shard's tests run for a time drawn from this range, the same for the same suite and shard in every run. */
export const TEST_SECONDS = { min: 4 * 60, max: 8 * 60 } as const;
const TASK_VCPU = 1;
const TASK_MEMORY_GB = 2;
/** Assumed for the cost of the two Lambda functions: a fixed time, and the summary's reads of the shard records. */
const LAMBDA_BASE_SECONDS = 0.5;
const SUMMARY_READ_SECONDS = 0.025;
const SUMMARY_READ_CONCURRENCY = 32;
/** Assumed size of one state machine log record at level ALL without execution data. */
const LOG_RECORD_BYTES = 400;

export interface SimulationMeasurement {
  readonly suites: number;
  readonly shardsPerRun: number;
  readonly maxConcurrency: number;
  readonly status: string;
  readonly passed: number;
  readonly notPassed: number;
  /** Shards that needed more than one attempt: with no failures scripted, throttling must not cause any. */
  readonly retriedShards: number;
  readonly makespanSeconds: number;
  readonly idealSeconds: number;
  readonly peakConcurrency: number;
  readonly runTaskCalls: number;
  readonly throttledRunTasks: number;
  /** Seconds from the first launch to the last launch of the first wave (the shards that could start at once). */
  readonly launchPhaseSeconds: number;
  /** What the token bucket allows at best for that wave. */
  readonly launchPhaseMinimumSeconds: number;
  readonly transitions: number;
  readonly transitionsPerShard: number;
  readonly runEvents: number;
  readonly largestShardEvents: number;
  readonly largestPayloadBytes: number;
  readonly largestPayloadState: string;
  readonly planItemsBytes: number;
  readonly shardOutputBytes: number;
  readonly summaryBytes: number;
  readonly usage: RunUsage;
  readonly cost: RunCost;
  readonly withoutLaunchRetry: boolean;
  readonly fullRunEnvironment: boolean;
  readonly wallSeconds: number;
  readonly peakRssMiB: number;
}

/** The Park-Miller generator: pseudo-random numbers in [0, 1), the same sequence for the same seed. */
export function seededRandom(seed: number): () => number {
  const modulus = 2_147_483_647;
  let state = (Math.abs(Math.floor(seed)) % (modulus - 1)) + 1;
  return () => {
    state = (state * 48_271) % modulus;
    return (state - 1) / (modulus - 1);
  };
}

/** The simulated run time of a shard's tests: fixed per suite and shard, spread over TEST_SECONDS. */
export function testSeconds(suite: string, shard: number): number {
  let seed = shard;
  for (const char of suite) {
    seed = (seed * 31 + char.charCodeAt(0)) % 2_147_483_647;
  }
  const random = seededRandom(seed);
  random();
  return TEST_SECONDS.min + Math.floor(random() * (TEST_SECONDS.max - TEST_SECONDS.min + 1));
}

export function taskSeconds(request: RunTaskRequest): number {
  return PROVISIONING_SECONDS + IMAGE_PULL_SECONDS + testSeconds(request.suite, request.shard);
}

/** Options of one simulated run. */
export interface SimulationOptions {
  /**
   * Removes the Run test task state's own repeats of a throttled RunTask, to show the workflow as it was before
   * them: throttling then spends the shard's attempts.
   */
  readonly withoutLaunchRetry?: boolean;
  /** Starts the run with environment overrides of almost the 32 KiB a run may have. */
  readonly fullRunEnvironment?: boolean;
}

/** 32 variables of 1,000 characters: 32,224 bytes as NAME=value lines, just under the run's budget of 32 KiB. */
function fullRunEnvironment(): Record<string, string> {
  return Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`SETTING_${String(i).padStart(2, '0')}`, 'v'.repeat(1000)]));
}

/** Plays one run of a configuration. */
export async function simulate(
  shape: BenchShape,
  maxConcurrency = BENCH_MAX_CONCURRENCY,
  options: SimulationOptions = {},
): Promise<SimulationMeasurement> {
  const withoutLaunchRetry = options.withoutLaunchRetry ?? false;
  // The interpreter's jitter and the workflow's MathRandom draw from Math.random: seeded, every run is the same.
  Math.random = seededRandom(7);
  const started = performance.now();
  const workflow = synthesizeTests({ testSuites: benchSuites(shape), maxConcurrency });
  if (withoutLaunchRetry) {
    const shardStates = (workflow.definition.States['Run shards'].ItemProcessor as AslDefinition).States;
    delete (shardStates['Run test task'] as { Retry?: unknown }).Retry;
  }
  const selected = selectedSuites(shape);
  const clock = new VirtualClock();
  const input = {
    ...(selected ? { testSuites: selected } : {}),
    ...(options.fullRunEnvironment ? { environment: fullRunEnvironment() } : {}),
  };
  const run = await simulateRun(workflow, { clock, taskSeconds, input });

  const shards = Object.values(run.shardResults);
  const tasks = run.ecs.tasks;
  const durations = tasks.map(task => task.stoppedAt! - task.launchedAt!);
  const concurrency = Math.min(maxConcurrency, shape.shardsPerRun);
  const idealSeconds = Math.max(Math.max(...durations), durations.reduce((sum, d) => sum + d, 0) / concurrency);
  const launches = tasks.map(task => task.launchedAt!).sort((a, b) => a - b);
  const firstWave = launches.slice(0, concurrency);

  const plan = JSON.parse((await run.store.get('runs/run-1/_plan.json'))!);
  const summary = run.output ?? (await run.store.get('runs/run-1/summary.json'));
  const usage: RunUsage = {
    stateTransitions: run.history.transitions,
    taskBilledSeconds: tasks.reduce((sum, task) => sum + billedSeconds(task.stoppedAt! - task.launchedAt! - PROVISIONING_SECONDS), 0),
    taskVcpu: TASK_VCPU,
    taskMemoryGb: TASK_MEMORY_GB,
    lambdaRequests: 2,
    lambdaGbSeconds: 0.256 * LAMBDA_BASE_SECONDS
      + 0.512 * (LAMBDA_BASE_SECONDS + Math.ceil(shards.length / SUMMARY_READ_CONCURRENCY) * SUMMARY_READ_SECONDS),
    // Shard records, environment files, the plan, the summary, and the summary's listing of the records.
    s3PutOrList: shards.length + plan.suites.length + 2 + Math.ceil(shards.length / 1000),
    // The summary reads the plan and every record; the ECS agent reads the environment file for every task.
    s3Get: 1 + shards.length + tasks.length,
    logBytes: (run.history.runEvents + run.history.shardEvents.reduce((sum, n) => sum + n, 0)) * LOG_RECORD_BYTES,
  };

  return {
    ...shape,
    maxConcurrency,
    status: run.status,
    passed: shards.filter(shard => shard.status === 'PASSED').length,
    notPassed: shape.shardsPerRun - shards.filter(shard => shard.status === 'PASSED').length,
    retriedShards: Object.values(run.attempts).filter(attempts => attempts > 1).length,
    makespanSeconds: clock.seconds(),
    idealSeconds,
    peakConcurrency: run.peakConcurrency,
    runTaskCalls: run.runTaskRequests.length,
    throttledRunTasks: run.ecs.throttledRunTasks,
    launchPhaseSeconds: firstWave[firstWave.length - 1] - firstWave[0],
    launchPhaseMinimumSeconds: Math.max(0, (concurrency - 100) / 20),
    transitions: run.history.transitions,
    transitionsPerShard: run.history.transitions / shape.shardsPerRun,
    runEvents: run.history.runEvents,
    largestShardEvents: Math.max(...run.history.shardEvents),
    largestPayloadBytes: run.history.largestPayload.bytes,
    largestPayloadState: run.history.largestPayload.state,
    planItemsBytes: Buffer.byteLength(JSON.stringify(plan.items)),
    shardOutputBytes: Buffer.byteLength(JSON.stringify(shards[0]?.status ?? '')),
    summaryBytes: Buffer.byteLength(typeof summary === 'string' ? summary : JSON.stringify(summary)),
    usage,
    cost: runCost(usage),
    withoutLaunchRetry,
    fullRunEnvironment: options.fullRunEnvironment ?? false,
    wallSeconds: (performance.now() - started) / 1000,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
}

if (require.main === module) {
  const [suites, shardsPerRun, maxConcurrency] = process.argv.slice(2, 5).map(Number);
  simulate({ suites, shardsPerRun }, maxConcurrency || undefined, {
    withoutLaunchRetry: process.argv.includes('--without-launch-retry'),
    fullRunEnvironment: process.argv.includes('--full-run-environment'),
  }).then(
    measurement => process.stdout.write(`${JSON.stringify(measurement)}\n`),
    error => {
      process.stderr.write(`${(error as Error).stack}\n`);
      process.exit(1);
    });
}
