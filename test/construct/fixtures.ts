import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { ResilientParallelEcsTests, ResilientParallelEcsTestsProps, TestSuite } from '../../src';
import { allStates, AslDefinition, AslState, stateMachineDefinition } from '../support/definition';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const IMAGE = ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:stable');

/** A stack in a fixed account and Region, so that ARNs and Availability Zones are literal. */
export function newStack(id = 'TestStack'): Stack {
  return new Stack(new App(), id, { env: { account: ACCOUNT, region: REGION } });
}

export function suite(name: string, options: Omit<TestSuite, 'name' | 'image'> = {}): TestSuite {
  return { name, image: IMAGE, ...options };
}

export interface Synthesized {
  readonly stack: Stack;
  readonly tests: ResilientParallelEcsTests;
  readonly template: Template;
  readonly definition: AslDefinition;
  /** Every state of the definition by name, shard workflow included. */
  readonly states: Record<string, AslState>;
}

/** Builds the construct, by default with one suite named "unit", without synthesizing. */
export function build(props: Partial<ResilientParallelEcsTestsProps> = {}, stack = newStack()): ResilientParallelEcsTests {
  return new ResilientParallelEcsTests(stack, 'Tests', { testSuites: [suite('unit')], ...props });
}

/** Builds the construct, by default with one suite named "unit", and synthesizes its stack. */
export function synth(props: Partial<ResilientParallelEcsTestsProps> = {}, stack = newStack()): Synthesized {
  const tests = build(props, stack);
  const template = Template.fromStack(stack);
  const definition = stateMachineDefinition(template);
  return { stack, tests, template, definition, states: allStates(definition) };
}

/** The only resource of a type, or a failure that says how many there were. */
export function onlyResource(template: Template, type: string, props: object = {}): { logicalId: string; resource: any } {
  const found = Object.entries(template.findResources(type, props));
  if (found.length !== 1) {
    throw new Error(`Expected one ${type}, found ${found.length}.`);
  }
  return { logicalId: found[0][0], resource: found[0][1] };
}

/** The catalogue entry of a suite, as the definition carries it for the shard workflow. */
export function catalogueEntry(definition: AslDefinition, name: string): any {
  const suites = definition.States['Describe test suites'].Parameters.config.suites as Array<{ name: string }>;
  const entry = suites.find(candidate => candidate.name === name);
  if (!entry) {
    throw new Error(`No catalogue entry for ${name}.`);
  }
  return entry;
}

/** The statements of every IAM policy attached to a role, by the role's logical ID. */
export function statementsOfRole(template: Template, roleLogicalId: string): any[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter(policy => (policy.Properties.Roles as Array<{ Ref: string }>).some(role => role.Ref === roleLogicalId))
    .flatMap(policy => policy.Properties.PolicyDocument.Statement);
}
