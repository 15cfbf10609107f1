import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { RunStatus } from './notifications';
import { FargateCapacity, ResilientParallelEcsTestsProps } from './props';
import { ResolvedRetryPolicy, resolveRetryPolicy } from './retry-policy';
import { checkEnvironmentEntry, checkNotSecret, ResolvedTestSuite, resolveTestSuites, TASK_TIMEOUT_SECONDS } from './test-suite';
import { PropErrors } from './validation';

const RUN_TIMEOUT_SECONDS = { min: 300, max: 365 * 24 * 3600 };

/** The props with their defaults in place, once every one of them has been checked. */
export interface ResolvedProps {
  readonly suites: ResolvedTestSuite[];
  readonly retry: ResolvedRetryPolicy;
  readonly runTimeout: Duration;
  readonly maxConcurrency: number;
  readonly failFast: boolean;
  readonly capacity: FargateCapacity;
  readonly assignPublicIp: boolean;
  readonly containerInsights: boolean;
  readonly notifyOn: RunStatus[];
  readonly resultsRetention: Duration;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Checks the props of the construct at `scope` and fills in their defaults. Throws one error that lists every
 * problem, so that a user fixes them all in one round.
 */
export function resolveProps(scope: Construct, props: ResilientParallelEcsTestsProps): ResolvedProps {
  const errors = new PropErrors();
  const taskTimeoutProp = props.taskTimeout ?? Duration.hours(1);
  const taskTimeout = taskTimeoutProp.isUnresolved()
    ? taskTimeoutProp.toSeconds()
    : errors.wholeSecondsInRange('taskTimeout', taskTimeoutProp, TASK_TIMEOUT_SECONDS.min, TASK_TIMEOUT_SECONDS.max);
  const suites = resolveTestSuites(props.testSuites, taskTimeout, errors);
  for (const [index, suite] of props.testSuites.entries()) {
    for (const [name, value] of Object.entries(suite.environment ?? {})) {
      checkNotSecret(scope, `testSuites[${index}].environment`, name, value, errors);
    }
  }
  const retry = resolveRetryPolicy(props.retryPolicy, errors);
  const runTimeout = props.runTimeout ?? Duration.hours(12);
  const runTimeoutSeconds = errors.wholeSecondsInRange('runTimeout', runTimeout, RUN_TIMEOUT_SECONDS.min, RUN_TIMEOUT_SECONDS.max);
  const longestSuite = Math.max(...suites.map(suite => suite.timeoutSeconds));
  if (runTimeoutSeconds !== undefined && suites.length > 0 && runTimeoutSeconds <= longestSuite) {
    errors.add(`runTimeout is ${runTimeout.toHumanString()}, not longer than the longest suite timeout `
      + `(${Duration.seconds(longestSuite).toHumanString()}); a run must be able to outlast one attempt of every shard.`);
  }
  const maxConcurrency = props.maxConcurrency ?? 100;
  errors.integerInRange('maxConcurrency', maxConcurrency, 1, 10_000);
  const capacity = props.capacity ?? FargateCapacity.ON_DEMAND;
  if (capacity === FargateCapacity.SPOT && !Token.isUnresolved(retry.maxAttempts) && retry.maxAttempts < 2) {
    errors.add(`capacity is SPOT with retryPolicy.maxAttempts ${retry.maxAttempts}; Spot needs at least 2 attempts, `
      + 'because the last attempt runs on-demand.');
  }
  checkExclusiveProps(props, errors);
  for (const [index, schedule] of (props.schedules ?? []).entries()) {
    // The plan step would refuse these on every scheduled run; they are known now.
    for (const [name, value] of Object.entries(schedule.environment ?? {})) {
      checkEnvironmentEntry(`schedules[${index}].environment`, name, value, errors);
      checkNotSecret(scope, `schedules[${index}].environment`, name, value, errors);
    }
    for (const name of schedule.testSuites ?? []) {
      if (!suites.some(suite => suite.name === name)) {
        errors.add(`schedules[${index}].testSuites has "${name}", which is not a test suite; `
          + `known test suites are ${suites.map(suite => `"${suite.name}"`).join(', ')}.`);
      }
    }
  }
  errors.throwIfAny(scope.node.path);

  return {
    suites,
    retry,
    runTimeout,
    maxConcurrency,
    failFast: props.failFast ?? false,
    capacity,
    assignPublicIp: props.assignPublicIp ?? false,
    containerInsights: props.containerInsights ?? true,
    notifyOn: props.notifyOn ?? [RunStatus.FAILED, RunStatus.TIMED_OUT, RunStatus.ABORTED],
    resultsRetention: props.resultsRetention ?? Duration.days(30),
    logRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
  };
}

function checkExclusiveProps(props: ResilientParallelEcsTestsProps, errors: PropErrors) {
  if (props.cluster && props.vpc) {
    errors.add('vpc and cluster are both set; a cluster brings its own VPC, so give one of them.');
  }
  if (props.cluster && props.containerInsights !== undefined) {
    errors.add('containerInsights and cluster are both set; containerInsights applies only to a new cluster.');
  }
  if (props.resultsBucket && props.resultsRetention) {
    errors.add('resultsRetention and resultsBucket are both set; set the retention on your own bucket instead.');
  }
  if (props.resultsRetention && !props.resultsRetention.isUnresolved()) {
    const days = props.resultsRetention.toDays({ integral: false });
    if (!Number.isInteger(days) || days < 1 || days > 3650) {
      errors.add(`resultsRetention is ${props.resultsRetention.toHumanString()}; it must be whole days from 1 to 3650.`);
    }
  }
}
