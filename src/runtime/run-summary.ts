import {
  CAUSE_BUDGET_CHARS,
  RESULTS_LAYOUT,
  RUN_ERRORS,
  RunCounts,
  RunPlan,
  RunSummary,
  ShardResult,
  ShardStatus,
  SUMMARY_BUDGET_BYTES,
  SummaryEvent,
} from './contract';
import { ResultsStore } from './results-store';

/** Enough to read a large run quickly without tripping S3 request throttling or exhausting sockets. */
const READ_CONCURRENCY = 32;
/** One shard's reason may not crowd the others out of the cause. */
const REASON_CHARS = 500;
const STOP_CAUSE_CHARS = 1000;
const SHARD_STATUSES: readonly string[] = ['PASSED', 'FAILED', 'TIMED_OUT', 'ERROR', 'CANCELLED'] satisfies ShardStatus[];

/** A shard that the plan scheduled, with what the summary needs to name and order it. */
interface PlannedShard {
  readonly suite: string;
  readonly shard: number;
  /** How many shards the suite has in this run, as in "shard 2/4". */
  readonly shardsInSuite: number;
}

/**
 * Reads every shard's result, writes the full report and returns the run's summary, trimmed to fit a state's output.
 */
export async function summarizeRun(event: SummaryEvent, store: ResultsStore): Promise<RunSummary> {
  const plan = await readPlan(event, store);
  const planned = plannedShards(plan);
  const recorded = await readShardResults(event.runId, planned, store);
  const stoppedEarly = Boolean(event.stoppedEarly);
  const shards = planned.map((shard) =>
    recorded.get(RESULTS_LAYOUT.shardResultKey(event.runId, shard.suite, shard.shard)) ?? missingResult(shard, stoppedEarly));
  const counts = countShards(shards);
  const passed = !stoppedEarly && shards.every((shard) => shard.status === 'PASSED');
  const summaryKey = RESULTS_LAYOUT.summaryKey(event.runId);
  const reportUri = `s3://${event.bucket}/${summaryKey}`;

  const report: RunSummary = {
    runId: event.runId,
    status: passed ? 'PASSED' : 'FAILED',
    stoppedEarly,
    counts,
    shardsListed: 'all',
    shards,
    reportUri,
    ...(passed ? {} : {
      error: stoppedEarly ? RUN_ERRORS.shardFailed : RUN_ERRORS.testsFailed,
      cause: failureCause(event, shards, planned, counts, reportUri),
    }),
  };
  // Indented because people open the report; the returned summary is what the state machine reads.
  await store.put(summaryKey, JSON.stringify(report, undefined, 2), 'application/json');
  return fitToBudget(report);
}

async function readPlan(event: SummaryEvent, store: ResultsStore): Promise<RunPlan> {
  const planKey = RESULTS_LAYOUT.planKey(event.runId);
  const body = await store.get(planKey);
  if (body === undefined) {
    const error = new Error(`No run plan was found at s3://${event.bucket}/${planKey}; a run can only be summarised after its plan step has written the plan.`);
    error.name = 'RunPlanMissing';
    throw error;
  }
  return JSON.parse(body) as RunPlan;
}

/**
 * The planned shards in report order. Items point into the catalogue, which the summary does not receive, but the plan
 * lists the selected suites in catalogue order, so the n-th distinct suite index is the n-th suite of the plan.
 */
function plannedShards(plan: RunPlan): PlannedShard[] {
  const suiteIndexes = [...new Set(plan.items.map(([suiteIndex]) => suiteIndex))].sort((a, b) => a - b);
  if (suiteIndexes.length !== plan.suites.length) {
    const error = new Error(`The plan of run ${plan.runId} lists ${plan.suites.length} test suites but its shards belong to ${suiteIndexes.length}; the plan is not one that the plan step writes.`);
    error.name = 'RunPlanInvalid';
    throw error;
  }
  const shardsInSuite = new Map<number, number>();
  for (const [suiteIndex] of plan.items) {
    shardsInSuite.set(suiteIndex, (shardsInSuite.get(suiteIndex) ?? 0) + 1);
  }
  return [...plan.items]
    .sort(([suiteA, shardA], [suiteB, shardB]) => suiteA - suiteB || shardA - shardB)
    .map(([suiteIndex, shard]) => ({
      suite: plan.suites[suiteIndexes.indexOf(suiteIndex)],
      shard,
      shardsInSuite: shardsInSuite.get(suiteIndex) ?? 0,
    }));
}

/** The records of planned shards, by key; anything else below the prefix is not this run's business. */
async function readShardResults(runId: string, planned: readonly PlannedShard[], store: ResultsStore): Promise<Map<string, ShardResult>> {
  const plannedByKey = new Map(planned.map((shard) => [RESULTS_LAYOUT.shardResultKey(runId, shard.suite, shard.shard), shard]));
  const keys = (await store.list(RESULTS_LAYOUT.shardResultsPrefix(runId))).filter((key) => plannedByKey.has(key));
  const bodies = await mapWithConcurrency(keys, READ_CONCURRENCY, (key) => store.get(key));
  const results = new Map<string, ShardResult>();
  keys.forEach((key, i) => {
    const body = bodies[i];
    if (body !== undefined) {
      results.set(key, parseShardResult(body, plannedByKey.get(key)!));
    }
  });
  return results;
}

/**
 * The record as the contract types it. The key names the shard, so it wins over the body; a record that cannot be
 * read becomes an ERROR of its shard rather than failing the whole summary.
 */
function parseShardResult(body: string, planned: PlannedShard): ShardResult {
  let record: unknown;
  try {
    record = JSON.parse(body);
  } catch {
    return unreadableResult(planned, 'it is not valid JSON');
  }
  if (typeof record !== 'object' || record === null || !SHARD_STATUSES.includes((record as { status?: unknown }).status as string)) {
    return unreadableResult(planned, 'it has no valid status');
  }
  const fields = record as Partial<Record<keyof ShardResult, unknown>>;
  return {
    suite: planned.suite,
    shard: planned.shard,
    status: fields.status as ShardStatus,
    attempts: typeof fields.attempts === 'number' ? fields.attempts : 0,
    exitCode: typeof fields.exitCode === 'number' ? fields.exitCode : null,
    flaky: fields.flaky === true,
    taskArn: typeof fields.taskArn === 'string' ? fields.taskArn : null,
    reason: typeof fields.reason === 'string' ? fields.reason : '',
  };
}

function unreadableResult(planned: PlannedShard, why: string): ShardResult {
  return { ...notRun(planned), status: 'ERROR', reason: `the result record could not be read: ${why}` };
}

/** After a fail-fast stop the missing shards were cancelled; otherwise a missing record means something broke. */
function missingResult(planned: PlannedShard, stoppedEarly: boolean): ShardResult {
  return stoppedEarly
    ? { ...notRun(planned), status: 'CANCELLED', reason: 'not run: the run stopped early after a shard failed' }
    : { ...notRun(planned), status: 'ERROR', reason: 'no result was recorded for this shard' };
}

function notRun(planned: PlannedShard): Omit<ShardResult, 'status' | 'reason'> {
  return { suite: planned.suite, shard: planned.shard, attempts: 0, exitCode: null, flaky: false, taskArn: null };
}

function countShards(shards: readonly ShardResult[]): RunCounts {
  const withStatus = (status: ShardStatus) => shards.filter((shard) => shard.status === status).length;
  return {
    total: shards.length,
    passed: withStatus('PASSED'),
    failed: withStatus('FAILED'),
    timedOut: withStatus('TIMED_OUT'),
    error: withStatus('ERROR'),
    cancelled: withStatus('CANCELLED'),
    flaky: shards.filter((shard) => shard.status === 'PASSED' && shard.flaky).length,
  };
}

/**
 * The summary as the state's output: every shard if that fits, else the shards that need attention, as many as fit.
 * The report file always has them all.
 */
function fitToBudget(report: RunSummary): RunSummary {
  if (jsonBytes(report) <= SUMMARY_BUDGET_BYTES) {
    return report;
  }
  const trimmed: RunSummary = { ...report, shardsListed: 'notPassed', shards: [] };
  const shards: ShardResult[] = [];
  let bytes = jsonBytes(trimmed);
  for (const shard of report.shards.filter((s) => s.status !== 'PASSED' || s.flaky)) {
    // A shard adds its own JSON and, after the first, a comma.
    const added = jsonBytes(shard) + (shards.length > 0 ? 1 : 0);
    if (bytes + added > SUMMARY_BUDGET_BYTES) {
      break;
    }
    bytes += added;
    shards.push(shard);
  }
  return { ...trimmed, shards };
}

/** Plain text for a person reading a failure notification: what happened, which shards, where the full report is. */
function failureCause(
  event: SummaryEvent,
  shards: readonly ShardResult[],
  planned: readonly PlannedShard[],
  counts: RunCounts,
  reportUri: string,
): string {
  const tally = `${counts.total - counts.passed} of ${plural(counts.total, 'shard')} did not pass `
    + `(${counts.failed} failed, ${counts.timedOut} timed out, ${counts.error} error, ${counts.cancelled} cancelled).`;
  const head = event.stoppedEarly
    ? [`Run ${event.runId} stopped early because failFast is on and a shard failed: ${tally}`]
    : [`Run ${event.runId}: ${tally}`];
  if (event.stoppedEarly?.Cause) {
    head.push(`Stopped by ${event.stoppedEarly.Error ?? 'an error'}: ${oneLine(event.stoppedEarly.Cause, STOP_CAUSE_CHARS)}`);
  }
  const shardsInSuite = new Map(planned.map((shard) => [shard.suite, shard.shardsInSuite]));
  const name = (shard: ShardResult) => `${shard.suite} shard ${shard.shard}/${shardsInSuite.get(shard.suite)}`;
  const details = [
    ...shards.filter((shard) => shard.status !== 'PASSED').map((shard) => `- ${name(shard)}: ${outcome(shard)}`),
    ...shards.filter((shard) => shard.status === 'PASSED' && shard.flaky)
      .map((shard) => `- ${name(shard)}: PASSED on attempt ${shard.attempts} (flaky)`),
  ];
  return fitCause(head, details, reportUri);
}

function outcome(shard: ShardResult): string {
  const attempts = shard.attempts > 0 ? ` after ${plural(shard.attempts, 'attempt')}` : '';
  const exitCode = shard.exitCode !== null ? ` (exit code ${shard.exitCode})` : '';
  // A failed test's reason is its exit code, already said.
  const reason = shard.reason && shard.reason !== `exit code ${shard.exitCode}` ? `: ${oneLine(shard.reason, REASON_CHARS)}` : '';
  return `${shard.status}${attempts}${exitCode}${reason}`;
}

/** All lines if they fit the cause budget; otherwise the head, as many shard lines as fit, and how many were left out. */
function fitCause(head: readonly string[], details: readonly string[], reportUri: string): string {
  const footer = `Full report: ${reportUri}`;
  const complete = [...head, ...details, footer].join('\n');
  if (complete.length <= CAUSE_BUDGET_CHARS) {
    return complete;
  }
  const omitted = (count: number) => `… and ${count} more; see ${reportUri}`;
  const lines = [...head];
  let length = lines.join('\n').length;
  for (const line of details) {
    const remainder = details.length - (lines.length - head.length) - 1;
    if (length + 1 + line.length + 1 + omitted(remainder).length + 1 + footer.length > CAUSE_BUDGET_CHARS) {
      break;
    }
    lines.push(line);
    length += 1 + line.length;
  }
  lines.push(omitted(details.length - (lines.length - head.length)), footer);
  return lines.join('\n');
}

function oneLine(text: string, maxChars: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > maxChars ? `${flat.slice(0, maxChars).replace(/[\uD800-\uDBFF]$/, '')}…` : flat;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf-8');
}

/** Like Promise.all over a map, but with at most `limit` calls in flight. */
async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
