import * as path from 'path';
import { createApp } from './app';
import { ShardResult } from '../src/runtime/contract';
import { task } from '../test/support/simulated-ecs';
import { simulateRun, SimulatedRun } from '../test/support/simulated-run';
import { CfnTemplate, readWorkflow } from '../test/support/synth';

/**
 * `npx projen demo`: synthesizes the example app to CloudFormation, offline, then plays one test run of it against
 * a simulated Fargate, with a mix of outcomes, and checks that the run behaves as the README says. It exits non-zero
 * if it does not.
 */

const OUTDIR = 'cdk.out';
const RUN_ID = 'demo-run';

/** What each shard's task does in the demo; every other shard passes on its first attempt. */
const SCRIPT = {
  'unit/2': [task.exits(1)],
  'unit/3': [task.exits(1), task.passes()],
  'integration/1': [task.failsToPullImage(), task.passes()],
  'e2e/2': [task.hangs()],
};

type Expected = Pick<ShardResult, 'status' | 'attempts' | 'exitCode' | 'flaky'>;

/** What the README promises for each scripted shard. */
const EXPECTED: Record<string, Expected & { readonly why: string }> = {
  'unit/2': { status: 'FAILED', attempts: 2, exitCode: 1, flaky: false, why: 'failed tests are retried retryTestFailures (1) times, then FAILED' },
  'unit/3': { status: 'PASSED', attempts: 2, exitCode: 0, flaky: true, why: 'a shard that passes on a test retry is PASSED and flaky' },
  'integration/1': { status: 'PASSED', attempts: 2, exitCode: 0, flaky: false, why: 'an image pull failure is retried, and is not flakiness' },
  'e2e/2': { status: 'TIMED_OUT', attempts: 1, exitCode: null, flaky: false, why: 'a shard past its timeout is TIMED_OUT, not retried' },
};

async function main(): Promise<number> {
  // Synthesize, as `cdk synth` would.
  const { app, stack } = createApp({ outdir: OUTDIR });
  const assembly = app.synth();
  const artifact = assembly.getStackByName(stack.stackName);
  const template = artifact.template as CfnTemplate;
  console.log(`Synthesized examples/app.ts offline: ${path.join(OUTDIR, artifact.templateFile)} `
    + `(${Object.keys(template.Resources).length} resources).`);

  console.log(`\nPlaying test run "${RUN_ID}" of every suite against a simulated Fargate:`);
  console.log('  unit 2 fails its tests twice, unit 3 fails once then passes, integration 1 cannot pull its image once,');
  console.log('  e2e 2 runs past its 45-minute timeout; every other shard passes.\n');
  const run = await simulateRun(readWorkflow(template), {
    runId: RUN_ID,
    input: { environment: { GIT_SHA: '0a1b2c3' } },
    tasks: SCRIPT,
  });

  printTable(run);
  console.log(`\nThe run ended ${run.status}${run.error ? ` with ${run.error}` : ''}; its report: ${run.summary?.reportUri}`);
  console.log('\nThe notification the rule would send (by email, to team@example.com):\n');
  console.log(run.notification.withCause.split('\n').map(line => `  | ${line}`).join('\n'));

  const problems = check(run);
  if (problems.length > 0) {
    console.error('\nThe simulated run did NOT behave as the README says:');
    problems.forEach(problem => console.error(`  - ${problem}`));
    return 1;
  }
  console.log('\nThe simulated run behaved as the README says: test failures fail their shard after the allowed retries,');
  console.log('a pass on a retry is flaky, infrastructure failures are retried, a hung task is stopped, no shard cancels');
  console.log('another, and the run fails with a cause that names every shard that did not pass.');
  return 0;
}

function printTable(run: SimulatedRun) {
  const rows = (run.summary?.shards ?? []).map(shard => [
    shard.suite,
    `${shard.shard}`,
    shard.status + (shard.flaky ? ' (flaky)' : ''),
    `${shard.attempts}`,
    shard.exitCode === null ? '-' : `${shard.exitCode}`,
  ]);
  const header = ['suite', 'shard', 'status', 'attempts', 'exit code'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map(row => row[column].length)));
  const line = (cells: string[]) => `  ${cells.map((cell, column) => cell.padEnd(widths[column])).join('  ')}`.trimEnd();
  console.log(line(header));
  console.log(line(widths.map(width => '-'.repeat(width))));
  rows.forEach(row => console.log(line(row)));
}

/** Every way the run differs from what the README promises, in words. */
function check(run: SimulatedRun): string[] {
  const problems: string[] = [];
  if (run.status !== 'FAILED' || run.error !== 'TestRunFailed') {
    problems.push(`a run with failed shards ends FAILED with TestRunFailed; this one ended ${run.status} ${run.error ?? ''}`);
  }
  const shards = run.summary?.shards ?? [];
  if (shards.length !== 9) {
    problems.push(`every one of the 9 shards is reported; ${shards.length} were`);
  }
  for (const shard of shards) {
    const key = `${shard.suite}/${shard.shard}`;
    const expected = EXPECTED[key] ?? { status: 'PASSED', attempts: 1, exitCode: 0, flaky: false, why: 'a passing shard runs once; no other shard cancels it' };
    const actual: Expected = { status: shard.status, attempts: shard.attempts, exitCode: shard.exitCode, flaky: shard.flaky };
    const differs = (Object.keys(actual) as Array<keyof Expected>).filter(field => actual[field] !== expected[field]);
    if (differs.length > 0) {
      problems.push(`${key}: ${expected.why}; got ${differs.map(field => `${field} ${actual[field]}`).join(', ')}`);
    }
  }
  if (run.ecs.runningTasks().length > 0) {
    problems.push(`a timed-out task is stopped; ${run.ecs.runningTasks().length} task(s) were left running`);
  }
  const retriedPull = run.waits.find(wait => wait.shard === 'integration/1');
  if (!retriedPull || retriedPull.seconds < 1 || retriedPull.seconds > 10) {
    problems.push(`the first retry waits between 1 and 10 seconds (full jitter on a 10 s interval); it waited ${retriedPull?.seconds}`);
  }
  if (!run.notification.sent) {
    problems.push('a FAILED run sends a notification; the rule would not match');
  }
  for (const shard of ['unit shard 2/4: FAILED', 'e2e shard 2/2: TIMED_OUT', 'unit shard 3/4: PASSED on attempt 2 (flaky)']) {
    if (!run.notification.withCause.includes(shard)) {
      problems.push(`the notification names every shard that needs attention; "${shard}" is missing`);
    }
  }
  return problems;
}

main().then(code => {
  process.exitCode = code;
}, (error: unknown) => {
  // A person reads this, not a debugger: the message, without a stack trace.
  console.error(`The demo could not run: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
