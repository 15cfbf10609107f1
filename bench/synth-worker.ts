import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { BenchShape, constructApp, plainApp } from './apps';
import { CfnTemplate, IntrinsicResolver } from '../test/support/synth';

/**
 * Synthesizes one configuration in a process of its own, so that its peak memory is its own, and prints what it
 * measured as one JSON line. Run by bench/run.ts; by hand: `ts-node bench/synth-worker.ts construct 50 1000`.
 */

export interface SynthMeasurement {
  readonly app: 'construct' | 'plain';
  readonly suites: number;
  readonly shardsPerRun: number;
  /** From process start to the first line of the app: Node, ts-node and aws-cdk-lib loading. */
  readonly loadMs: number;
  /** Building the constructs and synthesizing the cloud assembly. */
  readonly synthMs: number;
  /** The process's peak resident set size. */
  readonly peakRssMiB: number;
  readonly templateBytes?: number;
  readonly definitionBytes?: number;
  readonly resources?: number;
  readonly states?: number;
  /** The construct refused the configuration: its message. */
  readonly refusal?: string;
}

function measure(app: 'construct' | 'plain', shape: BenchShape): SynthMeasurement {
  const loadMs = performance.now();
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-${app}-`));
  const started = performance.now();
  try {
    const assembly = (app === 'construct' ? constructApp(shape, outdir) : plainApp(shape, outdir)).synth();
    const synthMs = performance.now() - started;
    const stack = assembly.stacks[0];
    const definition = readDefinition(stack.template as CfnTemplate);
    return {
      app,
      ...shape,
      loadMs,
      synthMs,
      peakRssMiB: peakRssMiB(),
      templateBytes: fs.statSync(stack.templateFullPath).size,
      definitionBytes: Buffer.byteLength(definition, 'utf8'),
      resources: Object.keys(stack.template.Resources).length,
      states: countStates(JSON.parse(definition)),
    };
  } catch (error) {
    return { app, ...shape, loadMs, synthMs: performance.now() - started, peakRssMiB: peakRssMiB(), refusal: (error as Error).message };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** The definition as Step Functions receives it: references resolved into ARNs and names as long as a deployment's. */
function readDefinition(template: CfnTemplate): string {
  const [logicalId, machine] = Object.entries(template.Resources).find(([, resource]) => resource.Type === 'AWS::StepFunctions::StateMachine')!;
  return new IntrinsicResolver(template).resolve(machine.Properties?.DefinitionString, logicalId) as string;
}

function countStates(definition: { States: Record<string, any> }): number {
  return Object.values(definition.States).reduce((sum, state) =>
    sum + 1 + (state.ItemProcessor ? countStates(state.ItemProcessor) : 0) + (state.Iterator ? countStates(state.Iterator) : 0), 0);
}

function peakRssMiB(): number {
  // resourceUsage reports kibibytes on Linux.
  return process.resourceUsage().maxRSS / 1024;
}

if (require.main === module) {
  const [app, suites, shardsPerRun] = process.argv.slice(2);
  if (app !== 'construct' && app !== 'plain') {
    throw new Error(`Usage: synth-worker.ts construct|plain <suites> <shards per run>; got ${process.argv.slice(2).join(' ')}`);
  }
  process.stdout.write(`${JSON.stringify(measure(app, { suites: Number(suites), shardsPerRun: Number(shardsPerRun) }))}\n`);
}
