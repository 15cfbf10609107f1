import { ENVIRONMENT, InputTransformer } from './synth';

/**
 * The notification a rule target would send: its input transformer, as synthesized, applied to a status-change
 * event of Step Functions.
 */

export interface ExecutionStatusChange {
  readonly stateMachineArn: string;
  readonly executionName: string;
  readonly status: string;
  readonly input: unknown;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  /**
   * Whether the event carries the execution's error and cause. The fact sheet (U8) cannot say: AWS's examples of
   * this event show neither, DescribeExecution has both.
   */
  readonly withCause: boolean;
}

const START_DATE = Date.UTC(2026, 11, 3, 9, 0, 0);
const STOP_DATE = START_DATE + 17 * 60 * 1000;

/** A "Step Functions Execution Status Change" event as EventBridge delivers it. */
export function executionStatusChangeEvent(change: ExecutionStatusChange): Record<string, unknown> {
  const stateMachineName = change.stateMachineArn.split(':').pop();
  const executionArn = `arn:${ENVIRONMENT.partition}:states:${ENVIRONMENT.region}:${ENVIRONMENT.account}:execution:`
    + `${stateMachineName}:${change.executionName}`;
  const ended = change.status !== 'RUNNING';
  return {
    'version': '0',
    'id': '315c1398-40ff-a850-213b-158f73e60175',
    'detail-type': 'Step Functions Execution Status Change',
    'source': 'aws.states',
    'account': ENVIRONMENT.account,
    'time': new Date(ended ? STOP_DATE : START_DATE).toISOString().replace('.000', ''),
    'region': ENVIRONMENT.region,
    'resources': [executionArn],
    'detail': {
      executionArn,
      stateMachineArn: change.stateMachineArn,
      name: change.executionName,
      status: change.status,
      startDate: START_DATE,
      stopDate: ended ? STOP_DATE : null,
      input: JSON.stringify(change.input),
      output: change.output === undefined ? null : JSON.stringify(change.output),
      inputDetails: { included: true },
      outputDetails: change.output === undefined ? null : { included: true },
      ...(change.withCause && change.error !== undefined ? { error: change.error } : {}),
      ...(change.withCause && change.cause !== undefined ? { cause: change.cause } : {}),
    },
  };
}

/**
 * Applies an input transformer to an event as EventBridge documents it. A template that is JSON (it starts with
 * `{`, `[` or `"`) stays JSON: a `<variable>` inside a JSON string takes the value escaped, elsewhere the value as
 * JSON. A template that is plain text takes each value as its text, without quotes ("<instance> is in state
 * <status>" in the InputTransformer API reference). A variable whose path is not in the event "isn't created and
 * won't appear in the output". The result is the message that the SNS topic publishes.
 */
export function renderInputTransformer(transformer: InputTransformer, event: Record<string, unknown>): string {
  const values = new Map<string, unknown>();
  for (const [name, jsonPath] of Object.entries(transformer.InputPathsMap)) {
    const value = valueAt(event, jsonPath);
    if (value !== undefined) {
      values.set(name, value);
    }
  }
  const template = transformer.InputTemplate;
  const isJson = /^\s*[[{"]/.test(template);
  let rendered = '';
  let inString = false;
  for (let i = 0; i < template.length; i++) {
    const char = template[i];
    if (char === '\\' && inString && isJson) {
      rendered += template.slice(i, i + 2);
      i++;
      continue;
    }
    if (char === '"' && isJson) {
      inString = !inString;
    }
    const placeholder = char === '<' ? /^<([A-Za-z0-9_.-]+)>/.exec(template.slice(i)) : null;
    if (placeholder && Object.hasOwn(transformer.InputPathsMap, placeholder[1])) {
      const value = values.get(placeholder[1]);
      if (value !== undefined) {
        const json = JSON.stringify(value);
        if (!isJson) {
          rendered += typeof value === 'string' ? value : json;
        } else {
          rendered += inString && typeof value === 'string' ? json.slice(1, -1) : json;
        }
      }
      i += placeholder[0].length - 1;
      continue;
    }
    rendered += char;
  }
  return rendered;
}

/** Reads `$.a.b-c[0]`, the path syntax EventBridge supports in an InputPathsMap. */
function valueAt(event: Record<string, unknown>, jsonPath: string): unknown {
  if (jsonPath === '$') {
    return event;
  }
  const steps = jsonPath.replace(/^\$\.?/, '').split(/\.|(?=\[)/).filter(step => step.length > 0);
  let current: unknown = event;
  for (const step of steps) {
    if (current === null || typeof current !== 'object') {
      return undefined;
    }
    const index = /^\[(\d+)\]$/.exec(step);
    current = index ? (current as unknown[])[Number(index[1])] : (current as Record<string, unknown>)[step];
  }
  return current;
}
