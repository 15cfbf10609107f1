import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

/**
 * Small helpers for writing JSONPath-mode payload templates, where a key ending in `.$` takes a path or an intrinsic
 * function and any other key takes a literal.
 */

/** A value read at run time: a JSONPath (`$.a.b`, `$$.Map.Item.Value`) or an intrinsic function (`States.Format(…)`). */
export class Dynamic {
  constructor(public readonly expression: string) {}
}

export const path = (expression: string) => new Dynamic(expression);
export const intrinsic = (expression: string) => new Dynamic(expression);

export type TemplateValue = Dynamic | string | number | boolean | null | TemplateValue[] | { [key: string]: TemplateValue };

/** Renders `{ a: path('$.x'), b: 1 }` as `{ "a.$": "$.x", "b": 1 }`, recursively. */
export function template(fields: { [key: string]: TemplateValue }): { [key: string]: unknown } {
  const rendered: { [key: string]: unknown } = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value instanceof Dynamic) {
      rendered[`${key}.$`] = value.expression;
    } else {
      rendered[key] = renderValue(value);
    }
  }
  return rendered;
}

function renderValue(value: TemplateValue): unknown {
  if (Array.isArray(value)) {
    return value.map(renderValue);
  }
  if (value !== null && typeof value === 'object' && !(value instanceof Dynamic)) {
    return template(value);
  }
  return value;
}

/**
 * Quotes a literal for an intrinsic function's argument list. Step Functions wants `' { } \\` escaped there, and
 * not every interpreter unescapes them, so the workflow only ever quotes text that has none of them.
 */
export function literal(text: string): string {
  if (/[\\'{}]/.test(text)) {
    throw new Error(`Cannot quote ${JSON.stringify(text)} for an intrinsic function: it has ' { } or \\.`);
  }
  return `'${text}'`;
}

/**
 * A Pass state whose parameters are rendered exactly as written. aws-cdk-lib's own Pass state drops `null`
 * values from its parameters, and the workflow relies on them: a shard with no exit code has `exitCode: null`.
 */
export function passState(scope: Construct, id: string, props: {
  parameters: { [key: string]: TemplateValue };
  resultPath?: string;
}): sfn.CustomState {
  return new sfn.CustomState(scope, id, {
    stateJson: {
      Type: 'Pass',
      Parameters: template(props.parameters),
      ...(props.resultPath ? { ResultPath: props.resultPath } : {}),
    },
  });
}
