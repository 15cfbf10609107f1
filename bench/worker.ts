import { spawnSync } from 'child_process';
import * as path from 'path';

/**
 * Runs a benchmark worker in a fresh Node process, one at a time so that measurements do not share the machine's
 * two cores, and returns the JSON it printed last.
 */
export function runWorker<T>(script: string, args: ReadonlyArray<string | number>): T {
  const root = path.join(__dirname, '..');
  const result = spawnSync(process.execPath, [
    '--max-old-space-size=6144',
    '-r', 'ts-node/register/transpile-only',
    path.join(__dirname, script),
    ...args.map(String),
  ], {
    cwd: root,
    env: { ...process.env, TS_NODE_PROJECT: path.join(root, 'tsconfig.dev.json') },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const lastLine = result.stdout.trim().split('\n').pop() ?? '';
  if (result.status !== 0 || !lastLine.startsWith('{')) {
    throw new Error(`${script} ${args.join(' ')} failed (exit ${result.status}):\n${result.stderr}\n${result.stdout}`);
  }
  return JSON.parse(lastLine) as T;
}
