import { Duration, Token } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { PropErrors } from './validation';

/**
 * How a shard is retried.
 *
 * Three kinds of trouble are told apart. An infrastructure failure (the task could not start, the image could not
 * be pulled, Fargate had no capacity, the ECS API throttled or failed, a Spot interruption) says nothing about the
 * tests, so it is retried up to `maxAttempts` with exponential backoff. A test failure (the test container exited
 * with a non-zero code) is retried only `retryTestFailures` times. A timeout is retried only if `retryTimeouts`.
 */
export interface RetryPolicy {
  /**
   * All attempts a shard gets for infrastructure failures, the first included. Between 1 and 10.
   *
   * @default 3
   */
  readonly maxAttempts?: number;

  /**
   * The wait before the first retry. Between 1 second and 1 hour.
   *
   * @default Duration.seconds(10)
   */
  readonly interval?: Duration;

  /**
   * The factor by which the wait grows with each retry. Between 1 and 10.
   *
   * @default 2
   */
  readonly backoffRate?: number;

  /**
   * The longest wait between two attempts, whatever the backoff. At least `interval`, at most 1 hour.
   *
   * @default Duration.minutes(5)
   */
  readonly maxDelay?: Duration;

  /**
   * Whether each wait is drawn at random between 1 second and the computed backoff (`FULL`), which keeps many shards
   * that failed together from retrying together.
   *
   * @default sfn.JitterType.FULL
   */
  readonly jitter?: sfn.JitterType;

  /**
   * Extra attempts for a shard whose tests failed. A shard that passes on one of them is reported as flaky.
   * Between 0 and 5.
   *
   * @default 0
   */
  readonly retryTestFailures?: number;

  /**
   * Whether a shard that ran longer than its timeout is attempted again. Its task is stopped first either way, and
   * a retry counts against `maxAttempts`.
   *
   * @default false
   */
  readonly retryTimeouts?: boolean;
}

/** A retry policy with every default applied and every value checked. */
export interface ResolvedRetryPolicy {
  readonly maxAttempts: number;
  readonly retryTestFailures: number;
  readonly retryTimeouts: boolean;
  /**
   * For the n-th retry (0-based), the least and the most seconds to wait before it. `States.MathRandom` draws
   * from this range, so the jitter needs no arithmetic that JSONPath lacks.
   */
  readonly waitRanges: ReadonlyArray<readonly [number, number]>;
}

const LIMITS = {
  maxAttempts: [1, 10],
  retryTestFailures: [0, 5],
  backoffRate: [1, 10],
  intervalSeconds: [1, 3600],
  maxDelaySeconds: [1, 3600],
} as const;

export function resolveRetryPolicy(policy: RetryPolicy = {}, errors: PropErrors): ResolvedRetryPolicy {
  const maxAttempts = policy.maxAttempts ?? 3;
  const retryTestFailures = policy.retryTestFailures ?? 0;
  const backoffRate = policy.backoffRate ?? 2;
  const interval = policy.interval ?? Duration.seconds(10);
  const maxDelay = policy.maxDelay ?? Duration.minutes(5);
  const jitter = policy.jitter ?? sfn.JitterType.FULL;

  // The retry decisions and the table of waits are written into the definition: a value known only at deploy time
  // would silently leave them at a default, so it is refused instead.
  const unresolved = [
    ...Object.entries({ maxAttempts, retryTestFailures, backoffRate }).filter(([, value]) => Token.isUnresolved(value)),
    ...Object.entries({ interval, maxDelay }).filter(([, value]) => value.isUnresolved()),
  ];
  for (const [name] of unresolved) {
    errors.add(`retryPolicy.${name} is a token; the retry schedule is written into the state machine at synth time, `
      + 'so it must be a plain value.');
  }

  errors.integerInRange('retryPolicy.maxAttempts', maxAttempts, ...LIMITS.maxAttempts);
  errors.integerInRange('retryPolicy.retryTestFailures', retryTestFailures, ...LIMITS.retryTestFailures);
  errors.numberInRange('retryPolicy.backoffRate', backoffRate, ...LIMITS.backoffRate);
  const intervalSeconds = errors.wholeSecondsInRange('retryPolicy.interval', interval, ...LIMITS.intervalSeconds);
  const maxDelaySeconds = errors.wholeSecondsInRange('retryPolicy.maxDelay', maxDelay, ...LIMITS.maxDelaySeconds);
  if (intervalSeconds !== undefined && maxDelaySeconds !== undefined && maxDelaySeconds < intervalSeconds) {
    errors.add(`retryPolicy.maxDelay is ${maxDelaySeconds} seconds, shorter than retryPolicy.interval `
      + `(${intervalSeconds} seconds); it must be at least the interval.`);
  }

  // Attempts are numbered across both budgets, so the table covers every retry either of them allows.
  const retries = Token.isUnresolved(maxAttempts) ? 0 : maxAttempts - 1 + retryTestFailures;
  const waitRanges: Array<[number, number]> = [];
  for (let n = 0; n < retries; n++) {
    const backoff = Math.min(
      Math.round((intervalSeconds ?? 1) * Math.pow(backoffRate, n)),
      maxDelaySeconds ?? Number.MAX_SAFE_INTEGER,
    );
    // A range of at least two values keeps MathRandom well defined whether its end is inclusive or not.
    waitRanges.push(jitter === sfn.JitterType.FULL ? [1, Math.max(backoff, 2)] : [backoff, backoff]);
  }

  return { maxAttempts, retryTestFailures, retryTimeouts: policy.retryTimeouts ?? false, waitRanges };
}
