import {
  PlanEvent,
  RESERVED_ENVIRONMENT_NAMES,
  RESERVED_ENVIRONMENT_PREFIXES,
  RESULTS_LAYOUT,
  RUN_ENVIRONMENT_BUDGET_BYTES,
  RUN_ERRORS,
  RunPlan,
  ShardItem,
  SuiteCatalogueEntry,
} from './contract';
import { ResultsStore } from './results-store';

const ALLOWED_KEYS: readonly string[] = ['testSuites', 'environment'];
const ENVIRONMENT_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_ENVIRONMENT_NAMES = 200;
/** How much of a received value a message echoes: enough to recognise it, not enough to flood the execution error. */
const ECHO_CHARS = 100;
/** Keeps the error within what Step Functions shows as a cause, however broken the input is. */
const MAX_LISTED_PROBLEMS = 20;

type RunErrorName = typeof RUN_ERRORS.invalidInput | typeof RUN_ERRORS.unknownSuite;

interface Problem {
  readonly error: RunErrorName;
  readonly message: string;
}

/** What a valid execution input asks for. */
interface RunRequest {
  /** Indexes into the catalogue, in catalogue order. */
  readonly suiteIndexes: readonly number[];
  /** A map rather than an object, so that a name such as `__proto__` stays an ordinary name. */
  readonly environment: ReadonlyMap<string, string>;
}

/**
 * Validates the execution input, writes each selected suite's environment file and the plan, and returns the plan.
 *
 * Nothing is written unless the whole input is valid, so a bad input fails the run before any task starts.
 */
export async function planRun(event: PlanEvent, store: ResultsStore): Promise<RunPlan> {
  const request = readRunInput(event.input, event.suites);
  const items: ShardItem[] = request.suiteIndexes.flatMap((suiteIndex) =>
    Array.from({ length: event.suites[suiteIndex].shards }, (_, i): ShardItem => [suiteIndex, i + 1]));
  const plan: RunPlan = {
    runId: event.runId,
    suites: request.suiteIndexes.map((suiteIndex) => event.suites[suiteIndex].name),
    shardCount: items.length,
    items,
  };

  // Every selected suite gets a file, even an empty one, because its task definition always references it.
  await Promise.all(request.suiteIndexes.map((suiteIndex) => {
    const suite = event.suites[suiteIndex];
    const body = environmentFile(suite.environment, request.environment);
    return store.put(RESULTS_LAYOUT.environmentFileKey(event.runId, suite.name), body, 'text/plain');
  }));
  // Written last, so that a stored plan means the environment files are in place too.
  await store.put(RESULTS_LAYOUT.planKey(event.runId), JSON.stringify(plan), 'application/json');
  return plan;
}

/** The suite's static variables overlaid with the run's, one `NAME=value` line each, sorted so the file is reproducible. */
function environmentFile(suiteEnvironment: Record<string, string>, runEnvironment: ReadonlyMap<string, string>): string {
  const merged = new Map(Object.entries(suiteEnvironment));
  for (const [name, value] of runEnvironment) {
    merged.set(name, value);
  }
  return [...merged.keys()]
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((name) => `${name}=${merged.get(name)}\n`)
    .join('');
}

function readRunInput(input: unknown, catalogue: readonly SuiteCatalogueEntry[]): RunRequest {
  const problems: Problem[] = [];
  const request = checkRunInput(input ?? {}, catalogue, problems);
  if (problems.length > 0) {
    throw runInputError(problems);
  }
  return request;
}

function checkRunInput(input: unknown, catalogue: readonly SuiteCatalogueEntry[], problems: Problem[]): RunRequest {
  if (!isJsonObject(input)) {
    problems.push(invalid(`The execution input is ${echo(input)}; it must be a JSON object with the optional keys "testSuites" and "environment", such as {"testSuites": ["${catalogue[0]?.name ?? 'unit'}"], "environment": {"GIT_SHA": "abc123"}}.`));
    return { suiteIndexes: [], environment: new Map() };
  }
  for (const key of Object.keys(input)) {
    if (!ALLOWED_KEYS.includes(key)) {
      problems.push(invalid(`The execution input has the key ${echo(key)}, which is not allowed; the allowed keys are "testSuites" and "environment".`));
    }
  }
  return {
    suiteIndexes: Object.hasOwn(input, 'testSuites')
      ? checkTestSuites(input.testSuites, catalogue, problems)
      : catalogue.map((_, suiteIndex) => suiteIndex),
    environment: Object.hasOwn(input, 'environment') ? checkEnvironment(input.environment, problems) : new Map(),
  };
}

function checkTestSuites(value: unknown, catalogue: readonly SuiteCatalogueEntry[], problems: Problem[]): number[] {
  const known = quoteList(catalogue.map((entry) => entry.name));
  if (!Array.isArray(value)) {
    problems.push(invalid(`testSuites is ${echo(value)}; it must be an array of test suite names, such as ["${catalogue[0]?.name ?? 'unit'}"].`));
    return [];
  }
  if (value.length === 0) {
    problems.push(invalid(`testSuites is []; it must name at least one test suite, or be left out to run all of them (known test suites are ${known}).`));
    return [];
  }
  const firstPosition = new Map<string, number>();
  const selected = new Set<number>();
  value.forEach((name: unknown, position) => {
    const field = `testSuites[${position}]`;
    if (typeof name !== 'string') {
      problems.push(invalid(`${field} is ${echo(name)}; each entry must be a test suite name as a string.`));
      return;
    }
    const first = firstPosition.get(name);
    if (first !== undefined) {
      problems.push(invalid(`${field} is ${echo(name)}, which testSuites[${first}] already names; list each test suite once.`));
      return;
    }
    firstPosition.set(name, position);
    const suiteIndex = catalogue.findIndex((entry) => entry.name === name);
    if (suiteIndex < 0) {
      problems.push({ error: RUN_ERRORS.unknownSuite, message: `${field} is ${echo(name)}; known test suites are ${known}.` });
      return;
    }
    selected.add(suiteIndex);
  });
  // The catalogue decides the order, so the same selection always yields the same shards in the same order.
  return [...selected].sort((a, b) => a - b);
}

function checkEnvironment(value: unknown, problems: Problem[]): Map<string, string> {
  const environment = new Map<string, string>();
  if (!isJsonObject(value)) {
    problems.push(invalid(`environment is ${echo(value)}; it must be a JSON object of names to string values, such as {"GIT_SHA": "abc123"}.`));
    return environment;
  }
  const entries = Object.entries(value);
  if (entries.length > MAX_ENVIRONMENT_NAMES) {
    problems.push(invalid(`environment has ${entries.length} names; at most ${MAX_ENVIRONMENT_NAMES} are allowed.`));
  }
  let bytes = 0;
  for (const [name, entry] of entries) {
    const field = ENVIRONMENT_NAME.test(name) ? `environment.${name}` : `environment[${echo(name)}]`;
    checkEnvironmentName(name, problems);
    if (typeof entry !== 'string') {
      problems.push(invalid(`${field} is ${echo(entry)}; each value must be a string.`));
      continue;
    }
    if (/[\r\n]/.test(entry)) {
      problems.push(invalid(`${field} is ${echo(entry)}; values must not contain line breaks, because each variable is one NAME=value line of an environment file.`));
    }
    bytes += Buffer.byteLength(`${name}=${entry}\n`, 'utf-8');
    environment.set(name, entry);
  }
  if (bytes > RUN_ENVIRONMENT_BUDGET_BYTES) {
    problems.push(invalid(`environment takes ${bytes} bytes as NAME=value lines; at most ${RUN_ENVIRONMENT_BUDGET_BYTES} bytes are allowed.`));
  }
  return environment;
}

function checkEnvironmentName(name: string, problems: Problem[]): void {
  if (!ENVIRONMENT_NAME.test(name)) {
    problems.push(invalid(`environment name ${echo(name)} is not allowed; names must start with a letter or an underscore and contain only letters, digits and underscores.`));
  } else if (RESERVED_ENVIRONMENT_NAMES.includes(name)) {
    problems.push(invalid(`environment name ${echo(name)} is reserved, because the workflow sets it for every shard; the reserved names are ${quoteList(RESERVED_ENVIRONMENT_NAMES)}.`));
  } else {
    const prefix = RESERVED_ENVIRONMENT_PREFIXES.find((reserved) => name.startsWith(reserved));
    if (prefix !== undefined) {
      problems.push(invalid(`environment name ${echo(name)} starts with ${echo(prefix)}; names starting with ${quoteList(RESERVED_ENVIRONMENT_PREFIXES, 'or')} are reserved for the platform.`));
    }
  }
}

/** One error for all problems, named for the worst of them: a shape problem outranks an unknown suite. */
function runInputError(problems: readonly Problem[]): Error {
  const lines = problems.slice(0, MAX_LISTED_PROBLEMS).map((problem) => problem.message);
  if (problems.length > MAX_LISTED_PROBLEMS) {
    lines.push(`… and ${problems.length - MAX_LISTED_PROBLEMS} more problems.`);
  }
  const error = new Error(lines.join('\n'));
  error.name = problems.some((problem) => problem.error === RUN_ERRORS.invalidInput) ? RUN_ERRORS.invalidInput : RUN_ERRORS.unknownSuite;
  return error;
}

function invalid(message: string): Problem {
  return { error: RUN_ERRORS.invalidInput, message };
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A received value as JSON, cut short so that a huge input cannot swamp the message. */
function echo(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  // Never leave half of a surrogate pair at the cut.
  return text.length > ECHO_CHARS ? `${text.slice(0, ECHO_CHARS).replace(/[\uD800-\uDBFF]$/, '')}…` : text;
}

function quoteList(values: readonly string[], lastJoiner?: 'or'): string {
  const quoted = values.map((value) => JSON.stringify(value));
  if (quoted.length === 0) {
    return '(none)';
  }
  return lastJoiner && quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} ${lastJoiner} ${quoted[quoted.length - 1]}` : quoted.join(', ');
}
