import { App, Duration, SecretValue, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { DATABASE_SECRET_ARN, IMAGE } from './stacks';
import { ResilientParallelEcsTests, ResilientParallelEcsTestsProps } from '../../src';

/**
 * The rows of the README's validation table that test/construct/validation.test.ts does not provoke. Each test
 * gives the construct the bad value and expects the row's exact message.
 */

const PREFIX = "Invalid props for ResilientParallelEcsTests at 'Stack/Tests':\n";

function errorOf(props: (stack: Stack) => Partial<ResilientParallelEcsTestsProps>): string {
  const stack = new Stack(new App(), 'Stack');
  try {
    new ResilientParallelEcsTests(stack, 'Tests', { testSuites: [{ name: 'unit', image: IMAGE }], ...props(stack) });
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('Expected the props to be refused.');
}

describe('an environment value that is a reference to a secret', () => {
  test.each([
    ['a Secrets Manager secret', (stack: Stack) =>
      secretsmanager.Secret.fromSecretCompleteArn(stack, 'Secret', DATABASE_SECRET_ARN).secretValue.unsafeUnwrap()],
    ['a field of a Secrets Manager secret', (stack: Stack) =>
      secretsmanager.Secret.fromSecretCompleteArn(stack, 'Secret', DATABASE_SECRET_ARN).secretValueFromJson('password').unsafeUnwrap()],
    ['an SSM SecureString parameter', () => SecretValue.ssmSecure('/tests/token').unsafeUnwrap()],
  ])('is refused in a suite\'s environment: %s', (_, secret) => {
    // WHEN
    const message = errorOf(stack => ({ testSuites: [{ name: 'unit', image: IMAGE, environment: { PASSWORD: secret(stack) } }] }));

    // THEN
    expect(message).toBe(`${PREFIX}  - testSuites[0].environment.PASSWORD is a reference to a secret; CloudFormation `
      + 'would write its value in plain text into the state machine or the schedule, so give it to the test suite '
      + 'through secrets instead.');
  });

  test('is refused in a schedule\'s environment', () => {
    // WHEN
    const message = errorOf(() => ({
      schedules: [{ schedule: events.Schedule.rate(Duration.hours(6)), environment: { TOKEN: SecretValue.ssmSecure('/tests/token').unsafeUnwrap() } }],
    }));

    // THEN
    expect(message).toBe(`${PREFIX}  - schedules[0].environment.TOKEN is a reference to a secret; CloudFormation `
      + 'would write its value in plain text into the state machine or the schedule, so give it to the test suite '
      + 'through secrets instead.');
  });

  test('is not confused with a plain parameter that is only known at deploy time', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Stack');
    const plain = ssm.StringParameter.valueForStringParameter(stack, '/tests/base-url');

    // THEN
    expect(() => new ResilientParallelEcsTests(stack, 'Tests', {
      testSuites: [{ name: 'unit', image: IMAGE, environment: { BASE_URL: plain } }],
    })).not.toThrow();
  });
});
