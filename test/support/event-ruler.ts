import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/**
 * EventBridge's pattern matching, by AWS's own matcher: Event Ruler (software.amazon.event.ruler on Maven Central),
 * run with the JDK and Maven that this project's machines have. No npm package implements the matcher with an
 * authority that a test of the notification rule could lean on.
 *
 * Maven resolves the jars once per machine; the classpath is remembered below node_modules/.cache, so later runs
 * start only the JVM.
 */

const HERE = path.join(__dirname, 'event-ruler');
const POM = path.join(HERE, 'pom.xml');
const PROGRAM = path.join(HERE, 'MatchEvents.java');
const CACHE = path.join(__dirname, '..', '..', 'node_modules', '.cache', 'event-ruler');
const TIMEOUT_MS = 180_000;

/** For each event, whether the pattern matches it. */
export function matchEvents(pattern: unknown, events: readonly unknown[]): boolean[] {
  const result = spawnSync('java', ['-cp', classpath(), PROGRAM], {
    input: JSON.stringify({ pattern, events }),
    encoding: 'utf8',
    timeout: TIMEOUT_MS,
  });
  if (result.error || result.status !== 0) {
    throw new Error(`Event Ruler could not match the events: ${result.error?.message ?? result.stderr}`);
  }
  const answers = result.stdout.trim().split('\n');
  if (answers.length !== events.length) {
    throw new Error(`Event Ruler answered ${answers.length} times for ${events.length} events: ${result.stdout}`);
  }
  return answers.map(answer => answer === 'true');
}

function classpath(): string {
  // Keyed by the POM, so that a change of version resolves again.
  const key = createHash('sha256').update(fs.readFileSync(POM)).digest('hex').slice(0, 16);
  const remembered = path.join(CACHE, `classpath-${key}.txt`);
  if (fs.existsSync(remembered)) {
    const jars = fs.readFileSync(remembered, 'utf8').trim();
    if (jars.split(path.delimiter).every(jar => fs.existsSync(jar))) {
      return jars;
    }
  }
  fs.mkdirSync(CACHE, { recursive: true });
  const resolved = spawnSync('mvn', ['-q', '-B', '-f', POM, 'dependency:build-classpath', `-Dmdep.outputFile=${remembered}`], {
    encoding: 'utf8',
    timeout: TIMEOUT_MS,
  });
  if (resolved.error || resolved.status !== 0 || !fs.existsSync(remembered)) {
    throw new Error('Maven could not resolve Event Ruler (software.amazon.event.ruler:event-ruler) from Maven Central: '
      + `${resolved.error?.message ?? ''}${resolved.stdout}${resolved.stderr}`);
  }
  return fs.readFileSync(remembered, 'utf8').trim();
}
