// The reference app: every other language's smoke app builds this same stack, and its template must come out the
// same (see bindings/compare-templates.ts). Change one, change them all.
import { App, CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { FargateCapacity, ResilientParallelEcsTests, RunStatus } from '../../lib';

const app = new App();
const stack = new Stack(app, 'ParallelTests', { env: { account: '123456789012', region: 'us-east-1' } });

const image = ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:22-slim');

const tests = new ResilientParallelEcsTests(stack, 'Tests', {
  testSuites: [
    { name: 'unit', image, command: ['npm', 'test'], shards: 4 },
    {
      name: 'e2e',
      image,
      command: ['npm', 'run', 'e2e'],
      environment: { BASE_URL: 'https://staging.example.com' },
      cpu: 2048,
      memoryLimitMiB: 4096,
      shards: 2,
      timeout: Duration.minutes(30),
    },
  ],
  retryPolicy: { maxAttempts: 4, interval: Duration.seconds(20), retryTestFailures: 1 },
  taskTimeout: Duration.minutes(15),
  capacity: FargateCapacity.SPOT,
  notificationTargets: [new subscriptions.EmailSubscription('qa-team@example.com')],
  notifyOn: [RunStatus.FAILED, RunStatus.TIMED_OUT],
  schedules: [{ schedule: events.Schedule.cron({ hour: '3', minute: '0' }), testSuites: ['e2e'] }],
});

const ciRole = new iam.Role(stack, 'CiRole', { assumedBy: new iam.AccountPrincipal('123456789012') });
tests.grantStartRun(ciRole);

new CfnOutput(stack, 'StateMachineArn', { value: tests.stateMachine.stateMachineArn });

app.synth();
