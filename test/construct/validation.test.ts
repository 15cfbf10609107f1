import { CfnParameter, Duration, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { build, catalogueEntry, newStack, suite, synth } from './fixtures';
import { FargateCapacity, ResilientParallelEcsTestsProps } from '../../src';

/** Builds the construct with these props, by default with one suite named "unit". */
function attempt(props: Partial<ResilientParallelEcsTestsProps>) {
  return () => build(props);
}

/** The message of the error that building the construct with these props throws. */
function errorOf(props: Partial<ResilientParallelEcsTestsProps>, stack = newStack()): string {
  try {
    build(props, stack);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('Expected the props to be refused.');
}

const PREFIX = "Invalid props for ResilientParallelEcsTests at 'TestStack/Tests':\n";
const RESERVED = 'which is reserved: the workflow sets TEST_SUITE, TEST_SHARD_INDEX, TEST_SHARD_COUNT, TEST_ATTEMPT, '
  + 'TEST_RUN_ID, RESULTS_BUCKET, RESULTS_PREFIX, and names starting with AWS_ or ECS_ belong to the platform.';

describe('test suites', () => {
  test('no suites', () => {
    expect(attempt({ testSuites: [] })).toThrow(/testSuites is empty; give at least one test suite\./);
  });

  test.each(['Unit', '1unit', 'unit-', 'unit_tests', '', 'a'.repeat(33)])('a suite named %j', name => {
    expect(attempt({ testSuites: [suite(name)] })).toThrow(new RegExp(
      `testSuites\\[0\\]\\.name is "${name}"; it must be 1 to 32 lowercase letters, digits and hyphens, `
      + 'starting with a letter and not ending with a hyphen\\.'));
  });

  test.each(['u', 'unit-2', 'a'.repeat(32)])('a suite named %j is accepted', name => {
    expect(attempt({ testSuites: [suite(name)] })).not.toThrow();
  });

  test('two suites with the same name', () => {
    expect(attempt({ testSuites: [suite('unit'), suite('e2e'), suite('unit')] })).toThrow(
      /testSuites\[2\]\.name is "unit", which an earlier suite already has; suite names must be unique\./);
  });

  test('a cpu Fargate does not offer', () => {
    expect(attempt({ testSuites: [suite('unit', { cpu: 3000 })] })).toThrow(
      /testSuites\[0\]\.cpu is 3000; Fargate accepts 256, 512, 1024, 2048, 4096, 8192, 16384\./);
  });

  test.each([
    [256, 4096, '512 to 2048 MiB in steps of 512'],
    [1024, 1024, '2048 to 8192 MiB in steps of 1024'],
    [1024, 2560, '2048 to 8192 MiB in steps of 1024'],
    [4096, 31744, '8192 to 30720 MiB in steps of 1024'],
    [8192, 18432, '16384 to 61440 MiB in steps of 4096'],
    [16384, 36864, '32768 to 122880 MiB in steps of 8192'],
  ])('cpu %d with memoryLimitMiB %d', (cpu, memoryLimitMiB, allowed) => {
    expect(attempt({ testSuites: [suite('unit', { cpu, memoryLimitMiB })] })).toThrow(new RegExp(
      `testSuites\\[0\\]\\.memoryLimitMiB is ${memoryLimitMiB} with cpu ${cpu}; Fargate accepts ${allowed} for that cpu\\.`));
  });

  test.each([[256, 512], [256, 2048], [512, 4096], [2048, 16384], [8192, 20480], [16384, 122880]])(
    'cpu %d with memoryLimitMiB %d is accepted', (cpu, memoryLimitMiB) => {
      expect(attempt({ testSuites: [suite('unit', { cpu, memoryLimitMiB })] })).not.toThrow();
    });

  test.each([0, -1, 1.5, 10_001])('%d shards', shards => {
    expect(attempt({ testSuites: [suite('unit', { shards })] })).toThrow(new RegExp(
      `testSuites\\[0\\]\\.shards is ${shards}; it must be a whole number from 1 to 10000\\.`));
  });

  test('more than 10,000 shards in all', () => {
    expect(attempt({ testSuites: [suite('unit', { shards: 6000 }), suite('e2e', { shards: 4001 })] })).toThrow(
      /testSuites have 10001 shards in all; one run can hold at most 10000\./);
  });

  test('exactly 10,000 shards in all is accepted', () => {
    expect(attempt({ testSuites: [suite('unit', { shards: 6000 }), suite('e2e', { shards: 4000 })] })).not.toThrow();
  });

  test.each([
    [Duration.seconds(59), '59 seconds'],
    [Duration.days(8), '8 days'],
    [Duration.millis(90_500), '90.5 seconds'],
  ])('a suite timeout of %s', (timeout, human) => {
    expect(attempt({ testSuites: [suite('unit', { timeout })] })).toThrow(new RegExp(
      `testSuites\\[0\\]\\.timeout is ${human}; it must be whole seconds from 1 minute to 7 days\\.`));
  });

  test.each([20, 201, 30.5])('ephemeralStorageGiB %d', ephemeralStorageGiB => {
    expect(attempt({ testSuites: [suite('unit', { ephemeralStorageGiB })] })).toThrow(new RegExp(
      `testSuites\\[0\\]\\.ephemeralStorageGiB is ${ephemeralStorageGiB}; it must be a whole number from 21 to 200\\.`));
  });

  test.each(['1ST', 'WITH-DASH', 'WITH SPACE', ''])('an environment variable named %j', name => {
    expect(attempt({ testSuites: [suite('unit', { environment: { [name]: 'x' } })] })).toThrow(new RegExp(
      `testSuites\\[0\\]\\.environment has the name "${name}"; names must be letters, digits and underscores, `
      + 'not starting with a digit\\.'));
  });

  test.each(['TEST_SUITE', 'TEST_SHARD_INDEX', 'RESULTS_PREFIX', 'AWS_REGION', 'ECS_CONTAINER_METADATA_URI'])(
    'the reserved environment variable %s', name => {
      expect(errorOf({ testSuites: [suite('unit', { environment: { [name]: 'x' } })] }))
        .toBe(`${PREFIX}  - testSuites[0].environment has the name "${name}", ${RESERVED}`);
    });

  test.each(['line one\nline two', 'carriage\rreturn'])('an environment value with a line break', value => {
    expect(attempt({ testSuites: [suite('unit', { environment: { NOTE: value } })] })).toThrow(
      /testSuites\[0\]\.environment\.NOTE has a line break; values reach the container through an environment file, one line per variable, so they must be single lines\./);
  });

  describe('secrets', () => {
    const secret = (stack: ReturnType<typeof newStack>, id = 'Token') => ecs.Secret.fromSecretsManager(
      secretsmanager.Secret.fromSecretNameV2(stack, id, 'npm-token'));

    test('a secret with an invalid or reserved name', () => {
      // GIVEN
      const stack = newStack();

      // WHEN
      const message = errorOf({ testSuites: [suite('unit', { secrets: { 'NPM-TOKEN': secret(stack, 'One'), 'AWS_SECRET': secret(stack, 'Two') } })] }, stack);

      // THEN
      expect(message).toBe(PREFIX + [
        '  - testSuites[0].secrets has the name "NPM-TOKEN"; names must be letters, digits and underscores, not starting with a digit.',
        `  - testSuites[0].secrets has the name "AWS_SECRET", ${RESERVED}`,
      ].join('\n'));
    });

    test('a secret that the environment sets too', () => {
      // GIVEN
      const stack = newStack();

      // WHEN
      const message = errorOf({ testSuites: [suite('unit', { environment: { TOKEN: 'x' }, secrets: { TOKEN: secret(stack) } })] }, stack);

      // THEN
      expect(message).toMatch(
        /testSuites\[0\]\.secrets has "TOKEN", which testSuites\[0\]\.environment sets too; a name can come from one only\./);
    });
  });
});

describe('timeouts', () => {
  test.each([
    [Duration.seconds(30), '30 seconds'],
    [Duration.days(7).plus(Duration.seconds(1)), '7 days 1 second'],
  ])('a taskTimeout of %s', (taskTimeout, human) => {
    expect(attempt({ taskTimeout })).toThrow(new RegExp(
      `taskTimeout is ${human}; it must be whole seconds from 1 minute to 7 days\\.`));
  });

  test.each([
    [Duration.minutes(4), '4 minutes'],
    [Duration.days(366), '366 days'],
  ])('a runTimeout of %s', (runTimeout, human) => {
    expect(attempt({ runTimeout })).toThrow(new RegExp(
      `runTimeout is ${human}; it must be whole seconds from 5 minutes to 365 days\\.`));
  });

  test('a runTimeout no longer than the longest suite timeout', () => {
    expect(attempt({
      runTimeout: Duration.hours(2),
      testSuites: [suite('unit'), suite('e2e', { timeout: Duration.hours(2) })],
    })).toThrow(/runTimeout is 2 hours, not longer than the longest suite timeout \(2 hours\); a run must be able to outlast one attempt of every shard\./);
  });
});

describe('retryPolicy', () => {
  test.each([
    [{ maxAttempts: 0 }, 'retryPolicy.maxAttempts is 0; it must be a whole number from 1 to 10.'],
    [{ maxAttempts: 11 }, 'retryPolicy.maxAttempts is 11; it must be a whole number from 1 to 10.'],
    [{ maxAttempts: 2.5 }, 'retryPolicy.maxAttempts is 2.5; it must be a whole number from 1 to 10.'],
    [{ retryTestFailures: -1 }, 'retryPolicy.retryTestFailures is -1; it must be a whole number from 0 to 5.'],
    [{ retryTestFailures: 6 }, 'retryPolicy.retryTestFailures is 6; it must be a whole number from 0 to 5.'],
    [{ backoffRate: 0.5 }, 'retryPolicy.backoffRate is 0.5; it must be a number from 1 to 10.'],
    [{ backoffRate: 11 }, 'retryPolicy.backoffRate is 11; it must be a number from 1 to 10.'],
    [{ interval: Duration.millis(500) }, 'retryPolicy.interval is 0.5 seconds; it must be whole seconds from 1 second to 1 hour.'],
    [{ interval: Duration.hours(2) }, 'retryPolicy.interval is 2 hours; it must be whole seconds from 1 second to 1 hour.'],
    [{ maxDelay: Duration.hours(2) }, 'retryPolicy.maxDelay is 2 hours; it must be whole seconds from 1 second to 1 hour.'],
    [{ interval: Duration.minutes(1), maxDelay: Duration.seconds(30) },
      'retryPolicy.maxDelay is 30 seconds, shorter than retryPolicy.interval (60 seconds); it must be at least the interval.'],
  ])('refuses retryPolicy %p', (retryPolicy, message) => {
    expect(errorOf({ retryPolicy })).toBe(`${PREFIX}  - ${message}`);
  });

  test('capacity SPOT with a single attempt', () => {
    expect(attempt({ capacity: FargateCapacity.SPOT, retryPolicy: { maxAttempts: 1 } })).toThrow(
      /capacity is SPOT with retryPolicy\.maxAttempts 1; Spot needs at least 2 attempts, because the last attempt runs on-demand\./);
  });
});

describe('other props', () => {
  test.each([0, 10_001, 2.5])('maxConcurrency %d', maxConcurrency => {
    expect(attempt({ maxConcurrency })).toThrow(new RegExp(
      `maxConcurrency is ${maxConcurrency}; it must be a whole number from 1 to 10000\\.`));
  });

  test.each([
    [Duration.hours(12), '12 hours'],
    [Duration.days(3651), '3651 days'],
  ])('a resultsRetention of %s', (resultsRetention, human) => {
    expect(attempt({ resultsRetention })).toThrow(new RegExp(
      `resultsRetention is ${human}; it must be whole days from 1 to 3650\\.`));
  });

  test('a schedule that names a suite there is not', () => {
    expect(attempt({
      testSuites: [suite('unit'), suite('e2e')],
      schedules: [{ schedule: events.Schedule.rate(Duration.hours(1)), testSuites: ['e2e', 'smoke'] }],
    })).toThrow(/schedules\[0\]\.testSuites has "smoke", which is not a test suite; known test suites are "unit", "e2e"\./);
  });

  test('a schedule whose environment the plan step would refuse on every run', () => {
    expect(errorOf({
      schedules: [
        { schedule: events.Schedule.rate(Duration.hours(1)) },
        { schedule: events.Schedule.rate(Duration.hours(1)), environment: { TEST_RUN_ID: 'x', NOTE: 'a\nb' } },
      ],
    })).toBe(PREFIX + [
      `  - schedules[1].environment has the name "TEST_RUN_ID", ${RESERVED}`,
      '  - schedules[1].environment.NOTE has a line break; values reach the container through an environment file, '
        + 'one line per variable, so they must be single lines.',
    ].join('\n'));
  });
});

describe('props that exclude each other', () => {
  test('vpc and cluster', () => {
    // GIVEN
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc');
    const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });

    // THEN
    expect(errorOf({ vpc, cluster }, stack))
      .toBe(`${PREFIX}  - vpc and cluster are both set; a cluster brings its own VPC, so give one of them.`);
  });

  test('containerInsights and cluster', () => {
    // GIVEN
    const stack = newStack();
    const cluster = new ecs.Cluster(stack, 'Cluster');

    // THEN
    expect(errorOf({ cluster, containerInsights: true }, stack))
      .toBe(`${PREFIX}  - containerInsights and cluster are both set; containerInsights applies only to a new cluster.`);
  });

  test('resultsRetention and resultsBucket', () => {
    // GIVEN
    const stack = newStack();
    const resultsBucket = s3.Bucket.fromBucketName(stack, 'Bucket', 'ci-results');

    // THEN
    expect(errorOf({ resultsBucket, resultsRetention: Duration.days(7) }, stack))
      .toBe(`${PREFIX}  - resultsRetention and resultsBucket are both set; set the retention on your own bucket instead.`);
  });
});

describe('reporting', () => {
  test('reports every problem at once, in the order of the props, naming the construct', () => {
    // WHEN
    const message = errorOf({
      taskTimeout: Duration.seconds(10),
      testSuites: [suite('Unit', { cpu: 512, memoryLimitMiB: 512, shards: 0 }), suite('e2e', { environment: { AWS_PROFILE: 'x' } })],
      retryPolicy: { maxAttempts: 20, backoffRate: 0 },
      maxConcurrency: 0,
    });

    // THEN
    expect(message).toBe(PREFIX + [
      '  - taskTimeout is 10 seconds; it must be whole seconds from 1 minute to 7 days.',
      '  - testSuites[0].name is "Unit"; it must be 1 to 32 lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen.',
      '  - testSuites[0].memoryLimitMiB is 512 with cpu 512; Fargate accepts 1024 to 4096 MiB in steps of 1024 for that cpu.',
      '  - testSuites[0].shards is 0; it must be a whole number from 1 to 10000.',
      `  - testSuites[1].environment has the name "AWS_PROFILE", ${RESERVED}`,
      '  - retryPolicy.maxAttempts is 20; it must be a whole number from 1 to 10.',
      '  - retryPolicy.backoffRate is 0; it must be a number from 1 to 10.',
      '  - maxConcurrency is 0; it must be a whole number from 1 to 10000.',
    ].join('\n'));
  });

  test('creates no resources when a prop is wrong: every prop is checked first', () => {
    // GIVEN
    const stack = newStack();

    // WHEN
    errorOf({ maxConcurrency: 0 }, stack);

    // THEN
    expect(stack.node.tryFindChild('Tests')?.node.children ?? []).toEqual([]);
  });
});

describe('tokens', () => {
  test('values known only at deploy time are not judged, and reach the template', () => {
    // GIVEN
    const stack = newStack();
    const parameter = (id: string) => new CfnParameter(stack, id, { type: 'Number' }).valueAsNumber;

    // WHEN
    const { template, definition } = synth({
      testSuites: [
        suite('unit', { cpu: parameter('Cpu'), memoryLimitMiB: parameter('Memory'), shards: parameter('Shards') }),
        suite('e2e', { timeout: Duration.seconds(parameter('SuiteTimeout')), ephemeralStorageGiB: parameter('Storage') }),
      ],
      taskTimeout: Duration.seconds(parameter('TaskTimeout')),
      runTimeout: Duration.seconds(parameter('RunTimeout')),
      maxConcurrency: parameter('Concurrency'),
      resultsRetention: Duration.days(parameter('Retention')),
    }, stack);

    // THEN
    template.hasResourceProperties('AWS::ECS::TaskDefinition', { Cpu: { Ref: 'Cpu' }, Memory: { Ref: 'Memory' } });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', { EphemeralStorage: { SizeInGiB: { Ref: 'Storage' } } });
    expect(catalogueEntry(definition, 'unit')).toMatchObject({ shards: '${Ref:Shards}', timeoutSeconds: '${Ref:TaskTimeout}' });
    expect(catalogueEntry(definition, 'e2e')).toMatchObject({ timeoutSeconds: '${Ref:SuiteTimeout}' });
    expect(definition.TimeoutSeconds).toBe('${Ref:RunTimeout}');
    expect(definition.States['Run shards'].MaxConcurrency).toBe('${Ref:Concurrency}');
  });

  test('tokens in names and environment values are not judged', () => {
    // GIVEN
    const stack = newStack();
    const value = new CfnParameter(stack, 'Value').valueAsString;

    // THEN
    expect(() => build({ testSuites: [suite('unit', { environment: { TARGET: value } })] }, stack)).not.toThrow();
    expect(Token.isUnresolved(value)).toBe(true);
  });

  test('a retry policy from tokens is refused: its schedule is written into the state machine', () => {
    // GIVEN
    const stack = newStack();
    const parameter = (id: string) => new CfnParameter(stack, id, { type: 'Number' }).valueAsNumber;

    // WHEN
    const message = errorOf({
      capacity: FargateCapacity.SPOT,
      retryPolicy: {
        maxAttempts: parameter('Attempts'),
        retryTestFailures: parameter('TestRetries'),
        backoffRate: parameter('Rate'),
        interval: Duration.seconds(parameter('Interval')),
        maxDelay: Duration.seconds(parameter('MaxDelay')),
      },
    }, stack);

    // THEN
    const refused = (name: string) => `  - retryPolicy.${name} is a token; the retry schedule is written into the state `
      + 'machine at synth time, so it must be a plain value.';
    expect(message).toBe(PREFIX + ['maxAttempts', 'retryTestFailures', 'backoffRate', 'interval', 'maxDelay'].map(refused).join('\n'));
  });
});
