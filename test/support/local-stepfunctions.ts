import * as fs from 'fs';
import * as path from 'path';
import './setup';

/**
 * aws-local-stepfunctions, the interpreter that the simulation runs the synthesized definition in, loaded with five
 * corrections that make it behave as AWS Step Functions does where this workflow depends on it.
 *
 * The package is pinned to one exact version and each correction replaces an exact piece of its bundled source.
 * If an upgrade changes that source, loading fails and names the correction, rather than letting the simulation
 * drift silently away from AWS.
 */

interface Correction {
  readonly why: string;
  readonly find: string;
  readonly replace: string;
}

const CORRECTIONS: readonly Correction[] = [
  {
    // AWS evaluates TimeoutSecondsPath as "a path in the state input" (aws-cdk's Timeout.at, the Amazon States
    // Language); the interpreter evaluates it against the state's evaluated Parameters, where the workflow's
    // $.suite.timeoutSeconds does not exist.
    why: 'TimeoutSecondsPath is read from the state input',
    find: 'const timeoutMs = this.getTimeoutMs(input, context);',
    replace: 'const timeoutMs = this.getTimeoutMs(options.stateInput, context);',
  },
  {
    why: 'TimeoutSecondsPath is read from the state input, and a local handler learns when its execution is aborted',
    find: 'await taskStateAction.execute(input, context, { overrideFn, awsConfig });',
    replace: 'await taskStateAction.execute(input, context, { overrideFn, awsConfig, stateInput: rawInput, abortSignal: options.abortSignal });',
  },
  {
    // Step Functions unescapes \' \{ \} and \\ inside the quoted literals of an intrinsic function; the interpreter
    // instead deleted every backslash from the result of every intrinsic function, which made the JSON that
    // States.JsonToString writes invalid as soon as a value held a quote.
    why: 'escapes are read in the literals of an intrinsic function, not deleted from its result',
    find: [
      '      return arg.slice(1, lastSingleQuote);',
      '    }',
      '    if (arg[0] === "$") {',
      '      return jsonPathQuery(arg, input, context);',
      '    }',
      '    return JSON.parse(arg);',
      '  });',
      '}',
      '',
      '// src/stateMachine/intrinsicFunctions/BaseIntrinsicFunction.ts',
      'var BaseIntrinsicFunction = class {',
      '  call(input, context, ...args) {',
      '    const parsedArgs = parseArguments(input, context, ...args);',
      '    validateArguments(this.funcDefinition, ...parsedArgs);',
      '    let result = this.execute(...parsedArgs);',
      '    if (typeof result === "string") {',
      '      result = result.replaceAll("\\\\", "");',
      '    }',
      '    return result;',
    ].join('\n'),
    replace: [
      '      return arg.slice(1, lastSingleQuote).replace(/\\\\(.)/g, "$1");',
      '    }',
      '    if (arg[0] === "$") {',
      '      return jsonPathQuery(arg, input, context);',
      '    }',
      '    return JSON.parse(arg);',
      '  });',
      '}',
      '',
      '// src/stateMachine/intrinsicFunctions/BaseIntrinsicFunction.ts',
      'var BaseIntrinsicFunction = class {',
      '  call(input, context, ...args) {',
      '    const parsedArgs = parseArguments(input, context, ...args);',
      '    validateArguments(this.funcDefinition, ...parsedArgs);',
      '    return this.execute(...parsedArgs);',
    ].join('\n'),
  },
  {
    // "ResultPath": "$" replaces the state's input with its result; the interpreter wrote the result into a field
    // named "$" instead.
    why: 'ResultPath "$" replaces the input with the result',
    find: [
      '  if (path === null) {',
      '    return rawInput;',
      '  }',
      '  const sanitizedPath = path.replace("$.", "");',
    ].join('\n'),
    replace: [
      '  if (path === null) {',
      '    return rawInput;',
      '  }',
      '  if (path === "$") {',
      '    return result;',
      '  }',
      '  const sanitizedPath = path.replace("$.", "");',
    ].join('\n'),
  },
  {
    // The handler of a simulated ECS task must know when Step Functions abandons the execution that waits for it,
    // because whether the task is then stopped is one of the behaviours the simulation varies.
    why: 'a local handler receives the abort signal of its execution',
    find: 'options.overrideFn(input)',
    replace: 'options.overrideFn(input, options.abortSignal)',
  },
  {
    // A Map whose iteration failed starts no further iterations, as in AWS; the interpreter kept starting the queued
    // ones in the background. And a Distributed Map whose child execution failed fails with
    // States.ExceedToleratedFailureThreshold (the default threshold is zero), not with the child's own error.
    why: 'a failed Map starts no more iterations, and a failed Distributed Map reports the tolerated-failure threshold',
    find: [
      '      (item, i) => limit(() => this.processItem(iteratorStateMachine, item, input, context, i, options))',
      '    );',
      '    try {',
      '      const result = await Promise.all(processedItemsPromise);',
      '      return this.buildExecutionResult(result);',
      '    } catch (error) {',
      '      this.executionAbortFuncs.forEach((abort) => abort());',
      '      if (error instanceof ExecutionError) {',
      '        throw error.cause;',
      '      }',
    ].join('\n'),
    replace: [
      '      (item, i) => limit(() => this.mapFailed ? null : this.processItem(iteratorStateMachine, item, input, context, i, options))',
      '    );',
      '    try {',
      '      const result = await Promise.all(processedItemsPromise);',
      '      return this.buildExecutionResult(result);',
      '    } catch (error) {',
      '      this.mapFailed = true;',
      '      this.executionAbortFuncs.forEach((abort) => abort());',
      '      if (error instanceof ExecutionError && state.ItemProcessor?.ProcessorConfig?.Mode === "DISTRIBUTED") {',
      '        const exceeded = new Error("The specified tolerated failure threshold was exceeded");',
      '        exceeded.name = "States.ExceedToleratedFailureThreshold";',
      '        throw exceeded;',
      '      }',
      '      if (error instanceof ExecutionError) {',
      '        throw error.cause;',
      '      }',
    ].join('\n'),
  },
];

/** A JSON value, as the interpreter passes it around. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A local stand-in for a Task state's resource: it receives the evaluated Parameters and its execution's abort signal. */
export type TaskHandler = (parameters: Json, abortSignal: AbortSignal) => Promise<Json>;

/** One entry of the interpreter's event log; only the fields the simulation reads are typed. */
export interface InterpreterEvent {
  readonly type: string;
  /** Set on events of a Map iteration: which item of the Map it belongs to. */
  readonly index?: number;
  readonly state?: { readonly name: string; readonly type: string; readonly input: Json; readonly output?: Json };
  readonly parentState?: { readonly name: string };
  readonly input?: Json;
  readonly output?: Json;
  readonly Error?: string;
  readonly Cause?: unknown;
}

export interface LocalExecution {
  readonly result: Promise<Json>;
  readonly eventLogs: AsyncIterable<InterpreterEvent>;
  abort(): void;
}

export interface LocalRunOptions {
  readonly overrides: {
    readonly taskResourceLocalHandlers: Record<string, TaskHandler>;
    readonly waitTimeOverrides?: Record<string, number>;
    readonly retryIntervalOverrides?: Record<string, number>;
  };
  readonly context: Record<string, unknown>;
}

export interface LocalStateMachine {
  run(input: Json, options: LocalRunOptions): LocalExecution;
}

/** The error an execution's result rejects with when the execution fails; `cause` is the error that failed it. */
export interface LocalExecutionError extends Error {
  readonly cause: { readonly name: string; readonly message: string };
}

interface InterpreterModule {
  StateMachine: new (definition: unknown, options: unknown) => LocalStateMachine;
  ExecutionError: new (...args: never[]) => LocalExecutionError;
}

/**
 * Writes the corrected bundle beside the original, so that it resolves its dependencies exactly as the original does,
 * and loads it with the ordinary require: under Jest that is Jest's loader, whose globals the test setup prepares.
 */
function loadCorrectedInterpreter(): InterpreterModule {
  const original = path.join(path.dirname(require.resolve('aws-local-stepfunctions')), 'main.node.cjs');
  let source = fs.readFileSync(original, 'utf8');
  for (const correction of CORRECTIONS) {
    const occurrences = source.split(correction.find).length - 1;
    if (occurrences !== 1) {
      throw new Error(`aws-local-stepfunctions could not be corrected so that ${correction.why}: the code to replace `
        + `occurs ${occurrences} times in ${original} instead of once. Its source has changed; check the correction in `
        + 'test/support/local-stepfunctions.ts against the new version.');
    }
    source = source.replace(correction.find, () => correction.replace);
  }
  const corrected = path.join(path.dirname(original), 'main.node.corrected-for-simulation.cjs');
  if (!fs.existsSync(corrected) || fs.readFileSync(corrected, 'utf8') !== source) {
    // Written under a name of its own first, so that parallel test workers never read half a file.
    const partial = `${corrected}.${process.pid}`;
    fs.writeFileSync(partial, source);
    fs.renameSync(partial, corrected);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(corrected) as InterpreterModule;
}

const interpreter = loadCorrectedInterpreter();

/**
 * Builds a state machine of the corrected interpreter. It does not validate the definition: the tests validate
 * every synthesized definition with asl-validator's current version, which this interpreter's bundled one is not.
 */
export function localStateMachine(definition: unknown): LocalStateMachine {
  return new interpreter.StateMachine(definition, { validationOptions: { noValidate: true } });
}

export function isExecutionError(error: unknown): error is LocalExecutionError {
  return error instanceof interpreter.ExecutionError;
}
