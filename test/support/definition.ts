import { Template } from 'aws-cdk-lib/assertions';

/** A state of an Amazon States Language definition, as far as the tests look into it. */
export interface AslState {
  readonly Type: string;
  readonly [field: string]: any;
}

/** An Amazon States Language definition, parsed. */
export interface AslDefinition {
  readonly StartAt: string;
  readonly States: Record<string, AslState>;
  readonly [field: string]: any;
}

/**
 * The definition of the only state machine in a template, parsed into an object. CloudFormation references inside it
 * become readable placeholders: `${Ref:LogicalId}`, `${GetAtt:LogicalId.Attribute}`, `${AWS::Partition}`; a
 * reference that stands for a whole value, such as a number from a parameter, becomes a placeholder string.
 */
export function stateMachineDefinition(template: Template): AslDefinition {
  return JSON.parse(definitionString(template));
}

/** The definition of the only state machine in a template, as the text Step Functions receives, with placeholders. */
export function definitionString(template: Template): string {
  const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
  if (machines.length !== 1) {
    throw new Error(`Expected one state machine in the template, found ${machines.length}.`);
  }
  return joinIntrinsic(machines[0].Properties.DefinitionString);
}

/** Every state of a definition by name, including the states inside Map item processors and Parallel branches. */
export function allStates(definition: { States: Record<string, AslState> }): Record<string, AslState> {
  const states: Record<string, AslState> = {};
  for (const [name, state] of Object.entries(definition.States)) {
    if (name in states) {
      throw new Error(`State name "${name}" appears twice in the definition.`);
    }
    states[name] = state;
    const nested = [state.ItemProcessor, state.Iterator, ...(state.Branches ?? [])].filter(Boolean);
    for (const machine of nested) {
      Object.assign(states, allStates(machine));
    }
  }
  return states;
}

function joinIntrinsic(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) {
    return placeholder(value);
  }
  const [separator, parts] = join;
  let text = '';
  for (const [index, part] of parts.entries()) {
    text += index > 0 ? separator : '';
    // A token inside a JSON string becomes part of the string; a token in a value's place (a number) becomes a string.
    text += typeof part === 'string' ? part : insideJsonString(text) ? joinIntrinsic(part) : `"${joinIntrinsic(part)}"`;
  }
  return text;
}

function insideJsonString(text: string): boolean {
  let inside = false;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') {
      i++;
    } else if (text[i] === '"') {
      inside = !inside;
    }
  }
  return inside;
}

function placeholder(token: unknown): string {
  const intrinsic = token as { 'Ref'?: string; 'Fn::GetAtt'?: [string, string] };
  if (intrinsic.Ref !== undefined) {
    return intrinsic.Ref.startsWith('AWS::') ? `\${${intrinsic.Ref}}` : `\${Ref:${intrinsic.Ref}}`;
  }
  if (intrinsic['Fn::GetAtt'] !== undefined) {
    return `\${GetAtt:${intrinsic['Fn::GetAtt'].join('.')}}`;
  }
  throw new Error(`Cannot render ${JSON.stringify(token)} inside a state machine definition.`);
}
