/**
 * The construct on a VPC, a cluster and a security group that it did not create, as most accounts have them: the
 * cluster is imported by name, and the tasks run in public subnets with public IP addresses, without a NAT gateway.
 * The run selects one of two suites.
 *
 * It shows that the shards run in that cluster and subnet, that only the selected suite runs, and that the run
 * passes without notifying anyone.
 */
import { IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { ResilientParallelEcsTests } from '../src';
import { SandboxStack, shellSuite } from './support/sandbox';
import { inOrder, runOutput, TestRun } from './support/test-run';

const app = new App();
const stack = new SandboxStack(app, 'ResilientParallelEcsTests-ExistingVpcCluster');

// One public subnet keeps the network cheap and makes the subnet each task lands in predictable.
const vpc = new ec2.Vpc(stack, 'ExistingVpc', {
  maxAzs: 1,
  natGateways: 0,
  subnetConfiguration: [{ name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 }],
});
const existingCluster = new ecs.Cluster(stack, 'ExistingCluster', { vpc });
const securityGroup = new ec2.SecurityGroup(stack, 'ExistingTaskSecurityGroup', {
  vpc,
  description: 'Tasks of the existing-cluster integration test: outbound only',
  allowAllOutbound: true,
});

const tests = new ResilientParallelEcsTests(stack, 'Tests', {
  ...stack.sandboxProps(),
  cluster: ecs.Cluster.fromClusterAttributes(stack, 'ImportedCluster', {
    clusterName: existingCluster.clusterName,
    clusterArn: existingCluster.clusterArn,
    vpc,
  }),
  vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
  assignPublicIp: true,
  securityGroups: [securityGroup],
  testSuites: [
    shellSuite('selected', 'exit 0'),
    // Left out of the run: were it to run, it would fail the run.
    shellSuite('not-selected', 'exit 1'),
  ],
});

const integ = new IntegTest(app, 'ExistingVpcCluster', { testCases: [stack], stackUpdateWorkflow: false });
const run = new TestRun(integ, tests, stack.notifications, { testSuites: ['selected'] });
const lastTask = run.lastTaskOf(0);

inOrder(run.start,
  run.ended('SUCCEEDED', {
    output: runOutput({
      status: 'PASSED',
      counts: { total: 1, passed: 1, failed: 0, timedOut: 0, error: 0, cancelled: 0, flaky: 0 },
      shards: [{ suite: 'selected', shard: 1, status: 'PASSED', attempts: 1, exitCode: 0, flaky: false }],
    }),
  }),
  lastTask.read,
  run.task(lastTask.taskArn, {
    clusterArn: existingCluster.clusterArn,
    group: `tests:${run.runId}:selected:1`,
    attachments: Match.arrayWith([Match.objectLike({
      details: Match.arrayWith([{ name: 'subnetId', value: vpc.publicSubnets[0].subnetId }]),
    })]),
  }),
  run.notNotified(),
);
