import { CfnResource, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { ResolvedTestSuite } from './test-suite';

/** CloudFormation refuses a stack with more resources than this. */
const CLOUDFORMATION_RESOURCE_LIMIT = 500;
/**
 * CloudFormation refuses a template larger than this many bytes ("Template may not exceed 1000000 bytes in size");
 * aws-cdk-lib only warns. The state machine's definition is part of the template, so its own limit of 1 MB is
 * never the first one reached.
 */
const CLOUDFORMATION_TEMPLATE_LIMIT = 1_000_000;
/**
 * Measuring the template means rendering it, which takes about a third as long as the synth itself, so it is
 * measured only when an estimate says it could pass half the limit: 2 KB per resource (twice what this
 * construct's take on average) and what the suites' environments, commands and secrets add.
 */
const TEMPLATE_ESTIMATE = { bytesPerResource: 2_000, bytesPerSecret: 1_000, measureAbove: CLOUDFORMATION_TEMPLATE_LIMIT / 2 };
/** What the stack synthesizer adds to the template after validation: the bootstrap version check takes 0.8 KB. */
const SYNTHESIZER_ADDITIONS_BYTES = 4_000;

/**
 * Why CloudFormation would refuse the stack that holds `scope`, as validation errors: more resources than it allows,
 * or a larger template. Every suite adds resources, and its environment, command and secrets add to the template.
 */
export function checkStackSize(scope: IConstruct, suites: ResolvedTestSuite[]): string[] {
  const stack = Stack.of(scope);
  // A nested stack's resources live in its own template, under its own limit.
  const resources = stack.node.findAll().filter(construct => CfnResource.isCfnResource(construct)
    && Stack.of(construct) === stack).length;
  if (resources > CLOUDFORMATION_RESOURCE_LIMIT) {
    return [`Stack ${stack.stackName} would have ${resources} resources, more than the `
      + `${CLOUDFORMATION_RESOURCE_LIMIT} CloudFormation allows. Split the test suites across stacks, or across `
      + 'several ResilientParallelEcsTests in different stacks.'];
  }
  const estimate = resources * TEMPLATE_ESTIMATE.bytesPerResource + suites.reduce((sum, suite) => sum
    + 2 * jsonBytes(suite.environment) + jsonBytes(suite.command ?? [])
    + TEMPLATE_ESTIMATE.bytesPerSecret * Object.keys(suite.secrets).length, 0);
  const rendered = estimate > TEMPLATE_ESTIMATE.measureAbove ? templateBytes(stack) : undefined;
  const bytes = rendered === undefined ? undefined : rendered + SYNTHESIZER_ADDITIONS_BYTES;
  if (bytes !== undefined && bytes > CLOUDFORMATION_TEMPLATE_LIMIT) {
    return [`Stack ${stack.stackName} would have a template of about ${bytes} bytes, more than the `
      + `${CLOUDFORMATION_TEMPLATE_LIMIT} CloudFormation allows. Split the test suites across stacks, or shorten `
      + 'their environments, commands and secrets.'];
  }
  return [];
}

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/**
 * The template's size as the synth will write it: rendered the way aws-cdk-lib renders it (its internal
 * `_toCloudFormation`, as JSON indented by one space unless the stack suppresses indentation). Undefined if a
 * future aws-cdk-lib no longer renders templates that way; its own warning about the size then remains.
 */
function templateBytes(stack: Stack): number | undefined {
  const internals = stack as unknown as { _toCloudFormation?: () => unknown; _suppressTemplateIndentation?: boolean };
  if (typeof internals._toCloudFormation !== 'function') {
    return undefined;
  }
  const indentation = internals._suppressTemplateIndentation ? undefined : 1;
  return Buffer.byteLength(JSON.stringify(internals._toCloudFormation(), undefined, indentation), 'utf8');
}
