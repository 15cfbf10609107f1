import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { FargateCapacity, ResilientParallelEcsTestsProps, RunStatus } from '../../src';
import { synthesizeTests, testSuite } from '../support/synth';

// asl-validator ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const validateAsl = require('asl-validator') as (definition: unknown, options: { checkPaths: boolean; checkArn: boolean }) => {
  isValid: boolean;
  errorsText(separator?: string): string;
};

const VARIANTS: Array<[string, ResilientParallelEcsTestsProps]> = [
  ['every default', { testSuites: [testSuite('unit', 1)] }],
  ['every option', {
    testSuites: [
      testSuite('unit', 8, { environment: { LOG_LEVEL: 'debug' }, timeout: Duration.minutes(30), cpu: 2048, memoryLimitMiB: 4096 }),
      testSuite('e2e', 3),
    ],
    retryPolicy: {
      maxAttempts: 5,
      interval: Duration.seconds(3),
      backoffRate: 1.5,
      maxDelay: Duration.minutes(2),
      jitter: sfn.JitterType.NONE,
      retryTestFailures: 2,
      retryTimeouts: true,
    },
    taskTimeout: Duration.minutes(40),
    runTimeout: Duration.hours(3),
    maxConcurrency: 7,
    failFast: true,
    capacity: FargateCapacity.SPOT,
    assignPublicIp: true,
    notifyOn: [RunStatus.FAILED, RunStatus.SUCCEEDED],
    schedules: [{ schedule: events.Schedule.cron({ hour: '3', minute: '0' }), testSuites: ['unit'], environment: { NIGHTLY: 'true' } }],
    stateMachineName: 'nightly-tests',
  }],
  ['one attempt and no retries at all', { testSuites: [testSuite('unit', 2)], retryPolicy: { maxAttempts: 1 } }],
];

test.each(VARIANTS)('the definition synthesized with %s is valid Amazon States Language', (_, props) => {
  // GIVEN / WHEN
  const { definition } = synthesizeTests(props);

  // THEN: paths and ARNs checked too; the validator adds fields to what it checks, so it gets a copy
  const result = validateAsl(structuredClone(definition), { checkPaths: true, checkArn: true });
  expect(result.errorsText('\n')).toBe('');
  expect(result.isValid).toBe(true);
});
