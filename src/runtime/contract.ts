/**
 * The names that the construct, the state machine it writes, the two runtime functions and the
 * tests must agree on. Nothing here depends on aws-cdk-lib, so the bundled functions stay small.
 */

/** Environment variables every test container receives. */
export const TEST_ENVIRONMENT = {
  suite: 'TEST_SUITE',
  shardIndex: 'TEST_SHARD_INDEX',
  shardCount: 'TEST_SHARD_COUNT',
  attempt: 'TEST_ATTEMPT',
  runId: 'TEST_RUN_ID',
  resultsBucket: 'RESULTS_BUCKET',
  resultsPrefix: 'RESULTS_PREFIX',
} as const;

/** Names a run may not override, because the workflow sets them or the platform owns them. */
export const RESERVED_ENVIRONMENT_NAMES: readonly string[] = Object.values(TEST_ENVIRONMENT);
export const RESERVED_ENVIRONMENT_PREFIXES: readonly string[] = ['AWS_', 'ECS_'];

/** The final status of one shard. */
export type ShardStatus = 'PASSED' | 'FAILED' | 'TIMED_OUT' | 'ERROR' | 'CANCELLED';

/** Errors with which an execution fails; they are part of the public contract. */
export const RUN_ERRORS = {
  /** The execution input is not of the documented shape. */
  invalidInput: 'InvalidRunInput',
  /** The input names a test suite that this state machine does not have. */
  unknownSuite: 'UnknownTestSuite',
  /** At least one shard did not pass. */
  testsFailed: 'TestRunFailed',
  /** A shard failed a child workflow in fail-fast mode. */
  shardFailed: 'ShardFailed',
} as const;

/** Where a run keeps its files in the results bucket. Everything a run writes is below `runs/<runId>/`. */
export const RESULTS_LAYOUT = {
  runsPrefix: 'runs/',
  runPrefix: (runId: string) => `runs/${runId}/`,
  /** Reports that a shard's container writes: RESULTS_PREFIX. */
  attemptPrefix: (runId: string, suite: string, shard: number, attempt: number) =>
    `runs/${runId}/${suite}/${shard}/${attempt}/`,
  /** Written by the state machine, one per shard; suite names cannot start with an underscore. */
  shardResultKey: (runId: string, suite: string, shard: number) => `runs/${runId}/_results/${suite}/${shard}.json`,
  shardResultsPrefix: (runId: string) => `runs/${runId}/_results/`,
  /** The environment file that carries a suite's static and per-run variables. */
  environmentFileKey: (runId: string, suite: string) => `runs/${runId}/_env/${suite}.env`,
  planKey: (runId: string) => `runs/${runId}/_plan.json`,
  summaryKey: (runId: string) => `runs/${runId}/summary.json`,
} as const;

/** What the workflow knows about a suite at run time, as written into the state machine definition. */
export interface SuiteCatalogueEntry {
  readonly name: string;
  readonly shards: number;
  /** Static environment of the suite, merged under the run's overrides into the environment file. */
  readonly environment: Record<string, string>;
}

/** The event the plan function receives from the state machine. */
export interface PlanEvent {
  /** The execution input, exactly as the caller gave it. */
  readonly input: unknown;
  /** The execution name: unique per state machine, so it names the run. */
  readonly runId: string;
  readonly bucket: string;
  readonly suites: readonly SuiteCatalogueEntry[];
}

/** One shard to run: the suite's index in the catalogue and the 1-based shard number. */
export type ShardItem = [suiteIndex: number, shard: number];

/** What the plan function returns and also stores at `planKey`. */
export interface RunPlan {
  readonly runId: string;
  readonly suites: readonly string[];
  readonly shardCount: number;
  readonly items: readonly ShardItem[];
}

/** The record that the state machine writes for every shard at `shardResultKey`. */
export interface ShardResult {
  readonly suite: string;
  readonly shard: number;
  readonly status: ShardStatus;
  readonly attempts: number;
  readonly exitCode: number | null;
  readonly flaky: boolean;
  readonly taskArn: string | null;
  /** Why the last attempt ended as it did, in words. */
  readonly reason: string;
}

/**
 * The ECS task group the shard workflow gives each task: `tests:<runId>:<suite>:<shard>`. Without a suite, the
 * prefix that every task of the run shares. Execution names cannot contain a colon, so the prefix is unambiguous.
 */
export function taskGroup(runId: string, suite?: string, shard?: number): string {
  return suite === undefined ? `tests:${runId}:` : `tests:${runId}:${suite}:${shard}`;
}

/** The event the sweep function receives when a run's fan-out failed. */
export interface SweepEvent {
  readonly runId: string;
  readonly cluster: string;
  /** The task definition families of the suites. */
  readonly families: readonly string[];
}

export interface SweepResult {
  /** The tasks of the run that were still running and have been stopped. */
  readonly stopped: readonly string[];
}

/** The event the summary function receives. */
export interface SummaryEvent {
  readonly runId: string;
  readonly bucket: string;
  /** Present when the shard fan-out itself failed (fail-fast, or a Map Run failure). */
  readonly stoppedEarly?: { readonly Error?: string; readonly Cause?: string };
}

export interface RunCounts {
  readonly total: number;
  readonly passed: number;
  readonly failed: number;
  readonly timedOut: number;
  readonly error: number;
  readonly cancelled: number;
  readonly flaky: number;
}

/** The output of a run that passed, and what the summary function returns in every case. */
export interface RunSummary {
  readonly runId: string;
  readonly status: 'PASSED' | 'FAILED';
  readonly stoppedEarly: boolean;
  readonly counts: RunCounts;
  /** `all` when every shard fits in the output, `notPassed` when only the shards that need attention do. */
  readonly shardsListed: 'all' | 'notPassed';
  readonly shards: readonly ShardResult[];
  readonly reportUri: string;
  /** Set when status is FAILED: the execution fails with this error and cause. */
  readonly error?: string;
  readonly cause?: string;
}

/**
 * Step Functions caps the output of a state and of an execution at 256 KiB (262,144 bytes). The summary is the whole
 * output of its state and of the run, so it may take almost all of it.
 */
export const SUMMARY_BUDGET_BYTES = 250 * 1024;
/** Step Functions caps an error cause at 32,768 characters. */
export const CAUSE_BUDGET_CHARS = 30_000;
/** The per-run environment overrides, in bytes of NAME=value lines. */
export const RUN_ENVIRONMENT_BUDGET_BYTES = 32 * 1024;
