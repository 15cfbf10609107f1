import { Json, TaskHandler } from './local-stepfunctions';
import { ENVIRONMENT } from './synth';
import { VirtualClock } from './virtual-clock';
import { TEST_ENVIRONMENT } from '../../src/runtime/contract';
import { TaskControl } from '../../src/runtime/sweep-tasks';

/**
 * A simulated Amazon ECS on Fargate, answering the workflow's `ecs:runTask.sync` state and its ECS SDK calls
 * (listTasks, describeTasks, stopTask) the way the service and Step Functions' integration do, as far as
 * `shared/reference/sfn-ecs-facts.md` records them.
 *
 * What each shard's task does is scripted per attempt. Where that document marks a fact UNCONFIRMED, the
 * simulation can take each plausible shape (see `UnconfirmedBehaviour`), so that a test can show the workflow is
 * right whichever way AWS turns out to behave.
 */

/** What one attempt of a shard's task does. */
export type TaskOutcome =
  | { readonly kind: 'passes' }
  | { readonly kind: 'exits'; readonly exitCode: number }
  | { readonly kind: 'failsToStart'; readonly stoppedReason: string }
  | { readonly kind: 'findsNoCapacity' }
  | { readonly kind: 'ecsApiError'; readonly error: string; readonly message: string }
  | { readonly kind: 'isInterruptedBySpot' }
  | { readonly kind: 'hangs' };

/** The outcomes a script can give a task, named as a reader of a scenario would say them. */
export const task = {
  passes: (): TaskOutcome => ({ kind: 'passes' }),
  /** The tests ran and the container exited with this code. */
  exits: (exitCode: number): TaskOutcome => ({ kind: 'exits', exitCode }),
  failsToPullImage: (): TaskOutcome => ({
    kind: 'failsToStart',
    stoppedReason: 'CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref '
      + 'public.ecr.aws/docker/library/busybox:stable: unexpected status from HEAD request: 503 Service Unavailable',
  }),
  failsToInitialize: (): TaskOutcome => ({
    kind: 'failsToStart',
    stoppedReason: 'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval '
      + 'failed: unable to retrieve secret from asm: There is a connection issue between the task and AWS Secrets Manager.',
  }),
  /** RunTask answers with a failure instead of a task: Fargate had no capacity. */
  findsNoCapacity: (): TaskOutcome => ({ kind: 'findsNoCapacity' }),
  isThrottled: (): TaskOutcome => ({ kind: 'ecsApiError', error: 'ECS.ThrottlingException', message: 'Rate exceeded' }),
  hitsServerError: (): TaskOutcome => ({
    kind: 'ecsApiError', error: 'ECS.ServerException', message: 'Service Unavailable. Please try again later.',
  }),
  hitsEcsException: (): TaskOutcome => ({
    kind: 'ecsApiError', error: 'ECS.AmazonECSException', message: 'An internal error occurred. Please try again.',
  }),
  /** Throttling of a call ECS makes on the task's behalf, which reaches Step Functions as an invalid parameter. */
  isRateLimitedAsInvalidParameter: (): TaskOutcome => ({
    kind: 'ecsApiError',
    error: 'ECS.InvalidParameterException',
    message: 'Error retrieving security group information for [sg-0123456789abcdef0]: Request limit exceeded. '
      + '(Service: AmazonEC2; Status Code: 503; Error Code: RequestLimitExceeded): Rate exceeded',
  }),
  /** Reclaimed by Fargate Spot while running. On on-demand Fargate nothing interrupts it, and it passes. */
  isInterruptedBySpot: (): TaskOutcome => ({ kind: 'isInterruptedBySpot' }),
  /** Runs past its timeout: the Task state times out, whether or not the task is then stopped. */
  hangs: (): TaskOutcome => ({ kind: 'hangs' }),
};

/**
 * For each shard, keyed `suite/shard` (as `unit/3`), what its attempts do: the n-th outcome for attempt n, the last
 * outcome for every later attempt. A shard without a script passes.
 */
export type TaskScript = Record<string, readonly TaskOutcome[]>;

/** The shapes that UNCONFIRMED facts of the fact sheet may take. */
export interface UnconfirmedBehaviour {
  /**
   * U1: the Cause of `States.TaskFailed` when a task stops badly: the task description as JSON, or only the task's
   * stopped reason as text.
   */
  readonly failedTaskCause: 'taskJson' | 'stoppedReason';
  /**
   * U3: how a Spot interruption reaches Step Functions: the state fails with `States.TaskFailed` (the container
   * exited 143 after SIGTERM), or it succeeds with stop code `SpotInterruption` and the container's exit code 0
   * (the tests trapped SIGTERM) or 143.
   */
  readonly spotInterruption: 'taskFailed' | 'succeededWithExitCode0' | 'succeededWithExitCode143';
  /** U3: whether a task that never started (image pull, resource initialization) fails the state or succeeds it. */
  readonly failedToStart: 'taskFailed' | 'succeeded';
  /** U4: whether Step Functions stops the task of a `.sync` state that timed out or whose execution was aborted. */
  readonly stopsAbandonedTasks: boolean;
}

/** The shapes the fact sheet calls most likely. */
export const LIKELY_BEHAVIOUR: UnconfirmedBehaviour = {
  failedTaskCause: 'taskJson',
  spotInterruption: 'taskFailed',
  failedToStart: 'taskFailed',
  stopsAbandonedTasks: true,
};

/** One RunTask request as the workflow made it, with the parts tests look at picked out. */
export interface RunTaskRequest {
  readonly suite: string;
  readonly shard: number;
  readonly attempt: number;
  readonly group: string;
  /** The name of the container the request overrides. */
  readonly container: string;
  /** The container's environment variables, by name. */
  readonly environment: Record<string, string>;
  readonly environmentFiles: ReadonlyArray<{ readonly Type: string; readonly Value: string }>;
  readonly launchType?: string;
  readonly capacityProviderStrategy?: ReadonlyArray<{ readonly CapacityProvider: string; readonly Weight?: number }>;
  /** The request exactly as the state's Parameters evaluated. */
  readonly parameters: Record<string, Json>;
}

export interface StopTaskRequest {
  readonly taskArn: string;
  readonly reason: string;
  /** Who asked: Step Functions itself (U4), or the workflow's own clean-up. */
  readonly by: 'Step Functions' | 'workflow';
}

/** A task as the simulated ECS keeps it. */
export interface SimulatedTask {
  readonly taskArn: string;
  readonly request: RunTaskRequest;
  readonly family: string;
  readonly capacityProviderName: string;
  lastStatus: 'RUNNING' | 'STOPPED';
  stopCode?: string;
  stoppedReason?: string;
  /** Undefined while running, and for a container that never started. */
  exitCode?: number;
  /** On a simulated clock: when RunTask started the task and when it stopped, in simulated seconds. */
  launchedAt?: number;
  stoppedAt?: number;
}

/** A token bucket that paces task launches: `burst` at once, then `perSecond` a second. */
export interface LaunchRate {
  readonly burst: number;
  readonly perSecond: number;
}

/**
 * Fargate's launch rate per account and Region, one bucket for on-demand tasks and one for Spot tasks
 * (shared/reference/sfn-ecs-facts.md, 5.1).
 */
export const FARGATE_LAUNCH_RATE: LaunchRate = { burst: 100, perSecond: 20 };

export interface SimulatedEcsOptions {
  readonly script?: TaskScript;
  readonly behaviour?: Partial<UnconfirmedBehaviour>;
  /** How many tasks one ListTasks page holds at most, whatever MaxResults asks for; ECS may return fewer. */
  readonly listPageSize?: number;
  /**
   * How long a task runs, in turns of the event loop, so that the tasks of concurrent shards overlap as they
   * would in a real run.
   */
  readonly taskTurns?: number;
  /**
   * Simulated time. With a clock, a task runs for `taskSeconds` of it instead of `taskTurns`, and RunTask draws on
   * `launchRate`: a launch with no token left is throttled, as Fargate throttles it.
   */
  readonly clock?: VirtualClock;
  /** With a clock: how long a task takes from RunTask to its stop, in simulated seconds. */
  readonly taskSeconds?: (request: RunTaskRequest) => number;
  /** With a clock: the launch rate of each capacity provider. Defaults to FARGATE_LAUNCH_RATE. */
  readonly launchRate?: LaunchRate;
}

/** Fargate rejects more than this many tasks in one DescribeTasks call. */
const DESCRIBE_TASKS_MAX = 100;
/** ECS limits a task's group to 255 characters. */
const GROUP_MAX_CHARS = 255;

export class SimulatedEcs {
  public readonly behaviour: UnconfirmedBehaviour;
  public readonly runTaskRequests: RunTaskRequest[] = [];
  public readonly stopTaskRequests: StopTaskRequest[] = [];
  /** Every ListTasks request, with the page it asked for. */
  public readonly listTasksRequests: Array<{ readonly family?: string; readonly nextToken?: string }> = [];
  public readonly tasks: SimulatedTask[] = [];
  /** The most tasks that were running at one time. */
  public peakRunning = 0;
  /** RunTask calls refused for the launch rate (only on a simulated clock). */
  public throttledRunTasks = 0;

  private readonly script: TaskScript;
  private readonly listPageSize: number;
  private readonly taskTurns: number;
  private readonly clock?: VirtualClock;
  private readonly taskSeconds: (request: RunTaskRequest) => number;
  private readonly launchRate: LaunchRate;
  /** Tokens left per capacity provider, and when they were counted. */
  private readonly launchTokens = new Map<string, { tokens: number; at: number }>();
  private running = 0;

  constructor(options: SimulatedEcsOptions = {}) {
    this.script = options.script ?? {};
    this.behaviour = { ...LIKELY_BEHAVIOUR, ...options.behaviour };
    this.listPageSize = options.listPageSize ?? 100;
    this.taskTurns = options.taskTurns ?? 5;
    this.clock = options.clock;
    this.taskSeconds = options.taskSeconds ?? (() => 60);
    this.launchRate = options.launchRate ?? FARGATE_LAUNCH_RATE;
  }

  /** Tasks still running, as a test asserts that none was left behind. */
  public runningTasks(): SimulatedTask[] {
    return this.tasks.filter(t => t.lastStatus === 'RUNNING');
  }

  /** The cluster as the sweep function's ECS client sees it, through the same task records. */
  public taskControl(): TaskControl {
    return {
      listRunning: async (cluster, family, nextToken) => {
        const page = this.listTasks({ Cluster: cluster, Family: family, ...(nextToken ? { NextToken: nextToken } : {}) }) as
          { TaskArns: string[]; NextToken?: string };
        return { taskArns: page.TaskArns, nextToken: page.NextToken };
      },
      describeGroups: async (cluster, taskArns) => {
        const described = this.describeTasks({ Cluster: cluster, Tasks: taskArns }) as { Tasks: Array<{ TaskArn: string; Group?: string }> };
        return described.Tasks.map(one => ({ taskArn: one.TaskArn, group: one.Group }));
      },
      stop: async (_cluster, taskArn, reason) => {
        this.stopTaskRequest({ Task: taskArn, Reason: reason });
      },
    };
  }

  /** Local handlers for the workflow's ECS states, keyed by state name. */
  public handlers(): Record<string, TaskHandler> {
    return {
      'Run test task': (parameters, abortSignal) => this.runTask(parameters as Record<string, Json>, abortSignal),
      'List running tasks': async parameters => this.listTasks(parameters as Record<string, Json>),
      'List more running tasks': async parameters => this.listTasks(parameters as Record<string, Json>),
      'Describe running tasks': async parameters => this.describeTasks(parameters as Record<string, Json>),
      'Stop timed-out task': async parameters => this.stopTaskRequest(parameters as Record<string, Json>),
    };
  }

  /** RunTask with `.sync`: starts the task, waits for it to stop, and answers as Step Functions would. */
  private async runTask(parameters: Record<string, Json>, abortSignal: AbortSignal): Promise<Json> {
    const request = readRunTaskRequest(parameters);
    this.runTaskRequests.push(request);
    checkRunTaskRequest(request);

    const outcome = this.outcomeOf(request);
    if (outcome.kind === 'ecsApiError') {
      throw stepFunctionsError(outcome.error, outcome.message);
    }
    if (outcome.kind === 'findsNoCapacity') {
      // RunTask answered 200 with failures and no task; the .sync integration reports that as AmazonECS.Unknown.
      throw stepFunctionsError('AmazonECS.Unknown', JSON.stringify({
        Failures: [{ Arn: request.parameters.TaskDefinition, Reason: 'Capacity is unavailable at this time. Please try again later or in a different availability zone' }],
        Tasks: [],
      }));
    }

    if (!this.takeLaunchToken(request)) {
      this.throttledRunTasks++;
      // As Fargate's throttling reached Step Functions in a public report (sfn-ecs-facts.md, 1.5).
      throw stepFunctionsError('ECS.AmazonECSException',
        'Rate exceeded. (Service: AmazonECS; Status Code: 400; Error Code: ThrottlingException)');
    }
    const started = this.startTask(request);
    // Handled at once, so that whatever Step Functions does to the task has happened when the run ends.
    abortSignal.addEventListener('abort', () => this.abandon(started, outcome), { once: true });
    if (!await this.run(abortSignal, started)) {
      return null;
    }

    switch (outcome.kind) {
      case 'passes':
        this.stop(started, 'EssentialContainerExited', 'Essential container in task exited', 0);
        return describeTask(started);
      case 'exits':
        this.stop(started, 'EssentialContainerExited', 'Essential container in task exited', outcome.exitCode);
        if (outcome.exitCode === 0) {
          return describeTask(started);
        }
        throw this.taskFailed(started);
      case 'failsToStart':
        this.stop(started, 'TaskFailedToStart', outcome.stoppedReason, undefined);
        if (this.behaviour.failedToStart === 'succeeded') {
          return describeTask(started);
        }
        throw this.taskFailed(started);
      case 'isInterruptedBySpot':
        return this.interruptIfOnSpot(started);
      case 'hangs':
        // The state's timeout is reached here, without waiting it out.
        if (this.behaviour.stopsAbandonedTasks) {
          this.stop(started, 'UserInitiated', abortedReason(started), undefined, 'Step Functions');
        }
        throw stepFunctionsError('States.Timeout', 'States.Timeout');
    }
  }

  private interruptIfOnSpot(started: SimulatedTask): Json {
    if (started.capacityProviderName !== 'FARGATE_SPOT') {
      this.stop(started, 'EssentialContainerExited', 'Essential container in task exited', 0);
      return describeTask(started);
    }
    const reason = 'Your Spot Task was interrupted.';
    switch (this.behaviour.spotInterruption) {
      case 'taskFailed':
        this.stop(started, 'SpotInterruption', reason, 143);
        throw this.taskFailed(started);
      case 'succeededWithExitCode0':
        this.stop(started, 'SpotInterruption', reason, 0);
        return describeTask(started);
      case 'succeededWithExitCode143':
        this.stop(started, 'SpotInterruption', reason, 143);
        return describeTask(started);
    }
  }

  /** The execution waiting for the task was aborted: Step Functions stops the task, or leaves it to run (U4). */
  private abandon(started: SimulatedTask, outcome: TaskOutcome) {
    if (this.behaviour.stopsAbandonedTasks) {
      this.stop(started, 'UserInitiated', abortedReason(started), undefined, 'Step Functions');
    } else if (outcome.kind !== 'hangs') {
      // Nobody waits for it any more; it ends when its tests end.
      const exitCode = outcome.kind === 'exits' ? outcome.exitCode : 0;
      void this.run(new AbortController().signal, started).then(() =>
        this.stop(started, 'EssentialContainerExited', 'Essential container in task exited', exitCode));
    }
  }

  private outcomeOf(request: RunTaskRequest): TaskOutcome {
    const outcomes = this.script[`${request.suite}/${request.shard}`];
    if (!outcomes || outcomes.length === 0) {
      return task.passes();
    }
    return outcomes[Math.min(request.attempt, outcomes.length) - 1];
  }

  private startTask(request: RunTaskRequest): SimulatedTask {
    const id = String(this.tasks.length + 1).padStart(32, '0');
    const family = /task-definition\/([^:]+)/.exec(String(request.parameters.TaskDefinition))?.[1] ?? String(request.parameters.TaskDefinition);
    const cluster = String(request.parameters.Cluster).split('/').pop();
    const started: SimulatedTask = {
      taskArn: `arn:${ENVIRONMENT.partition}:ecs:${ENVIRONMENT.region}:${ENVIRONMENT.account}:task/${cluster}/${id}`,
      request,
      family,
      capacityProviderName: capacityProviderOf(request),
      lastStatus: 'RUNNING',
      launchedAt: this.clock?.seconds(),
    };
    this.tasks.push(started);
    this.running++;
    this.peakRunning = Math.max(this.peakRunning, this.running);
    return started;
  }

  /** On a simulated clock, takes a token from the bucket of the request's capacity provider; false if none is left. */
  private takeLaunchToken(request: RunTaskRequest): boolean {
    if (!this.clock) {
      return true;
    }
    const now = this.clock.seconds();
    const provider = capacityProviderOf(request);
    const bucket = this.launchTokens.get(provider) ?? { tokens: this.launchRate.burst, at: now };
    const tokens = Math.min(this.launchRate.burst, bucket.tokens + (now - bucket.at) * this.launchRate.perSecond);
    const granted = tokens >= 1;
    this.launchTokens.set(provider, { tokens: granted ? tokens - 1 : tokens, at: now });
    return granted;
  }

  /** Lets the task run its course; false if the execution waiting for it was aborted first. */
  private async run(abortSignal: AbortSignal, started: SimulatedTask): Promise<boolean> {
    if (this.clock) {
      const remaining = started.launchedAt! + this.taskSeconds(started.request) - this.clock.seconds();
      await this.clock.sleep(remaining * 1000, abortSignal);
      return !abortSignal.aborted;
    }
    return new Promise(resolve => {
      let turns = 0;
      const onAbort = () => resolve(false);
      const turn = () => {
        if (abortSignal.aborted) {
          return;
        }
        if (++turns < this.taskTurns) {
          setImmediate(turn);
        } else {
          abortSignal.removeEventListener('abort', onAbort);
          resolve(true);
        }
      };
      if (abortSignal.aborted) {
        resolve(false);
      } else {
        abortSignal.addEventListener('abort', onAbort, { once: true });
        setImmediate(turn);
      }
    });
  }

  private stop(t: SimulatedTask, stopCode: string, reason: string, exitCode: number | undefined, by?: StopTaskRequest['by']) {
    if (t.lastStatus === 'STOPPED') {
      return;
    }
    t.lastStatus = 'STOPPED';
    t.stoppedAt = this.clock?.seconds();
    this.running--;
    t.stopCode = stopCode;
    t.stoppedReason = reason;
    t.exitCode = exitCode;
    if (by) {
      this.stopTaskRequests.push({ taskArn: t.taskArn, reason, by });
    }
  }

  /** `States.TaskFailed`, with the task as its cause or only the stopped reason (U1). */
  private taskFailed(t: SimulatedTask): Error {
    const cause = this.behaviour.failedTaskCause === 'taskJson' ? JSON.stringify(describeTask(t)) : t.stoppedReason ?? '';
    return stepFunctionsError('States.TaskFailed', cause);
  }

  private listTasks(parameters: Record<string, Json>): Json {
    this.listTasksRequests.push({ family: parameters.Family as string | undefined, nextToken: parameters.NextToken as string | undefined });
    const matching = this.tasks.filter(t => t.lastStatus === 'RUNNING'
      && t.request.parameters.Cluster === parameters.Cluster
      && (parameters.Family === undefined || t.family === parameters.Family));
    const from = parameters.NextToken === undefined ? 0 : Number(parameters.NextToken);
    const pageSize = Math.min(Number(parameters.MaxResults ?? 100), this.listPageSize);
    const page = matching.slice(from, from + pageSize);
    const more = from + pageSize < matching.length;
    return { TaskArns: page.map(t => t.taskArn), ...(more ? { NextToken: String(from + pageSize) } : {}) };
  }

  private describeTasks(parameters: Record<string, Json>): Json {
    const arns = parameters.Tasks as string[];
    if (arns.length > DESCRIBE_TASKS_MAX) {
      throw stepFunctionsError('ECS.InvalidParameterException', `Tasks cannot have more than ${DESCRIBE_TASKS_MAX} elements`);
    }
    const found = this.tasks.filter(t => arns.includes(t.taskArn));
    return {
      Tasks: found.map(describeTask),
      Failures: arns.filter(arn => !found.some(t => t.taskArn === arn)).map(arn => ({ Arn: arn, Reason: 'MISSING' })),
    };
  }

  private stopTaskRequest(parameters: Record<string, Json>): Json {
    const found = this.tasks.find(t => t.taskArn === parameters.Task);
    if (!found) {
      throw stepFunctionsError('ECS.InvalidParameterException', 'The referenced task was not found.');
    }
    this.stop(found, 'UserInitiated', String(parameters.Reason ?? 'Task stopped by user'), undefined, 'workflow');
    return { Task: describeTask(found) };
  }
}

/** The task as DescribeTasks returns it through Step Functions: PascalCase keys. */
export function describeTask(t: SimulatedTask): Json {
  const container: Record<string, Json> = {
    ContainerArn: `${t.taskArn.replace(':task/', ':container/')}/tests`,
    Name: t.request.container,
    LastStatus: t.lastStatus,
  };
  if (t.exitCode !== undefined) {
    container.ExitCode = t.exitCode;
  }
  if (t.stopCode === 'TaskFailedToStart') {
    container.Reason = t.stoppedReason ?? null;
  }
  return {
    TaskArn: t.taskArn,
    ClusterArn: t.request.parameters.Cluster,
    TaskDefinitionArn: t.request.parameters.TaskDefinition,
    Group: t.request.group,
    LastStatus: t.lastStatus,
    DesiredStatus: t.lastStatus === 'RUNNING' ? 'RUNNING' : 'STOPPED',
    LaunchType: 'FARGATE',
    CapacityProviderName: t.capacityProviderName,
    PlatformVersion: '1.4.0',
    StartedBy: 'AWS Step Functions',
    Containers: [container],
    Overrides: t.request.parameters.Overrides ?? {},
    ...(t.lastStatus === 'STOPPED' ? { StopCode: t.stopCode ?? null, StoppedReason: t.stoppedReason ?? null } : {}),
  };
}

function readRunTaskRequest(parameters: Record<string, Json>): RunTaskRequest {
  const override = (parameters.Overrides as { ContainerOverrides: Array<Record<string, Json>> }).ContainerOverrides[0];
  const environment = Object.fromEntries((override.Environment as Array<{ Name: string; Value: string }>)
    .map(({ Name, Value }) => [Name, Value]));
  return {
    suite: environment[TEST_ENVIRONMENT.suite],
    shard: Number(environment[TEST_ENVIRONMENT.shardIndex]),
    attempt: Number(environment[TEST_ENVIRONMENT.attempt]),
    group: String(parameters.Group),
    container: String(override.Name),
    environment,
    environmentFiles: (override.EnvironmentFiles ?? []) as unknown as RunTaskRequest['environmentFiles'],
    launchType: parameters.LaunchType as string | undefined,
    capacityProviderStrategy: parameters.CapacityProviderStrategy as unknown as RunTaskRequest['capacityProviderStrategy'],
    parameters,
  };
}

/** What ECS itself refuses, so that a workflow that sent such a request fails here as it would in AWS. */
function checkRunTaskRequest(request: RunTaskRequest) {
  if (request.launchType !== undefined && request.capacityProviderStrategy !== undefined) {
    throw stepFunctionsError('ECS.InvalidParameterException', 'Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.');
  }
  if (request.group.length > GROUP_MAX_CHARS) {
    throw stepFunctionsError('ECS.InvalidParameterException', `Group name cannot be longer than ${GROUP_MAX_CHARS} characters.`);
  }
}

function capacityProviderOf(request: RunTaskRequest): string {
  return request.capacityProviderStrategy?.[0]?.CapacityProvider ?? 'FARGATE';
}

function abortedReason(t: SimulatedTask): string {
  return `The Task state in AWS Step Functions execution [${t.request.group}] which was managing this resource was aborted`;
}

/** An error as a Task state reports it: the name is the ASL error name, the message its Cause. */
export function stepFunctionsError(name: string, cause: string): Error {
  const error = new Error(cause);
  error.name = name;
  return error;
}
