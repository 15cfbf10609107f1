import { CfnResource, NestedStack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { build, newStack, suite } from './fixtures';
import { TestSuite } from '../../src';

/** The state machine's definition exactly as the template holds it: text and CloudFormation references. */
function rawDefinition(testSuites: TestSuite[]): string {
  const stack = newStack();
  build({ testSuites }, stack);
  const [machine] = Object.values(Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine'));
  return JSON.stringify(machine.Properties.DefinitionString);
}

/** Resources that have nothing to do with the construct, to fill a stack. */
function fill(scope: ConstructScope, count: number) {
  for (let i = 0; i < count; i++) {
    new CfnResource(scope, `Filler${i}`, { type: 'AWS::CloudFormation::WaitConditionHandle' });
  }
}
type ConstructScope = ConstructorParameters<typeof CfnResource>[0];

const TOO_MANY = (count: number) => new RegExp(`\\[TestStack/Tests\\] Stack TestStack would have ${count} resources, `
  + 'more than the 500 CloudFormation allows\\. Split the test suites across stacks, or across several '
  + 'ResilientParallelEcsTests in different stacks\\.');

describe('the definition does not grow with the number of shards', () => {
  test('1 shard and 10,000 shards give the same definition but for the shard count', () => {
    // GIVEN
    const suites = (shards: number) => [suite('unit', { shards })];

    // WHEN
    const one = rawDefinition(suites(1));
    const tenThousand = rawDefinition(suites(10_000));

    // THEN: the count appears in the catalogue and in the plan step's input, and nowhere else
    const occurrences = tenThousand.split('10000').length - 1;
    expect(occurrences).toBe(2);
    expect(tenThousand.length - one.length).toBe(occurrences * ('10000'.length - '1'.length));
    expect(tenThousand.replace(/\\"shards\\":10000/g, '\\"shards\\":1')).toBe(one);
  });
});

describe('the CloudFormation resource limit', () => {
  test('a stack over 500 resources fails synthesis with a message that says how many and what to do', () => {
    // GIVEN: three resources per suite (task definition, task role, its policy) on top of the shared ones
    const stack = newStack();
    build({ testSuites: Array.from({ length: 300 }, (_, i) => suite(`suite-${i}`)) }, stack);

    // THEN
    expect(() => Template.fromStack(stack)).toThrow(TOO_MANY(956));
  });

  test('140 suites fit: 476 resources', () => {
    // GIVEN
    const stack = newStack();
    build({ testSuites: Array.from({ length: 140 }, (_, i) => suite(`suite-${i}`)) }, stack);

    // WHEN
    const template = Template.fromStack(stack);

    // THEN
    expect(Object.keys(template.toJSON().Resources)).toHaveLength(476);
  });

  test('counts every resource of the stack, not only the construct\'s own', () => {
    // GIVEN: the construct takes 57 resources with one suite
    const stack = newStack();
    build({}, stack);
    fill(stack, 444);

    // THEN
    expect(() => Template.fromStack(stack)).toThrow(TOO_MANY(501));
  });

  test('exactly 500 resources are allowed', () => {
    // GIVEN
    const stack = newStack();
    build({}, stack);
    fill(stack, 443);

    // THEN
    expect(Object.keys(Template.fromStack(stack).toJSON().Resources)).toHaveLength(500);
  });

  test('does not count the resources of a nested stack, which has its own limit', () => {
    // GIVEN
    const stack = newStack();
    build({}, stack);
    fill(new NestedStack(stack, 'Nested'), 460);

    // WHEN
    const template = Template.fromStack(stack);

    // THEN: the construct's 57 and the nested stack itself
    expect(Object.keys(template.toJSON().Resources)).toHaveLength(58);
  });
});
