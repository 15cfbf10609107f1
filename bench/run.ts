import * as fs from 'fs';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { BENCH_MAX_CONCURRENCY } from './apps';
import { chartSvg, Panel } from './chart';
import { describeMachine, Machine } from './machine';
import { FARGATE_OFFERS, PRICES } from './prices';
import { SimulationMeasurement } from './simulate-worker';
import { SynthMeasurement } from './synth-worker';
import { runWorker } from './worker';

/**
 * The benchmark: `npx projen bench`. Synthesizes every configuration and plays a simulated run of each in processes
 * of their own, prints the tables, and writes them with a chart into docs/BENCHMARKS.md and docs/bench-limits.svg.
 * `npx projen bench --no-write` only prints.
 */

const SUITES = [1, 10, 50, 200];
const SHARDS_PER_RUN = [1, 100, 1_000, 10_000];
/** Where the search for the largest number of suites that synthesizes starts. */
const LIMIT_SEARCH_FROM = 100;
/** The run that checks launches against Fargate's token bucket: every shard may start at once. */
const LAUNCH_CHECK = { suites: 10, shardsPerRun: 1_000 };
/** The configuration compared with a plain aws-cdk-lib app, and how many times each is synthesized, alternating. */
const COMPARISON = { suites: 50, shardsPerRun: 1_000, rounds: 3 };

const DOCS = path.join(__dirname, '..', 'docs');
const RESULTS_BEGIN = '<!-- BEGIN bench results: written by `npx projen bench`, do not edit by hand -->';
const RESULTS_END = '<!-- END bench results -->';

interface Results {
  readonly machine: Machine;
  readonly synth: SynthMeasurement[];
  /** Synths around CloudFormation's limit of 500 resources, the largest number of suites that fits among them. */
  readonly limits: SynthMeasurement[];
  readonly largestSupportedSuites: number;
  readonly comparison: { construct: SynthMeasurement[]; plain: SynthMeasurement[] };
  readonly simulations: Array<SimulationMeasurement | { suites: number; shardsPerRun: number; refusal: string }>;
  /** The launch check's run played again without the Run test task state's own repeats of throttled calls. */
  readonly withoutLaunchRetry: SimulationMeasurement;
  /** The largest payloads the limits allow: the most suites, the most shards, the largest run environment. */
  readonly worstCase: SimulationMeasurement;
  readonly wallSeconds: number;
}

function main() {
  const started = performance.now();
  const machine = describeMachine();
  progress(`bench on ${machine.cpus} CPUs, ${machine.memoryGiB} GiB, Node ${machine.node}`);

  const synth: SynthMeasurement[] = [];
  for (const suites of SUITES) {
    for (const shardsPerRun of SHARDS_PER_RUN) {
      synth.push(progress(`synth ${suites} suites, ${shardsPerRun} shards`,
        runWorker<SynthMeasurement>('synth-worker.ts', ['construct', suites, shardsPerRun])));
    }
  }
  const { limits, largestSupportedSuites } = findLargestSupportedSuites();

  const comparison = { construct: [] as SynthMeasurement[], plain: [] as SynthMeasurement[] };
  for (let round = 0; round < COMPARISON.rounds; round++) {
    for (const app of ['plain', 'construct'] as const) {
      comparison[app].push(progress(`synth ${app} app, ${COMPARISON.suites} suites, round ${round + 1}`,
        runWorker<SynthMeasurement>('synth-worker.ts', [app, COMPARISON.suites, COMPARISON.shardsPerRun])));
    }
  }

  const simulations: Results['simulations'] = [];
  for (const measured of synth) {
    const { suites, shardsPerRun } = measured;
    simulations.push(measured.refusal
      ? { suites, shardsPerRun, refusal: measured.refusal }
      : progress(`simulate ${suites} suites, ${shardsPerRun} shards`,
        runWorker<SimulationMeasurement>('simulate-worker.ts', [suites, shardsPerRun, BENCH_MAX_CONCURRENCY])));
  }

  const withoutLaunchRetry = progress('simulate the launch check without the state\'s own retry',
    runWorker<SimulationMeasurement>('simulate-worker.ts',
      [LAUNCH_CHECK.suites, LAUNCH_CHECK.shardsPerRun, BENCH_MAX_CONCURRENCY, '--without-launch-retry']));

  const worstCase = progress(`simulate the worst case: ${largestSupportedSuites} suites, 10,000 shards, a full run environment`,
    runWorker<SimulationMeasurement>('simulate-worker.ts',
      [largestSupportedSuites, 10_000, BENCH_MAX_CONCURRENCY, '--full-run-environment']));

  const results: Results = {
    machine,
    synth,
    limits,
    largestSupportedSuites,
    comparison,
    simulations,
    withoutLaunchRetry,
    worstCase,
    wallSeconds: (performance.now() - started) / 1000,
  };
  const report = renderReport(results);
  process.stdout.write(`\n${report}\n`);
  if (!process.argv.includes('--no-write')) {
    writeDocs(results, report);
  }
}

/**
 * The most suites one construct takes with its defaults. Each suite adds three resources, so the count that fills
 * 500 is predicted from a synth of LIMIT_SEARCH_FROM suites, then confirmed: it synthesizes and one more does not.
 */
function findLargestSupportedSuites(): { limits: SynthMeasurement[]; largestSupportedSuites: number } {
  const synthOf = (suites: number) => progress(`synth ${suites} suites (limit)`,
    runWorker<SynthMeasurement>('synth-worker.ts', ['construct', suites, 1_000]));
  const limits = [synthOf(LIMIT_SEARCH_FROM)];
  let candidate = LIMIT_SEARCH_FROM + Math.floor((500 - limits[0].resources!) / 3);
  for (;;) {
    const fits = synthOf(candidate);
    const oneMore = synthOf(candidate + 1);
    limits.push(fits, oneMore);
    if (!fits.refusal && oneMore.refusal) {
      return { limits: limits.sort((a, b) => a.suites - b.suites), largestSupportedSuites: candidate };
    }
    candidate += fits.refusal ? -1 : 1;
  }
}

function progress<T>(what: string, value?: T): T {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${what}\n`);
  return value as T;
}

function renderReport(results: Results): string {
  const { machine } = results;
  return [
    `Measured on ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB of memory, Node ${machine.node}, `
      + `${machine.platform}; the whole benchmark took ${Math.round(results.wallSeconds)} s. Every synth and every `
      + 'simulated run had a Node process of its own.',
    '',
    '### Synth',
    '',
    synthTable(results.synth),
    '',
    '### Where the limits are',
    '',
    `With its defaults, one construct takes at most **${results.largestSupportedSuites} suites**; the next one is refused `
      + 'at synth, before CloudFormation would refuse the stack.',
    '',
    limitsTable(results.limits),
    '',
    `### Against a plain aws-cdk-lib app, ${COMPARISON.suites} suites`,
    '',
    comparisonTable(results.comparison),
    '',
    `### Simulated runs (maxConcurrency ${BENCH_MAX_CONCURRENCY.toLocaleString('en-US')})`,
    '',
    simulationTable(results.simulations),
    '',
    `### Launches against Fargate's token bucket (${count(LAUNCH_CHECK.shardsPerRun)} shards, all at once)`,
    '',
    launchTable(results),
    '',
    '### Payloads and histories',
    '',
    'The last row is the worst case the limits allow: the most suites, 10,000 shards, and a run environment of almost '
      + 'the 32 KiB a run may have.',
    '',
    payloadTable([...results.simulations, results.worstCase]),
    '',
    `### Cost of one run (${PRICES.region} prices)`,
    '',
    costTable(results.simulations),
  ].join('\n');
}

function synthTable(rows: readonly SynthMeasurement[]): string {
  return table(
    ['suites', 'shards per run', 'synth s', 'peak RSS MiB', 'template KB', 'definition bytes', 'states', 'resources'],
    rows.map(row => [
      count(row.suites),
      count(row.shardsPerRun),
      ...(row.refusal
        ? [refusal(row.refusal), '', '', '', '', '']
        : [seconds(row.synthMs / 1000), mib(row.peakRssMiB), kb(row.templateBytes!), count(row.definitionBytes!),
          count(row.states!), count(row.resources!)]),
    ]));
}

function limitsTable(rows: readonly SynthMeasurement[]): string {
  return table(
    ['suites', 'resources (limit 500)', 'template KB (limit 1,000)', 'synth'],
    rows.map(row => [
      count(row.suites),
      row.refusal ? '' : count(row.resources!),
      row.refusal ? '' : kb(row.templateBytes!),
      row.refusal ? refusal(row.refusal) : 'ok',
    ]));
}

function comparisonTable(comparison: Results['comparison']): string {
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const measures: Array<[string, (row: SynthMeasurement) => number, (n: number) => string]> = [
    ['synth s (median)', row => row.synthMs / 1000, seconds],
    ['process start to synthesized s (median)', row => (row.loadMs + row.synthMs) / 1000, seconds],
    ['peak RSS MiB (median)', row => row.peakRssMiB, mib],
    ['template KB', row => row.templateBytes! / 1000, n => n.toFixed(0)],
    ['resources', row => row.resources!, count],
    ['definition bytes', row => row.definitionBytes!, count],
  ];
  return table(
    ['', 'construct', 'plain app', 'construct / plain'],
    measures.map(([name, measure, format]) => {
      const construct = median(comparison.construct.map(measure));
      const plain = median(comparison.plain.map(measure));
      return [name, format(construct), format(plain), `${(construct / plain).toFixed(2)}×`];
    }));
}

function simulationTable(rows: Results['simulations']): string {
  return table(
    ['suites', 'shards per run', 'makespan min', 'ideal min', 'makespan / ideal', 'peak / cap', 'launch phase s (bucket minimum)',
      'throttled RunTask calls', 'transitions per shard', 'shards passed', 'simulation wall s'],
    rows.map(row => 'refusal' in row
      ? [count(row.suites), count(row.shardsPerRun), 'refused at synth (see above)', '', '', '', '', '', '', '', '']
      : [
        count(row.suites),
        count(row.shardsPerRun),
        (row.makespanSeconds / 60).toFixed(1),
        (row.idealSeconds / 60).toFixed(1),
        `${(row.makespanSeconds / row.idealSeconds).toFixed(2)}×`,
        `${count(row.peakConcurrency)} / ${count(Math.min(row.maxConcurrency, row.shardsPerRun))}`,
        `${row.launchPhaseSeconds.toFixed(1)} (${row.launchPhaseMinimumSeconds.toFixed(1)})`,
        count(row.throttledRunTasks),
        row.transitionsPerShard.toFixed(1),
        `${count(row.passed)}${row.retriedShards ? ` (${row.retriedShards} retried)` : ''}`,
        seconds(row.wallSeconds),
      ]));
}

function launchTable(results: Results): string {
  const withRetry = results.simulations.find((row): row is SimulationMeasurement => !('refusal' in row)
    && row.suites === LAUNCH_CHECK.suites && row.shardsPerRun === LAUNCH_CHECK.shardsPerRun)!;
  const rows: Array<[string, SimulationMeasurement]> = [
    ['with the Run test task state\'s own retry', withRetry],
    ['without it (the workflow before this benchmark)', results.withoutLaunchRetry],
  ];
  return table(
    ['workflow', 'shards passed', 'shards that spent an attempt', 'throttled RunTask calls', 'launch phase s',
      'bucket minimum s', 'launch phase / minimum (target ≤ 1.2)', 'transitions per shard'],
    rows.map(([name, row]) => [
      name,
      count(row.passed),
      count(row.retriedShards),
      count(row.throttledRunTasks),
      // Shards that never launched leave the launch phase without an end.
      row.notPassed > 0 ? `none: ${count(row.notPassed)} shards never launched` : row.launchPhaseSeconds.toFixed(1),
      row.launchPhaseMinimumSeconds.toFixed(1),
      row.notPassed > 0 ? '' : `${(row.launchPhaseSeconds / row.launchPhaseMinimumSeconds).toFixed(2)}×`,
      row.transitionsPerShard.toFixed(1),
    ]));
}

function payloadTable(rows: Results['simulations']): string {
  return table(
    ['suites', 'shards per run', 'item list bytes', 'shard output bytes', 'summary bytes', 'largest state payload (limit 262,144)',
      'run events', 'largest shard events (limit 25,000)'],
    rows.filter((row): row is SimulationMeasurement => !('refusal' in row)).map(row => [
      count(row.suites),
      count(row.shardsPerRun),
      count(row.planItemsBytes),
      count(row.shardOutputBytes),
      count(row.summaryBytes),
      `${count(row.largestPayloadBytes)} (${row.largestPayloadState})`,
      count(row.runEvents),
      count(row.largestShardEvents),
    ]));
}

function costTable(rows: Results['simulations']): string {
  const offers: Record<string, string> = {
    onDemandX86: 'Fargate x86', onDemandArm64: 'Fargate ARM64', spotX86: 'Spot x86', spotArm64: 'Spot ARM64',
  };
  return table(
    ['suites', 'shards per run', 'task-hours', 'state transitions', 'Step Functions', ...FARGATE_OFFERS.map(offer => offers[offer]),
      'Lambda, S3, logs', 'total (x86)', 'total (Spot ARM64)'],
    rows.filter((row): row is SimulationMeasurement => !('refusal' in row)).map(row => [
      count(row.suites),
      count(row.shardsPerRun),
      (row.usage.taskBilledSeconds / 3600).toFixed(1),
      count(row.usage.stateTransitions),
      dollars(row.cost.stepFunctions),
      ...FARGATE_OFFERS.map(offer => dollars(row.cost.fargate[offer])),
      dollars(row.cost.other),
      dollars(row.cost.stepFunctions + row.cost.fargate.onDemandX86 + row.cost.other),
      dollars(row.cost.stepFunctions + row.cost.fargate.spotArm64 + row.cost.other),
    ]));
}

function chart(results: Results): string {
  const bySuites = [...results.synth.filter(row => row.shardsPerRun === 1_000), ...results.limits]
    .filter((row, i, rows) => rows.findIndex(other => other.suites === row.suites) === i)
    .sort((a, b) => a.suites - b.suites);
  const fifty = results.synth.filter(row => row.suites === 50);
  const fiftySimulated = results.simulations.filter((row): row is SimulationMeasurement => row.suites === 50 && !('refusal' in row));
  const panels: Panel[] = [
    {
      title: 'Resources by suites',
      xLabels: bySuites.map(row => count(row.suites)),
      xValues: bySuites.map(row => row.suites),
      xTitle: 'suites',
      values: bySuites.map(row => row.resources),
      unit: 'resources',
      limit: { value: 500, label: 'CloudFormation: 500' },
    },
    {
      title: 'Template size by suites',
      xLabels: bySuites.map(row => count(row.suites)),
      xValues: bySuites.map(row => row.suites),
      xTitle: 'suites',
      values: bySuites.map(row => (row.templateBytes === undefined ? undefined : row.templateBytes / 1000)),
      unit: 'KB',
      limit: { value: 1000, label: 'CloudFormation: 1 MB' },
    },
    {
      title: 'Definition by shards (50 suites)',
      xLabels: fifty.map(row => count(row.shardsPerRun)),
      xTitle: 'shards per run',
      values: fifty.map(row => (row.definitionBytes === undefined ? undefined : row.definitionBytes / 1000)),
      unit: 'KB',
      limit: { value: 1000, label: 'Step Functions: 1 MB' },
    },
    {
      title: 'Largest state payload (50 suites)',
      xLabels: fiftySimulated.map(row => count(row.shardsPerRun)),
      xTitle: 'shards per run',
      values: fiftySimulated.map(row => row.largestPayloadBytes / 1024),
      unit: 'KiB',
      limit: { value: 256, label: 'Step Functions: 256 KiB' },
    },
  ];
  return chartSvg(panels);
}

function writeDocs(results: Results, report: string) {
  fs.mkdirSync(DOCS, { recursive: true });
  fs.writeFileSync(path.join(DOCS, 'bench-limits.svg'), chart(results));
  const file = path.join(DOCS, 'BENCHMARKS.md');
  const block = `${RESULTS_BEGIN}\n\n${report}\n\n${RESULTS_END}`;
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : `# Benchmarks\n\n${RESULTS_BEGIN}\n${RESULTS_END}\n`;
  const begin = current.indexOf(RESULTS_BEGIN);
  const end = current.indexOf(RESULTS_END);
  if (begin < 0 || end < begin) {
    throw new Error(`${file} has no results block to replace; it needs the lines\n${RESULTS_BEGIN}\n${RESULTS_END}`);
  }
  fs.writeFileSync(file, current.slice(0, begin) + block + current.slice(end + RESULTS_END.length));
  progress(`wrote ${path.relative(process.cwd(), file)} and docs/bench-limits.svg`);
}

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function seconds(s: number): string {
  return s.toFixed(2);
}

function mib(n: number): string {
  return n.toFixed(0);
}

function kb(bytes: number): string {
  return (bytes / 1000).toFixed(1);
}

function dollars(amount: number): string {
  return amount < 0.01 ? `$${amount.toFixed(4)}` : `$${amount.toFixed(2)}`;
}

/** The first line of the construct's refusal that says what is wrong. */
function refusal(message: string): string {
  const reason = message.split('\n').map(text => text.trim()).find(text => text.startsWith('['))?.replace(/^\[[^\]]*\]\s*/, '')
    ?? message.split('\n')[0];
  return `refused: ${reason.replace(/\|/g, '\\|')}`;
}

main();
