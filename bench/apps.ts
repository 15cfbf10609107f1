import { App, Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { ResilientParallelEcsTests, TestSuite } from '../src';

/** Every benchmark stack lives here, so that ARNs, Availability Zones and prices refer to one Region. */
export const BENCH_ENVIRONMENT = { account: '123456789012', region: 'us-east-1' } as const;

/** The concurrency cap of every benchmarked construct; the simulated runs measure their peak against it. */
export const BENCH_MAX_CONCURRENCY = 1_000;

const IMAGE = 'public.ecr.aws/docker/library/node:22-alpine';
const COMMAND = ['sh', '-c', 'npx jest --shard=$TEST_SHARD_INDEX/$TEST_SHARD_COUNT'];
const CPU = 1024;
const MEMORY_MIB = 2048;

/** One benchmark configuration: how many suites the stack has and how many shards one run of it starts. */
export interface BenchShape {
  readonly suites: number;
  readonly shardsPerRun: number;
}

/**
 * How a run of `shardsPerRun` shards is spread over `suites` suites: as evenly as possible, the first suites taking
 * one more when it does not divide. With fewer shards than suites, every suite has one shard and a run selects the
 * first `shardsPerRun` suites (a run may name the suites it wants).
 */
export function shardsBySuite(shape: BenchShape): number[] {
  const { suites, shardsPerRun } = shape;
  if (shardsPerRun < suites) {
    return Array.from({ length: suites }, () => 1);
  }
  return Array.from({ length: suites }, (_, i) => Math.floor(shardsPerRun / suites) + (i < shardsPerRun % suites ? 1 : 0));
}

/** The suites a run of this shape selects: all of them, or the first `shardsPerRun` when there are fewer shards. */
export function selectedSuites(shape: BenchShape): string[] | undefined {
  return shape.shardsPerRun < shape.suites ? suiteNames(shape.suites).slice(0, shape.shardsPerRun) : undefined;
}

export function suiteNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `suite-${String(i + 1).padStart(3, '0')}`);
}

/** The construct's test suites for a shape: the same image, command and size for every suite. */
export function benchSuites(shape: BenchShape): TestSuite[] {
  const image = ecs.ContainerImage.fromRegistry(IMAGE);
  const shards = shardsBySuite(shape);
  return suiteNames(shape.suites).map((name, i) => ({ name, image, command: COMMAND, shards: shards[i], cpu: CPU, memoryLimitMiB: MEMORY_MIB }));
}

/** A stack that holds one ResilientParallelEcsTests with every default but the concurrency cap. */
export function constructApp(shape: BenchShape, outdir: string): App {
  const app = new App({ outdir });
  const stack = new Stack(app, 'Bench', { env: BENCH_ENVIRONMENT });
  new ResilientParallelEcsTests(stack, 'Tests', {
    testSuites: benchSuites(shape),
    maxConcurrency: BENCH_MAX_CONCURRENCY,
  });
  return app;
}

/**
 * What a team would write without the construct, as the yardstick for synth time and memory: the same VPC and
 * cluster, the same task definitions (one container each, same image, command, size and log driver, one shared
 * execution role), and one state machine that fans shards out with a Distributed Map and picks each suite's
 * `EcsRunTask` with a Choice. No retries, no timeouts that stop tasks, no records, no notifications.
 */
export function plainApp(shape: BenchShape, outdir: string): App {
  const app = new App({ outdir });
  const stack = new Stack(app, 'Plain', { env: BENCH_ENVIRONMENT });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
  const logGroup = new logs.LogGroup(stack, 'TestLogs', { retention: logs.RetentionDays.ONE_MONTH });
  const securityGroup = new ec2.SecurityGroup(stack, 'TaskSecurityGroup', { vpc });
  const executionRole = new iam.Role(stack, 'TaskExecutionRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });

  const pickSuite = new sfn.Choice(stack, 'Which suite?');
  for (const name of suiteNames(shape.suites)) {
    const taskDefinition = new ecs.FargateTaskDefinition(stack, `TaskDefinition-${name}`, {
      cpu: CPU,
      memoryLimitMiB: MEMORY_MIB,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
      executionRole,
    });
    const container = taskDefinition.addContainer('tests', {
      image: ecs.ContainerImage.fromRegistry(IMAGE),
      command: COMMAND,
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: name }),
    });
    pickSuite.when(sfn.Condition.stringEquals('$.suite', name), new tasks.EcsRunTask(stack, `Run ${name}`, {
      cluster,
      taskDefinition,
      launchTarget: new tasks.EcsFargateLaunchTarget({ platformVersion: ecs.FargatePlatformVersion.LATEST }),
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      securityGroups: [securityGroup],
      taskTimeout: sfn.Timeout.duration(Duration.hours(1)),
      containerOverrides: [{
        containerDefinition: container,
        environment: [{ name: 'TEST_SHARD_INDEX', value: sfn.JsonPath.format('{}', sfn.JsonPath.stringAt('$.shard')) }],
      }],
      resultPath: sfn.JsonPath.DISCARD,
    }));
  }
  const fanOut = new sfn.DistributedMap(stack, 'Run shards', {
    itemsPath: '$.shards',
    maxConcurrency: BENCH_MAX_CONCURRENCY,
    resultPath: sfn.JsonPath.DISCARD,
  });
  fanOut.itemProcessor(pickSuite);
  new sfn.StateMachine(stack, 'StateMachine', {
    definitionBody: sfn.DefinitionBody.fromChainable(fanOut),
    timeout: Duration.hours(12),
  });
  return app;
}
