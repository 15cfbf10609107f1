import {
  CAUSE_BUDGET_CHARS,
  RESULTS_LAYOUT,
  RunSummary,
  ShardResult,
  SUMMARY_BUDGET_BYTES,
  SuiteCatalogueEntry,
  SummaryEvent,
} from '../../src/runtime/contract';
import { planRun } from '../../src/runtime/run-plan';
import { summarizeRun } from '../../src/runtime/run-summary';
import { MemoryResultsStore } from '../support/memory-results-store';

const RUN_ID = 'run-7';
const BUCKET = 'results-bucket';
const REPORT_URI = 's3://results-bucket/runs/run-7/summary.json';
const CATALOGUE: SuiteCatalogueEntry[] = [
  { name: 'unit', shards: 4, environment: {} },
  { name: 'integration', shards: 2, environment: {} },
  { name: 'contract', shards: 1, environment: {} },
];

/** A store holding the plan of a run of these suites, as the plan function writes it. */
async function plannedRun(testSuites: string[], suites: SuiteCatalogueEntry[] = CATALOGUE): Promise<MemoryResultsStore> {
  const store = new MemoryResultsStore();
  await planRun({ input: { testSuites }, runId: RUN_ID, bucket: BUCKET, suites }, store);
  return store;
}

function result(suite: string, shard: number, overrides: Partial<ShardResult> = {}): ShardResult {
  return {
    suite,
    shard,
    status: 'PASSED',
    attempts: 1,
    exitCode: 0,
    flaky: false,
    taskArn: `arn:aws:ecs:eu-west-1:123456789012:task/tests/${suite}-${shard}`,
    reason: 'Essential container in task exited',
    ...overrides,
  };
}

async function record(store: MemoryResultsStore, ...results: ShardResult[]): Promise<void> {
  for (const shard of results) {
    await store.put(RESULTS_LAYOUT.shardResultKey(RUN_ID, shard.suite, shard.shard), JSON.stringify(shard), 'application/json');
  }
}

function summarize(store: MemoryResultsStore, stoppedEarly?: SummaryEvent['stoppedEarly']): Promise<RunSummary> {
  return summarizeRun({ runId: RUN_ID, bucket: BUCKET, stoppedEarly }, store);
}

function report(store: MemoryResultsStore): RunSummary {
  const object = store.objects.get(RESULTS_LAYOUT.summaryKey(RUN_ID));
  expect(object?.contentType).toBe('application/json');
  return JSON.parse(object!.body);
}

function cancelled(suite: string, shard: number): ShardResult {
  return {
    suite,
    shard,
    status: 'CANCELLED',
    attempts: 0,
    exitCode: null,
    flaky: false,
    taskArn: null,
    reason: 'not run: the run stopped early after a shard failed',
  };
}

describe('summarizeRun when every shard passed', () => {
  test('returns PASSED with every shard in plan order, and writes the same summary as the report', async () => {
    // GIVEN: unit and contract are catalogue entries 0 and 2; records arrive in any order.
    const store = await plannedRun(['contract', 'unit']);
    await record(store, result('contract', 1), result('unit', 4), result('unit', 2), result('unit', 1), result('unit', 3));

    // WHEN
    const summary = await summarize(store);

    // THEN
    expect(summary).toStrictEqual({
      runId: 'run-7',
      status: 'PASSED',
      stoppedEarly: false,
      counts: { total: 5, passed: 5, failed: 0, timedOut: 0, error: 0, cancelled: 0, flaky: 0 },
      shardsListed: 'all',
      shards: [result('unit', 1), result('unit', 2), result('unit', 3), result('unit', 4), result('contract', 1)],
      reportUri: REPORT_URI,
    });
    expect(report(store)).toStrictEqual(summary);
  });

  test('stays PASSED with a flaky shard, which counts as passed and as flaky', async () => {
    // GIVEN
    const store = await plannedRun(['integration']);
    await record(store, result('integration', 1), result('integration', 2, { attempts: 2, flaky: true }));

    // WHEN
    const summary = await summarize(store);

    // THEN
    expect(summary.status).toBe('PASSED');
    expect(summary.counts).toEqual({ total: 2, passed: 2, failed: 0, timedOut: 0, error: 0, cancelled: 0, flaky: 1 });
    expect(summary.error).toBeUndefined();
    expect(summary.cause).toBeUndefined();
  });

  test('treats a stoppedEarly of null, as the workflow passes it when the fan-out succeeded, as not stopped', async () => {
    // GIVEN
    const store = await plannedRun(['contract']);
    await record(store, result('contract', 1));

    // WHEN
    const summary = await summarizeRun({ runId: RUN_ID, bucket: BUCKET, stoppedEarly: null } as unknown as SummaryEvent, store);

    // THEN
    expect(summary.status).toBe('PASSED');
    expect(summary.stoppedEarly).toBe(false);
  });
});

describe('summarizeRun when shards did not pass', () => {
  test('fails with TestRunFailed, counts every status and explains each shard in the cause', async () => {
    // GIVEN: contract shard 1 never got a record.
    const store = await plannedRun(['unit', 'contract']);
    await record(store,
      result('unit', 1),
      result('unit', 2, { status: 'FAILED', attempts: 2, exitCode: 1, reason: 'Tests failed: 3 of 120' }),
      result('unit', 3, { attempts: 2, flaky: true }),
      result('unit', 4, { status: 'TIMED_OUT', exitCode: null, reason: 'the shard ran longer than its 30 minute timeout' }),
    );

    // WHEN
    const summary = await summarize(store);

    // THEN
    expect(summary.status).toBe('FAILED');
    expect(summary.stoppedEarly).toBe(false);
    expect(summary.counts).toEqual({ total: 5, passed: 2, failed: 1, timedOut: 1, error: 1, cancelled: 0, flaky: 1 });
    expect(summary.shards[4]).toEqual({
      suite: 'contract',
      shard: 1,
      status: 'ERROR',
      attempts: 0,
      exitCode: null,
      flaky: false,
      taskArn: null,
      reason: 'no result was recorded for this shard',
    });
    expect(summary.error).toBe('TestRunFailed');
    expect(summary.cause).toBe([
      'Run run-7: 3 of 5 shards did not pass (1 failed, 1 timed out, 1 error, 0 cancelled).',
      '- unit shard 2/4: FAILED after 2 attempts (exit code 1): Tests failed: 3 of 120',
      '- unit shard 4/4: TIMED_OUT after 1 attempt: the shard ran longer than its 30 minute timeout',
      '- contract shard 1/1: ERROR: no result was recorded for this shard',
      '- unit shard 3/4: PASSED on attempt 2 (flaky)',
      `Full report: ${REPORT_URI}`,
    ].join('\n'));
    expect(report(store)).toStrictEqual(summary);
  });

  test('flattens a multi-line reason and cuts one longer than 500 characters', async () => {
    // GIVEN
    const store = await plannedRun(['contract']);
    await record(store, result('contract', 1, { status: 'FAILED', exitCode: 1, reason: `AssertionError:\n\n   expected 1${'y'.repeat(600)}` }));

    // WHEN
    const summary = await summarize(store);

    // THEN
    const line = summary.cause!.split('\n')[1];
    expect(line).toBe(`- contract shard 1/1: FAILED after 1 attempt (exit code 1): AssertionError: expected 1${'y'.repeat(500 - 'AssertionError: expected 1'.length)}…`);
    expect(summary.cause!.split('\n')[0]).toBe('Run run-7: 1 of 1 shard did not pass (1 failed, 0 timed out, 0 error, 0 cancelled).');
  });
});

describe('summarizeRun when the run stopped early', () => {
  test('fails with ShardFailed, marks shards without a record CANCELLED and quotes why it stopped', async () => {
    // GIVEN
    const store = await plannedRun(['unit', 'contract']);
    await record(store, result('unit', 1, { status: 'FAILED', exitCode: 2, reason: 'Tests failed: 1 of 40' }));
    const stoppedEarly = { Error: 'States.ExceedToleratedFailureThreshold', Cause: 'The tolerated failure threshold\nwas exceeded.' };

    // WHEN
    const summary = await summarize(store, stoppedEarly);

    // THEN
    expect(summary.status).toBe('FAILED');
    expect(summary.stoppedEarly).toBe(true);
    expect(summary.counts).toEqual({ total: 5, passed: 0, failed: 1, timedOut: 0, error: 0, cancelled: 4, flaky: 0 });
    expect(summary.shards.slice(1)).toEqual([cancelled('unit', 2), cancelled('unit', 3), cancelled('unit', 4), cancelled('contract', 1)]);
    expect(summary.error).toBe('ShardFailed');
    expect(summary.cause).toBe([
      'Run run-7 stopped early because failFast is on and a shard failed: 5 of 5 shards did not pass (1 failed, 0 timed out, 0 error, 4 cancelled).',
      'Stopped by States.ExceedToleratedFailureThreshold: The tolerated failure threshold was exceeded.',
      '- unit shard 1/4: FAILED after 1 attempt (exit code 2): Tests failed: 1 of 40',
      '- unit shard 2/4: CANCELLED: not run: the run stopped early after a shard failed',
      '- unit shard 3/4: CANCELLED: not run: the run stopped early after a shard failed',
      '- unit shard 4/4: CANCELLED: not run: the run stopped early after a shard failed',
      '- contract shard 1/1: CANCELLED: not run: the run stopped early after a shard failed',
      `Full report: ${REPORT_URI}`,
    ].join('\n'));
  });

  test('fails even when every recorded shard passed, and leaves out the reason line without a Cause', async () => {
    // GIVEN
    const store = await plannedRun(['integration']);
    await record(store, result('integration', 1), result('integration', 2));

    // WHEN
    const summary = await summarize(store, {});

    // THEN
    expect(summary.status).toBe('FAILED');
    expect(summary.error).toBe('ShardFailed');
    expect(summary.cause).toBe([
      'Run run-7 stopped early because failFast is on and a shard failed: 0 of 2 shards did not pass (0 failed, 0 timed out, 0 error, 0 cancelled).',
      `Full report: ${REPORT_URI}`,
    ].join('\n'));
  });

  test('cuts a long Cause to 1000 characters', async () => {
    // GIVEN
    const store = await plannedRun(['contract']);

    // WHEN
    const summary = await summarize(store, { Error: 'ShardFailed', Cause: 'c'.repeat(5000) });

    // THEN
    expect(summary.cause!.split('\n')[1]).toBe(`Stopped by ShardFailed: ${'c'.repeat(1000)}…`);
  });
});

describe('summarizeRun reading the records', () => {
  test('reads only the records of planned shards, and takes suite and shard from the key', async () => {
    // GIVEN
    const store = await plannedRun(['unit']);
    await record(store, result('unit', 1));
    const strays = {
      'runs/run-7/_results/unit/5.json': result('unit', 5, { status: 'FAILED' }),
      'runs/run-7/_results/integration/1.json': result('integration', 1, { status: 'FAILED' }),
      'runs/run-7/_results/unit/02.json': result('unit', 2, { status: 'FAILED' }),
      'runs/run-7/_results/unit/3.json.tmp': result('unit', 3, { status: 'FAILED' }),
      'runs/run-8/_results/unit/4.json': result('unit', 4, { status: 'FAILED' }),
    };
    for (const [key, stray] of Object.entries(strays)) {
      await store.put(key, JSON.stringify(stray), 'application/json');
    }
    await store.put(RESULTS_LAYOUT.shardResultKey(RUN_ID, 'unit', 2), JSON.stringify(result('other', 9)), 'application/json');

    // WHEN
    const summary = await summarize(store);

    // THEN
    expect(summary.shards.map((shard) => [shard.suite, shard.shard, shard.status])).toEqual([
      ['unit', 1, 'PASSED'], ['unit', 2, 'PASSED'], ['unit', 3, 'ERROR'], ['unit', 4, 'ERROR'],
    ]);
  });

  test('turns a record it cannot read into an ERROR of its shard, and fills absent fields', async () => {
    // GIVEN
    const store = await plannedRun(['unit']);
    await store.put(RESULTS_LAYOUT.shardResultKey(RUN_ID, 'unit', 1), 'not json', 'application/json');
    await store.put(RESULTS_LAYOUT.shardResultKey(RUN_ID, 'unit', 2), '{"status":"GREEN"}', 'application/json');
    await store.put(RESULTS_LAYOUT.shardResultKey(RUN_ID, 'unit', 3), '{"status":"FAILED"}', 'application/json');
    await record(store, result('unit', 4));

    // WHEN
    const summary = await summarize(store);

    // THEN
    const notRun = { attempts: 0, exitCode: null, flaky: false, taskArn: null };
    expect(summary.shards.slice(0, 3)).toEqual([
      { suite: 'unit', shard: 1, status: 'ERROR', ...notRun, reason: 'the result record could not be read: it is not valid JSON' },
      { suite: 'unit', shard: 2, status: 'ERROR', ...notRun, reason: 'the result record could not be read: it has no valid status' },
      { suite: 'unit', shard: 3, status: 'FAILED', ...notRun, reason: '' },
    ]);
    expect(summary.cause!.split('\n')[3]).toBe('- unit shard 3/4: FAILED');
  });

  test('orders shards by number, not as S3 lists their keys', async () => {
    // GIVEN: "unit/10.json" lists before "unit/2.json".
    const store = await plannedRun(['unit', 'integration'], [
      { name: 'unit', shards: 12, environment: {} },
      { name: 'integration', shards: 2, environment: {} },
    ]);
    await record(store, result('integration', 2), result('unit', 10), result('unit', 2));

    // WHEN
    const summary = await summarize(store);

    // THEN
    expect(summary.shards.map((shard) => `${shard.suite}/${shard.shard}`)).toEqual([
      ...Array.from({ length: 12 }, (_, i) => `unit/${i + 1}`), 'integration/1', 'integration/2',
    ]);
    expect(summary.counts.passed).toBe(3);
  });

  test('reads at most 32 records at a time', async () => {
    // GIVEN
    const store = new CountingStore();
    await planRun({ input: {}, runId: RUN_ID, bucket: BUCKET, suites: [{ name: 'unit', shards: 100, environment: {} }] }, store);
    await record(store, ...Array.from({ length: 100 }, (_, i) => result('unit', i + 1)));

    // WHEN
    const summary = await summarize(store);

    // THEN
    expect(summary.counts.passed).toBe(100);
    expect(store.mostInFlight).toBe(32);
  });

  test('fails with RunPlanMissing when there is no plan, and writes nothing', async () => {
    // GIVEN
    const store = new MemoryResultsStore();

    // WHEN
    const summarizing = summarize(store);

    // THEN
    await expect(summarizing).rejects.toMatchObject({
      name: 'RunPlanMissing',
      message: 'No run plan was found at s3://results-bucket/runs/run-7/_plan.json; a run can only be summarised after its plan step has written the plan.',
    });
    expect(store.objects.size).toBe(0);
  });

  test('fails with RunPlanInvalid when the plan lists suites that none of its shards belong to', async () => {
    // GIVEN
    const store = new MemoryResultsStore();
    const plan = { runId: RUN_ID, suites: ['unit', 'integration'], shardCount: 1, items: [[0, 1]] };
    await store.put(RESULTS_LAYOUT.planKey(RUN_ID), JSON.stringify(plan), 'application/json');

    // WHEN
    const summarizing = summarize(store);

    // THEN
    await expect(summarizing).rejects.toMatchObject({
      name: 'RunPlanInvalid',
      message: 'The plan of run run-7 lists 2 test suites but its shards belong to 1; the plan is not one that the plan step writes.',
    });
  });
});

describe('summarizeRun keeps its output within budget', () => {
  const SHARDS = 3000;
  const catalogue = [{ name: 'unit', shards: SHARDS, environment: {} }];
  const longReason = 'r'.repeat(100);

  test('lists only the failed and flaky shards when all of them do not fit', async () => {
    // GIVEN
    const store = await plannedRun(['unit'], catalogue);
    await record(store, ...Array.from({ length: SHARDS }, (_, i) => result('unit', i + 1, { reason: longReason })));
    const failed = result('unit', 7, { status: 'FAILED', exitCode: 1, reason: longReason });
    const flaky = result('unit', 3000, { attempts: 3, flaky: true, reason: longReason });
    await record(store, failed, flaky);

    // WHEN
    const summary = await summarize(store);

    // THEN
    expect(summary.shardsListed).toBe('notPassed');
    expect(summary.shards).toEqual([failed, flaky]);
    expect(summary.counts).toEqual({ total: 3000, passed: 2999, failed: 1, timedOut: 0, error: 0, cancelled: 0, flaky: 1 });
    const full = report(store);
    expect(full.shardsListed).toBe('all');
    expect(full.shards).toHaveLength(SHARDS);
    expect(Buffer.byteLength(JSON.stringify(full))).toBeGreaterThan(SUMMARY_BUDGET_BYTES);
  });

  test('lists the first shards that fit when even the failed ones do not, and cuts the cause', async () => {
    // GIVEN
    const store = await plannedRun(['unit'], catalogue);
    await record(store, ...Array.from({ length: SHARDS }, (_, i) =>
      result('unit', i + 1, { status: 'FAILED', exitCode: 1, attempts: 2, reason: longReason })));

    // WHEN
    const summary = await summarize(store);

    // THEN the output holds as many shards as fit, in order, and one more would not fit.
    const full = report(store);
    const listed = summary.shards.length;
    expect(summary.shardsListed).toBe('notPassed');
    expect(listed).toBeGreaterThan(0);
    expect(summary.shards).toEqual(full.shards.slice(0, listed));
    expect(Buffer.byteLength(JSON.stringify(summary))).toBeLessThanOrEqual(SUMMARY_BUDGET_BYTES);
    expect(Buffer.byteLength(JSON.stringify({ ...summary, shards: full.shards.slice(0, listed + 1) }))).toBeGreaterThan(SUMMARY_BUDGET_BYTES);
    expect(full.shards).toHaveLength(SHARDS);

    // AND the cause lists the first shards, says how many it left out, and points at the report.
    const lines = summary.cause!.split('\n');
    const shardLines = lines.slice(1, -2);
    expect(summary.cause!.length).toBeLessThanOrEqual(CAUSE_BUDGET_CHARS);
    expect(summary.cause!.length).toBeGreaterThan(CAUSE_BUDGET_CHARS - shardLines[0].length - 1);
    expect(lines[0]).toBe('Run run-7: 3000 of 3000 shards did not pass (3000 failed, 0 timed out, 0 error, 0 cancelled).');
    expect(shardLines[0]).toBe(`- unit shard 1/3000: FAILED after 2 attempts (exit code 1): ${longReason}`);
    expect(shardLines[shardLines.length - 1]).toBe(`- unit shard ${shardLines.length}/3000: FAILED after 2 attempts (exit code 1): ${longReason}`);
    expect(lines.slice(-2)).toEqual([`… and ${SHARDS - shardLines.length} more; see ${REPORT_URI}`, `Full report: ${REPORT_URI}`]);
    expect(full.cause).toBe(summary.cause);
  });
});

/** Records how many reads overlap, with every read taking a moment as S3's do. */
class CountingStore extends MemoryResultsStore {
  public mostInFlight = 0;
  private inFlight = 0;

  public async get(key: string): Promise<string | undefined> {
    this.inFlight++;
    this.mostInFlight = Math.max(this.mostInFlight, this.inFlight);
    await new Promise((resolve) => setTimeout(resolve, 1));
    this.inFlight--;
    return super.get(key);
  }
}
