import { Json, InterpreterEvent, isExecutionError, localStateMachine, TaskHandler } from './local-stepfunctions';
import { MemoryResultsStore } from './memory-results-store';
import { executionStatusChangeEvent, renderInputTransformer } from './notification';
import { RunTaskRequest, SimulatedEcs, TaskScript, UnconfirmedBehaviour } from './simulated-ecs';
import { AslDefinition, AslState, ENVIRONMENT, synthesizeTests, SynthesizedWorkflow } from './synth';
import { VirtualClock } from './virtual-clock';
import { ResilientParallelEcsTestsProps } from '../../src';
import { PlanEvent, RESULTS_LAYOUT, RunSummary, ShardResult, SummaryEvent, SweepEvent } from '../../src/runtime/contract';
import { planRun } from '../../src/runtime/run-plan';
import { summarizeRun } from '../../src/runtime/run-summary';
import { sweepRun } from '../../src/runtime/sweep-tasks';

/** Step Functions fails a state whose input or output is larger than this (256 KiB of UTF-8). */
export const PAYLOAD_LIMIT_BYTES = 256 * 1024;
/** Step Functions fails a Standard execution whose history would grow past this many events. */
export const HISTORY_LIMIT_EVENTS = 25_000;

/** What happens in one simulated run. */
export interface Scenario {
  /** The execution input. */
  readonly input?: Json;
  /** What each shard's task does per attempt; unscripted shards pass. */
  readonly tasks?: TaskScript;
  /** Which shape each UNCONFIRMED fact takes; the likely one where not given. */
  readonly behaviour?: Partial<UnconfirmedBehaviour>;
  /** The execution name, which is the run's ID. */
  readonly runId?: string;
  /** How many tasks the simulated ListTasks returns per page at most. */
  readonly listPageSize?: number;
  /**
   * Plays the run in simulated time: Wait states and retry intervals last as long as the definition says, each
   * task runs for `taskSeconds`, and RunTask draws on Fargate's launch rate. Without a clock, every wait is
   * skipped and tasks run for a few turns of the event loop.
   */
  readonly clock?: VirtualClock;
  /** With `clock`: how long each task takes from RunTask to its stop, in simulated seconds. */
  readonly taskSeconds?: (request: RunTaskRequest) => number;
}

/** A wait that the workflow computed before retrying a shard. */
export interface RetryWait {
  readonly shard: string;
  /** The attempt the wait comes before. */
  readonly beforeAttempt: number;
  readonly seconds: number;
}

export interface SimulatedRun {
  readonly status: 'SUCCEEDED' | 'FAILED';
  /** The execution's output when it succeeded. */
  readonly output?: Json;
  readonly error?: string;
  readonly cause?: string;
  /** The run's report as the summary step stored it; undefined if the run never got that far. */
  readonly summary?: RunSummary;
  /** Each recorded shard's result, keyed `suite/shard`. */
  readonly shardResults: Record<string, ShardResult>;
  /** How many attempts each shard made (the TEST_ATTEMPT values its RunTask calls carried), keyed `suite/shard`. */
  readonly attempts: Record<string, number>;
  /** Every RunTask call, a repeated one included. */
  readonly runTaskRequests: readonly RunTaskRequest[];
  readonly waits: readonly RetryWait[];
  /** The most test tasks that ran at one time. */
  readonly peakConcurrency: number;
  readonly ecs: SimulatedEcs;
  readonly store: MemoryResultsStore;
  readonly history: HistoryMeasure;
  readonly notification: Notification;
}

export interface HistoryMeasure {
  /** Estimated history events of the run's own execution. */
  readonly runEvents: number;
  /** Estimated history events of each shard's child execution, in the order the Distributed Map started them. */
  readonly shardEvents: readonly number[];
  /** The largest input or output of any state, in bytes, and which state it was. */
  readonly largestPayload: { readonly bytes: number; readonly state: string };
  /** State transitions of the run and its child executions together, retries included, as Step Functions bills them. */
  readonly transitions: number;
}

export interface Notification {
  /** Whether the rule's status list includes the run's final status. */
  readonly sent: boolean;
  /** The message as rendered from an event that carries the execution's error and cause. */
  readonly withCause: string;
  /** The message as rendered from an event that carries neither (U8). */
  readonly withoutCause: string;
}

/**
 * Runs one test run, offline: the state machine as synthesized, in the corrected interpreter, with a simulated
 * Fargate for the tasks, the plan and summary functions' own logic for the Lambda states, and an in-memory results
 * bucket. Fails (throws) if the run breaks a Step Functions quota: a state payload over 256 KiB, or an execution
 * history over 25,000 events.
 */
export async function simulateRun(source: SynthesizedWorkflow | ResilientParallelEcsTestsProps, scenario: Scenario = {}): Promise<SimulatedRun> {
  const workflow = 'definition' in source ? source : synthesizeTests(source);
  const runId = scenario.runId ?? 'run-1';
  const store = new MemoryResultsStore();
  const ecs = new SimulatedEcs({
    script: scenario.tasks,
    behaviour: scenario.behaviour,
    listPageSize: scenario.listPageSize,
    clock: scenario.clock,
    taskSeconds: scenario.taskSeconds,
  });
  const states = new StateIndex(workflow.definition);
  const meter = new HistoryMeter(states);
  const waits: RetryWait[] = [];

  const handlers: Record<string, TaskHandler> = {
    ...ecs.handlers(),
    'Plan run': asLambda(event => planRun(event as unknown as PlanEvent, store)),
    'Summarize run': asLambda(event => summarizeRun(event as unknown as SummaryEvent, store)),
    'Stop leftover tasks': asLambda(event => sweepRun(event as unknown as SweepEvent, ecs.taskControl())),
    'Save shard result': async parameters => {
      const { Key, Body, ContentType } = parameters as Record<string, string>;
      await store.put(Key, Body, ContentType);
      return { ETag: '"d41d8cd98f00b204e9800998ecf8427e"' };
    },
  };
  // Step Functions holds a Task state's input after its Parameters to the same limit as any payload.
  for (const [name, handler] of Object.entries(handlers)) {
    handlers[name] = (parameters, abortSignal) => {
      meter.recordTaskInput(name, parameters);
      return handler(parameters, abortSignal);
    };
  }
  const stateMachineName = workflow.stateMachineArn.split(':').pop()!;
  // On a simulated clock, waits take their time; otherwise they are skipped.
  const skipWaits = scenario.clock ? {} : {
    waitTimeOverrides: Object.fromEntries(states.named('Wait').map(name => [name, 0])),
    retryIntervalOverrides: Object.fromEntries(states.withRetry().map(name => [name, 0])),
  };
  const play = async (): Promise<Pick<SimulatedRun, 'status' | 'output' | 'error' | 'cause'>> => {
    const execution = localStateMachine(workflow.definition).run(scenario.input ?? {}, {
      overrides: {
        taskResourceLocalHandlers: handlers,
        ...skipWaits,
      },
      context: {
        Execution: {
          Id: `arn:${ENVIRONMENT.partition}:states:${ENVIRONMENT.region}:${ENVIRONMENT.account}:execution:${stateMachineName}:${runId}`,
          Name: runId,
          RoleArn: `arn:${ENVIRONMENT.partition}:iam::${ENVIRONMENT.account}:role/${stateMachineName}-role`,
          StartTime: '2026-12-03T09:00:00.000Z',
        },
        StateMachine: { Id: workflow.stateMachineArn, Name: stateMachineName },
      },
    });

    const recorded = (async () => {
      for await (const event of execution.eventLogs) {
        meter.record(event);
        if (meter.exceeded) {
          execution.abort();
        }
        if (event.type === 'StateEntered' && event.state?.name === 'Back off') {
          const input = event.state.input as { suite: { name: string }; shard: number; attempt: { number: number; waitSeconds: number } };
          waits.push({ shard: `${input.suite.name}/${input.shard}`, beforeAttempt: input.attempt.number, seconds: input.attempt.waitSeconds });
        }
      }
    })();

    let ending: Pick<SimulatedRun, 'status' | 'output' | 'error' | 'cause'>;
    try {
      ending = { status: 'SUCCEEDED', output: await execution.result };
    } catch (failure) {
      if (!isExecutionError(failure)) {
        throw meter.exceeded ? new Error(meter.exceeded) : failure;
      }
      ending = { status: 'FAILED', error: failure.cause.name, cause: failure.cause.message };
    }
    await recorded;
    if (meter.exceeded) {
      throw new Error(meter.exceeded);
    }
    return ending;
  };
  const ending = scenario.clock ? await scenario.clock.run(play) : await play();

  const summaryBody = await store.get(RESULTS_LAYOUT.summaryKey(runId));
  const shardResults: Record<string, ShardResult> = {};
  for (const key of await store.list(RESULTS_LAYOUT.shardResultsPrefix(runId))) {
    const result = JSON.parse((await store.get(key))!) as ShardResult;
    shardResults[`${result.suite}/${result.shard}`] = result;
  }
  // An attempt may take several RunTask calls when the state itself repeats a throttled one; it counts once.
  const attemptNumbers = new Map<string, Set<number>>();
  for (const request of ecs.runTaskRequests) {
    const shard = `${request.suite}/${request.shard}`;
    attemptNumbers.set(shard, (attemptNumbers.get(shard) ?? new Set()).add(request.attempt));
  }
  const attempts = Object.fromEntries([...attemptNumbers].map(([shard, numbers]) => [shard, numbers.size]));

  return {
    ...ending,
    summary: summaryBody === undefined ? undefined : JSON.parse(summaryBody),
    shardResults,
    attempts,
    runTaskRequests: ecs.runTaskRequests,
    waits,
    peakConcurrency: ecs.peakRunning,
    ecs,
    store,
    history: meter.result(),
    notification: notify(workflow, runId, scenario.input ?? {}, ending),
  };
}

/** The message the notification rule would send for the run's final status-change event, with and without a cause. */
function notify(workflow: SynthesizedWorkflow, runId: string, input: Json, ending: Pick<SimulatedRun, 'status' | 'output' | 'error' | 'cause'>): Notification {
  const change = {
    stateMachineArn: workflow.stateMachineArn,
    executionName: runId,
    status: ending.status,
    input,
    output: ending.output,
    error: ending.error,
    cause: ending.cause,
  };
  const { inputTransformer, eventPattern } = workflow.notificationRule;
  const statuses = (eventPattern.detail as { status?: string[] } | undefined)?.status ?? [];
  return {
    sent: statuses.includes(ending.status),
    withCause: renderInputTransformer(inputTransformer, executionStatusChangeEvent({ ...change, withCause: true })),
    withoutCause: renderInputTransformer(inputTransformer, executionStatusChangeEvent({ ...change, withCause: false })),
  };
}

/**
 * A local stand-in for a Lambda function behind a Task state: an error it throws reaches Step Functions as Lambda
 * reports it, named by its type, with the JSON error document as its cause.
 */
function asLambda(handler: (event: Record<string, Json>) => Promise<unknown>): TaskHandler {
  return async parameters => {
    try {
      return JSON.parse(JSON.stringify(await handler(parameters as Record<string, Json>))) as Json;
    } catch (thrown) {
      const error = thrown instanceof Error ? thrown : new Error(String(thrown));
      const reported = new Error(JSON.stringify({
        errorType: error.name,
        errorMessage: error.message,
        trace: [`${error.name}: ${error.message.split('\n')[0]}`],
      }));
      reported.name = error.name;
      throw reported;
    }
  };
}

/** What the simulation needs to know about each state of the definition, nested ones included. */
class StateIndex {
  private readonly states = new Map<string, AslState>();
  /** Distributed Map states: their iterations are child executions, with histories of their own. */
  public readonly distributedMaps = new Set<string>();
  /** The first state of each inline Map's iterations: entering it is one iteration. */
  public readonly inlineIterationStarts = new Set<string>();

  constructor(definition: AslDefinition) {
    this.add(definition, true);
  }

  public get(name: string): AslState | undefined {
    return this.states.get(name);
  }

  public named(type: string): string[] {
    return [...this.states].filter(([, state]) => state.Type === type).map(([name]) => name);
  }

  public withRetry(): string[] {
    return [...this.states].filter(([, state]) => state.Retry !== undefined).map(([name]) => name);
  }

  private add(definition: AslDefinition, topLevel: boolean) {
    for (const [name, state] of Object.entries(definition.States)) {
      if (this.states.has(name)) {
        throw new Error(`The definition has two states named "${name}"; the simulation keys handlers by name.`);
      }
      this.states.set(name, state);
      const processor = state.ItemProcessor ?? (state.Iterator as AslState['ItemProcessor']);
      if (state.Type === 'Map' && processor) {
        if (processor.ProcessorConfig?.Mode === 'DISTRIBUTED') {
          this.distributedMaps.add(name);
        } else {
          if (topLevel) {
            // Its iterations would carry item indexes just as child executions do, and be counted as children.
            throw new Error(`The run has an inline Map state "${name}"; the simulation only tells child executions apart in a run whose Maps are distributed.`);
          }
          this.inlineIterationStarts.add(processor.StartAt);
        }
        this.add(processor, false);
      }
    }
  }
}

/**
 * Estimates the history that Step Functions would record for the run and for each child execution, from the events
 * the interpreter reports, and measures every state's input and output. The estimate counts the event kinds AWS
 * records per state type: two for entering and leaving any state, three more per attempt of a Task (scheduled,
 * started, and succeeded or failed), one more per attempt of a `.sync` Task (submitted), two for a Map's start and
 * end, two per inline iteration, and two for an execution's start and end.
 */
class HistoryMeter {
  /** Set to the reason when the run breaks a quota. */
  public exceeded?: string;
  private runEvents = 2;
  private readonly shardEvents: number[] = [];
  private readonly lastOutputs = new Map<number, Json>();
  private largest = { bytes: 0, state: '' };
  private transitions = 0;

  constructor(private readonly states: StateIndex) {}

  public record(event: InterpreterEvent) {
    if (event.type === 'StateEntered' || event.type === 'StateRetried') {
      this.transitions++;
    }
    const isMapIteration = event.type.startsWith('MapIteration');
    if (isMapIteration && !this.states.distributedMaps.has(event.parentState?.name ?? '')) {
      // An inline Map's iteration inside a child: counted when its first state is entered, where the child is known.
      return;
    }
    const events = isMapIteration ? 1 : this.eventsFor(event.type, event.state?.name);
    const total = event.index === undefined
      ? (this.runEvents += events)
      : (this.shardEvents[event.index] = (this.shardEvents[event.index] ?? 0) + events);
    if (total > HISTORY_LIMIT_EVENTS) {
      this.exceeded ??= `An execution of the run would record about ${total} history events, more than the `
        + `${HISTORY_LIMIT_EVENTS} Step Functions allows.`;
    }

    if (event.type === 'StateEntered' && event.state) {
      this.check(event.state.name, 'input', event.state.input);
    }
    if (event.type === 'StateExited' && event.state) {
      this.check(event.state.name, 'output', event.state.output ?? null);
      if (event.index !== undefined) {
        this.lastOutputs.set(event.index, event.state.output ?? null);
      } else if (this.states.distributedMaps.has(event.state.name)) {
        // The Map's own result is the array of its children's outputs, before its ResultPath applies.
        this.check(event.state.name, 'result', [...this.lastOutputs.values()]);
        this.lastOutputs.clear();
      }
    }
  }

  /** What a Task state sends to its resource: its input after Parameters. */
  public recordTaskInput(name: string, parameters: Json) {
    this.check(name, 'input after Parameters', parameters);
  }

  public result(): HistoryMeasure {
    return {
      runEvents: this.runEvents,
      shardEvents: Array.from(this.shardEvents, n => n ?? 0),
      largestPayload: this.largest,
      transitions: this.transitions,
    };
  }

  private check(name: string, what: string, value: Json) {
    const bytes = Buffer.byteLength(JSON.stringify(value), 'utf8');
    if (bytes > this.largest.bytes) {
      this.largest = { bytes, state: name };
    }
    if (bytes > PAYLOAD_LIMIT_BYTES) {
      this.exceeded ??= `The ${what} of the state "${name}" is ${bytes} bytes, more than the ${PAYLOAD_LIMIT_BYTES} `
        + 'Step Functions allows (States.DataLimitExceeded).';
    }
  }

  private eventsFor(type: string, name: string | undefined): number {
    const state = name === undefined ? undefined : this.states.get(name);
    const attempt = state?.Type === 'Task' ? 3 + (state.Resource?.endsWith('.sync') ? 1 : 0) : 0;
    const map = state?.Type === 'Map' ? 1 : 0;
    switch (type) {
      case 'StateEntered':
        return 1 + attempt + map + (this.states.inlineIterationStarts.has(name!) ? 2 : 0);
      case 'StateExited':
        return 1 + map;
      case 'StateRetried':
        return attempt;
      case 'StateFailed':
        return map;
      case 'StateCaught':
        return 1;
      default:
        return 0;
    }
  }
}
