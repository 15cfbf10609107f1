import { App, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { ResilientParallelEcsTests, TestSuite } from '../../src';
import { CfnTemplate } from '../support/synth';

/** The most suites one construct takes with its defaults; the README's limitations section states this number. */
const LARGEST_SUPPORTED_SUITES = 148;

const IMAGE = ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:22-alpine');

function suites(count: number, options: Partial<TestSuite> = {}): TestSuite[] {
  return Array.from({ length: count }, (_, i) => ({ name: `suite-${i + 1}`, image: IMAGE, ...options }));
}

/** Synthesizes a stack with one construct, as `cdk synth` would, and returns its template. */
function synth(testSuites: (stack: Stack) => TestSuite[]): CfnTemplate {
  const app = new App();
  const stack = new Stack(app, 'Tests', { env: { account: '123456789012', region: 'us-east-1' } });
  new ResilientParallelEcsTests(stack, 'Tests', { testSuites: testSuites(stack) });
  return app.synth().getStackByName('Tests').template as CfnTemplate;
}

function countOf(template: CfnTemplate, type?: string): number {
  return Object.values(template.Resources).filter(resource => type === undefined || resource.Type === type).length;
}

describe('resources grow with the number of suites, and only with it', () => {
  test('three resources per suite (task definition, task role, its policy) over a fixed base', () => {
    // GIVEN / WHEN
    const counts = [1, 10, 50, 100].map(n => {
      const template = synth(() => suites(n));
      // The state machine's role lists every suite's task definition and role; past a size IAM takes inline, CDK
      // moves the overflow into managed policies of their own.
      return { n, resources: countOf(template), overflow: countOf(template, 'AWS::IAM::ManagedPolicy') };
    });

    // THEN
    const base = counts[0].resources - counts[0].overflow - 3;
    for (const { n, resources, overflow } of counts) {
      expect(resources - overflow).toBe(base + 3 * n);
      expect(overflow).toBeLessThanOrEqual(2);
    }
  });

  test('the number of shards adds no resource', () => {
    // GIVEN / WHEN
    const one = synth(() => suites(10, { shards: 1 }));
    const many = synth(() => suites(10, { shards: 1_000 }));

    // THEN
    expect(Object.keys(many.Resources)).toEqual(Object.keys(one.Resources));
  });
});

describe('synth stops before CloudFormation would refuse the stack', () => {
  test(`${LARGEST_SUPPORTED_SUITES} suites fit in exactly 500 resources`, () => {
    // WHEN
    const template = synth(() => suites(LARGEST_SUPPORTED_SUITES));

    // THEN
    expect(countOf(template)).toBe(500);
  });

  test(`${LARGEST_SUPPORTED_SUITES + 1} suites are refused, with the count and what to do`, () => {
    expect(() => synth(() => suites(LARGEST_SUPPORTED_SUITES + 1))).toThrow(
      /\[Tests\/Tests\] Stack Tests would have 503 resources, more than the 500 CloudFormation allows\. Split the test suites across stacks/);
  });

  test('a template over 1 MB is refused, though its resources are well under 500', () => {
    // GIVEN: long commands, which go into every task definition
    const longCommand = ['sh', '-c', `${'echo preparing && '.repeat(400)}npm test`];

    // THEN
    expect(() => synth(() => suites(120, { command: longCommand }))).toThrow(
      /Stack Tests would have a template of about \d{7} bytes, more than the 1000000 CloudFormation allows\. Split the test suites across stacks, or shorten their environments, commands and secrets\./);
  });

  test('secrets count towards the template size', () => {
    // GIVEN: twenty secrets per suite, each in the task definition and in the execution role's policy
    const secrets = (stack: Stack) => Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`SECRET_${i}`,
      ecs.Secret.fromSsmParameter(ssm.StringParameter.fromSecureStringParameterAttributes(stack, `Secret${i}`, {
        parameterName: `/tests/secret-${i}`,
      }))]));

    // THEN
    expect(() => synth(stack => suites(140, { secrets: secrets(stack) }))).toThrow(/would have a template of about \d{7} bytes/);
  });

  test('a template just under 1 MB is accepted', () => {
    // GIVEN: commands that bring 140 suites close to the limit
    const command = ['sh', '-c', `${'echo preparing && '.repeat(180)}npm test`];

    // WHEN
    const template = synth(() => suites(140, { command }));

    // THEN
    const bytes = Buffer.byteLength(JSON.stringify(template, undefined, 1));
    expect(bytes).toBeGreaterThan(900_000);
    expect(bytes).toBeLessThanOrEqual(1_000_000);
  });

  test('suite environments too large for the plan step\'s payload are refused, with their size', () => {
    // GIVEN: 2,000 bytes of environment for each of 120 suites
    const environment = { SETTINGS: 'x'.repeat(2_000) };

    // THEN
    expect(() => new ResilientParallelEcsTests(new Stack(), 'Tests', { testSuites: suites(120, { environment }) })).toThrow(
      /testSuites have environments of 241800 bytes in all, as JSON; at most 196608 fit, because the plan step receives them in one Step Functions payload of at most 256 KiB/);
  });
});
