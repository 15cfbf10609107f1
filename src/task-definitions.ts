import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge, IAM_WILDCARDS, statementsOf } from './acknowledgements';
import { grantReadRunFiles, grantWriteRunFiles } from './results-access';
import { RESULTS_LAYOUT } from './runtime/contract';
import { ResolvedTestSuite } from './test-suite';

/** The name of the one container in each suite's task definition, which runs the tests. */
export const CONTAINER_NAME = 'tests';

export interface TaskDefinitionsProps {
  readonly suites: ResolvedTestSuite[];
  readonly resultsBucket: s3.IBucket;
  readonly logGroup: logs.ILogGroup;
}

/**
 * Each suite's task definition, by suite name, created in `scope`: one container that runs the suite's image and
 * logs to `logGroup`, a task role of its own that may write reports below the suite's prefix of each run, and an
 * execution role that all suites share.
 */
export function createTaskDefinitions(scope: Construct, props: TaskDefinitionsProps): { [name: string]: ecs.FargateTaskDefinition } {
  const bucket = props.resultsBucket;
  // One execution role serves every suite: only the ECS agent uses it, to pull images, read each task's own
  // secrets and environment file, and write logs. Each suite's task role, which its tests get, is its own.
  const executionRole = new iam.Role(scope, 'TaskExecutionRole', {
    assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
    description: 'Pulls test images, reads their secrets and environment files, writes their logs',
  });
  grantReadRunFiles({
    bucket,
    grantee: executionRole,
    keys: [RESULTS_LAYOUT.environmentFileKey('*', '*')],
    bucketLocation: true,
    reason: 'The ECS agent reads a task\'s environment file from runs/<run>/_env/<suite>.env when the task starts; '
      + 'the run is named only when it starts. Read only, and only environment files, which hold no secrets.',
  });

  const definitions: { [name: string]: ecs.FargateTaskDefinition } = {};
  for (const suite of props.suites) {
    const definition = new ecs.FargateTaskDefinition(scope, `TaskDefinition-${suite.name}`, {
      cpu: suite.cpu,
      memoryLimitMiB: suite.memoryLimitMiB,
      ephemeralStorageGiB: suite.ephemeralStorageGiB,
      runtimePlatform: {
        cpuArchitecture: suite.cpuArchitecture,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
      executionRole,
    });
    definition.addContainer(CONTAINER_NAME, {
      image: suite.image,
      command: suite.command,
      essential: true,
      secrets: suite.secrets,
      logging: ecs.LogDrivers.awsLogs({ logGroup: props.logGroup, streamPrefix: suite.name }),
    });
    // A suite's tests may write reports below their own suite's prefix of any run, and nowhere else.
    grantWriteRunFiles({
      bucket,
      grantee: definition.taskRole,
      keys: [`${RESULTS_LAYOUT.runPrefix('*')}${suite.name}/*`],
      multipart: true,
      reason: `The tests of suite ${suite.name} write their reports below RESULTS_PREFIX, `
        + `runs/<run>/${suite.name}/<shard>/<attempt>/, and the run is named only when it starts. Writes only, `
        + 'below this suite\'s prefix; its shard records are denied to it.',
    });
    // A policy's * spans slashes, so runs/*/<suite>/* also matches runs/<run>/_results/<suite>/<shard>.json, the
    // records that decide whether a shard passed. The tests may not forge them.
    definition.taskRole.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'DenyForgingShardRecords',
      effect: iam.Effect.DENY,
      actions: ['s3:PutObject'],
      resources: [bucket.arnForObjects(`${RESULTS_LAYOUT.shardResultsPrefix('*')}${suite.name}/*`)],
    }));
    definitions[suite.name] = definition;
  }
  acknowledgeImagePulls(executionRole);
  return definitions;
}

/**
 * ECR authorizes a pull with a token that ecr:GetAuthorizationToken hands out for the whole registry: that action
 * takes no resource but "*". The pull itself (ecr:BatchGetImage and the layer actions) names each repository.
 */
function acknowledgeImagePulls(executionRole: iam.Role) {
  const policy = executionRole.node.tryFindChild('DefaultPolicy') as iam.Policy | undefined;
  const registryLogin = policy && statementsOf(policy).some(statement => statement.Resource === '*'
    && ([] as unknown[]).concat(statement.Action).every(action => action === 'ecr:GetAuthorizationToken'));
  if (policy && registryLogin) {
    acknowledge(policy, `${IAM_WILDCARDS}[Resource::*]`, 'The ECS agent pulls suite images from Amazon ECR, which '
      + 'needs ecr:GetAuthorizationToken, an action that supports no resource but "*". The statement holds that '
      + 'action alone; the image pull itself is allowed on each image\'s repository only.');
  }
}
