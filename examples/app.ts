import * as cdk from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
// In your own app: import { ResilientParallelEcsTests } from 'cdk-resilient-parallel-ecs-tests';
import { ResilientParallelEcsTests } from '../src';

/**
 * A complete app to copy as a starting point: three test suites split into shards, run in parallel on Fargate,
 * with retries, timeouts and an email when a run fails.
 *
 *   npx cdk synth --app 'npx ts-node examples/app.ts'
 *   npx cdk deploy --app 'npx ts-node examples/app.ts'
 *
 * Then start a run with the state machine's ARN from the stack's outputs:
 *
 *   aws stepfunctions start-execution --state-machine-arn "$ARN" --name "build-$BUILD_NUMBER" \
 *     --input '{"environment": {"GIT_SHA": "'"$(git rev-parse HEAD)"'"}}'
 */
export function createApp(props: cdk.AppProps = {}) {
  const app = new cdk.App(props);
  const stack = new cdk.Stack(app, 'TestRunner', {
    description: 'Runs the test suites in parallel shards on Fargate',
  });

  // Public images, so that the app deploys as it is; use your own images with your tests baked in.
  const node = ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:22-alpine');
  const python = ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/python:3.12-slim');

  const tests = new ResilientParallelEcsTests(stack, 'Tests', {
    testSuites: [
      {
        name: 'unit',
        image: node,
        // Each shard runs its share of the tests; TEST_SHARD_INDEX counts from 1, as Jest's --shard does.
        command: ['sh', '-c', 'npx jest --ci --shard="$TEST_SHARD_INDEX/$TEST_SHARD_COUNT"'],
        shards: 4,
      },
      {
        name: 'integration',
        image: python,
        command: ['sh', '-c', 'pytest --splits "$TEST_SHARD_COUNT" --group "$TEST_SHARD_INDEX" --junitxml=report.xml'],
        shards: 3,
        environment: { PYTHONUNBUFFERED: '1' },
        timeout: cdk.Duration.minutes(30),
      },
      {
        name: 'e2e',
        image: node,
        command: ['sh', '-c', 'npx playwright test --shard="$TEST_SHARD_INDEX/$TEST_SHARD_COUNT"'],
        shards: 2,
        cpu: 2048,
        memoryLimitMiB: 4096,
        timeout: cdk.Duration.minutes(45),
      },
    ],
    // Infrastructure failures get 3 attempts with backoff; failed tests get one more try, and a pass on it is flaky.
    retryPolicy: { maxAttempts: 3, retryTestFailures: 1 },
    // Suites without a timeout of their own.
    taskTimeout: cdk.Duration.minutes(20),
    notificationTargets: [new subscriptions.EmailSubscription('team@example.com')],
  });

  new cdk.CfnOutput(stack, 'StateMachineArn', { value: tests.stateMachine.stateMachineArn });
  new cdk.CfnOutput(stack, 'ResultsBucket', { value: tests.resultsBucket.bucketName });
  return { app, stack, tests };
}

if (require.main === module) {
  createApp().app.synth();
}
