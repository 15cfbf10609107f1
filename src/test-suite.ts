import { CfnDynamicReference, Duration, Stack, Token, Tokenization } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { IConstruct } from 'constructs';
import { RESERVED_ENVIRONMENT_NAMES, RESERVED_ENVIRONMENT_PREFIXES } from './runtime/contract';
import { PropErrors } from './validation';

/**
 * A containerized test suite, run as one or more shards. Each shard is one Fargate task of the suite's task
 * definition, told which shard it is through its environment.
 */
export interface TestSuite {
  /**
   * The suite's name: what runs select it by, and part of its task definition family and its results prefix.
   * 1 to 32 lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen.
   */
  readonly name: string;

  /** The image that runs the tests. */
  readonly image: ecs.ContainerImage;

  /**
   * The command the container runs.
   *
   * @default - the image's CMD
   */
  readonly command?: string[];

  /**
   * Environment variables for every shard of this suite. A run can override them.
   *
   * Names reserved for the workflow (`TEST_*` variables it sets, `RESULTS_BUCKET`, `RESULTS_PREFIX`) and names
   * starting with `AWS_` or `ECS_` are refused.
   *
   * @default - none
   */
  readonly environment?: { [name: string]: string };

  /**
   * Secrets from Secrets Manager or SSM Parameter Store, exposed as environment variables. Only the suite's task
   * execution role can read them, and their values never appear in the template, the state machine or a run.
   *
   * @default - none
   */
  readonly secrets?: { [name: string]: ecs.Secret };

  /**
   * CPU units of each shard's task: 256, 512, 1024, 2048, 4096, 8192 or 16384.
   *
   * @default 1024
   */
  readonly cpu?: number;

  /**
   * Memory of each shard's task, in MiB. It must be a size that Fargate offers for the chosen `cpu`.
   *
   * @default 2048
   */
  readonly memoryLimitMiB?: number;

  /**
   * How many shards the suite is split into. Between 1 and 10,000.
   *
   * @default 1
   */
  readonly shards?: number;

  /**
   * How long one attempt of a shard may run before its task is stopped and the shard reported as timed out.
   *
   * @default - the construct's `taskTimeout`
   */
  readonly timeout?: Duration;

  /**
   * The CPU architecture of the image. ARM64 (Graviton) costs about 20% less per vCPU-hour on Fargate, if the image
   * is built for it.
   *
   * @default ecs.CpuArchitecture.X86_64
   */
  readonly cpuArchitecture?: ecs.CpuArchitecture;

  /**
   * Ephemeral storage of each shard's task, in GiB: 21 to 200.
   *
   * @default - 20 GiB, Fargate's default
   */
  readonly ephemeralStorageGiB?: number;
}

/** A suite with every default applied, ready to become a task definition and a catalogue entry. */
export interface ResolvedTestSuite {
  readonly name: string;
  readonly image: ecs.ContainerImage;
  readonly command?: string[];
  readonly environment: Record<string, string>;
  readonly secrets: Record<string, ecs.Secret>;
  readonly cpu: number;
  readonly memoryLimitMiB: number;
  readonly shards: number;
  readonly timeoutSeconds: number;
  readonly cpuArchitecture: ecs.CpuArchitecture;
  readonly ephemeralStorageGiB?: number;
}

export const MAX_SHARDS_PER_SUITE = 10_000;
export const MAX_SHARDS_PER_RUN = 10_000;
/**
 * The plan step receives every suite's environment in one Step Functions payload, which may not pass 256 KiB; this
 * leaves 64 KiB of it for the run's own input (its environment overrides take at most 32 KiB) and the catalogue.
 */
export const SUITE_ENVIRONMENTS_BUDGET_BYTES = 192 * 1024;
const SUITE_NAME = /^[a-z]([a-z0-9-]{0,30}[a-z0-9])?$/;
const ENVIRONMENT_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TIMEOUT_SECONDS = { min: 60, max: 7 * 24 * 3600 };

/** Fargate's task sizes: for each CPU value, the memory sizes in MiB it can run with. */
const FARGATE_MEMORY_BY_CPU: Record<number, { min: number; max: number; step: number }> = {
  256: { min: 512, max: 2048, step: 512 },
  512: { min: 1024, max: 4096, step: 1024 },
  1024: { min: 2048, max: 8192, step: 1024 },
  2048: { min: 4096, max: 16384, step: 1024 },
  4096: { min: 8192, max: 30720, step: 1024 },
  8192: { min: 16384, max: 61440, step: 4096 },
  16384: { min: 32768, max: 122880, step: 8192 },
};

export function fargateAccepts(cpu: number, memoryMiB: number): boolean {
  const sizes = FARGATE_MEMORY_BY_CPU[cpu];
  if (!sizes || memoryMiB < sizes.min || memoryMiB > sizes.max) {
    return false;
  }
  // 256 CPU units take 512, 1024 and 2048 MiB: a step of 512 from 512 lands exactly on those.
  return (memoryMiB - sizes.min) % sizes.step === 0;
}

export function resolveTestSuites(
  suites: TestSuite[],
  defaultTimeout: number | undefined,
  errors: PropErrors,
): ResolvedTestSuite[] {
  if (suites.length === 0) {
    errors.add('testSuites is empty; give at least one test suite.');
  }
  const seen = new Set<string>();
  const resolved = suites.map((suite, index) => {
    const at = `testSuites[${index}]`;
    if (!SUITE_NAME.test(suite.name)) {
      errors.add(`${at}.name is "${suite.name}"; it must be 1 to 32 lowercase letters, digits and hyphens, `
        + 'starting with a letter and not ending with a hyphen.');
    } else if (seen.has(suite.name)) {
      errors.add(`${at}.name is "${suite.name}", which an earlier suite already has; suite names must be unique.`);
    }
    seen.add(suite.name);

    const cpu = suite.cpu ?? 1024;
    const memoryLimitMiB = suite.memoryLimitMiB ?? 2048;
    if (!Token.isUnresolved(cpu) && !FARGATE_MEMORY_BY_CPU[cpu]) {
      errors.add(`${at}.cpu is ${cpu}; Fargate accepts ${Object.keys(FARGATE_MEMORY_BY_CPU).join(', ')}.`);
    } else if (!Token.isUnresolved(cpu) && !Token.isUnresolved(memoryLimitMiB) && !fargateAccepts(cpu, memoryLimitMiB)) {
      const sizes = FARGATE_MEMORY_BY_CPU[cpu];
      errors.add(`${at}.memoryLimitMiB is ${memoryLimitMiB} with cpu ${cpu}; Fargate accepts ${sizes.min} to `
        + `${sizes.max} MiB in steps of ${sizes.step} for that cpu.`);
    }

    const shards = suite.shards ?? 1;
    errors.integerInRange(`${at}.shards`, shards, 1, MAX_SHARDS_PER_SUITE);

    let timeoutSeconds = defaultTimeout;
    if (suite.timeout) {
      // A token is not judged, but its value still has to reach the catalogue.
      timeoutSeconds = suite.timeout.isUnresolved()
        ? suite.timeout.toSeconds()
        : errors.wholeSecondsInRange(`${at}.timeout`, suite.timeout, TIMEOUT_SECONDS.min, TIMEOUT_SECONDS.max);
    }

    if (suite.ephemeralStorageGiB !== undefined) {
      errors.integerInRange(`${at}.ephemeralStorageGiB`, suite.ephemeralStorageGiB, 21, 200);
    }

    const environment = suite.environment ?? {};
    for (const [name, value] of Object.entries(environment)) {
      checkEnvironmentEntry(`${at}.environment`, name, value, errors);
    }
    for (const name of Object.keys(suite.secrets ?? {})) {
      checkEnvironmentName(`${at}.secrets`, name, errors);
      if (name in environment) {
        errors.add(`${at}.secrets has "${name}", which ${at}.environment sets too; a name can come from one only.`);
      }
    }

    return {
      name: suite.name,
      image: suite.image,
      command: suite.command,
      environment,
      secrets: suite.secrets ?? {},
      cpu,
      memoryLimitMiB,
      shards,
      timeoutSeconds: timeoutSeconds ?? TIMEOUT_SECONDS.min,
      cpuArchitecture: suite.cpuArchitecture ?? ecs.CpuArchitecture.X86_64,
      ephemeralStorageGiB: suite.ephemeralStorageGiB,
    };
  });

  const total = resolved.reduce((sum, suite) => sum + (Token.isUnresolved(suite.shards) ? 0 : suite.shards), 0);
  if (total > MAX_SHARDS_PER_RUN) {
    errors.add(`testSuites have ${total} shards in all; one run can hold at most ${MAX_SHARDS_PER_RUN}.`);
  }
  const environmentBytes = resolved.reduce((sum, suite) => sum + Buffer.byteLength(JSON.stringify(suite.environment), 'utf8'), 0);
  if (environmentBytes > SUITE_ENVIRONMENTS_BUDGET_BYTES) {
    errors.add(`testSuites have environments of ${environmentBytes} bytes in all, as JSON; at most `
      + `${SUITE_ENVIRONMENTS_BUDGET_BYTES} fit, because the plan step receives them in one Step Functions payload of `
      + 'at most 256 KiB, with the run\'s own input. Move large values into the image or into secrets.');
  }
  return resolved;
}

export const TASK_TIMEOUT_SECONDS = TIMEOUT_SECONDS;

export function checkEnvironmentEntry(at: string, name: string, value: string, errors: PropErrors) {
  checkEnvironmentName(at, name, errors);
  if (!Token.isUnresolved(value) && /[\r\n]/.test(value)) {
    errors.add(`${at}.${name} has a line break; values reach the container through an environment file, `
      + 'one line per variable, so they must be single lines.');
  }
}

/**
 * Refuses an environment value that is a reference to a secret, such as `secret.secretValue.unsafeUnwrap()`.
 * CloudFormation resolves such a reference wherever it appears, so its value would stand in plain text in the state
 * machine definition, a schedule's rule and the run's environment file; `secrets` keeps it out of all three.
 */
export function checkNotSecret(scope: IConstruct, at: string, name: string, value: string, errors: PropErrors) {
  if (!Token.isUnresolved(value)) {
    return;
  }
  const references = Tokenization.reverseString(value).tokens.filter(token => token instanceof CfnDynamicReference);
  if (references.some(reference => /\{\{resolve:(secretsmanager|ssm-secure):/.test(JSON.stringify(Stack.of(scope).resolve(reference))))) {
    errors.add(`${at}.${name} is a reference to a secret; CloudFormation would write its value in plain text into `
      + 'the state machine or the schedule, so give it to the test suite through secrets instead.');
  }
}

function checkEnvironmentName(at: string, name: string, errors: PropErrors) {
  if (!ENVIRONMENT_NAME.test(name)) {
    errors.add(`${at} has the name "${name}"; names must be letters, digits and underscores, not starting with a digit.`);
  } else if (RESERVED_ENVIRONMENT_NAMES.includes(name)
    || RESERVED_ENVIRONMENT_PREFIXES.some(prefix => name.startsWith(prefix))) {
    errors.add(`${at} has the name "${name}", which is reserved: the workflow sets `
      + `${RESERVED_ENVIRONMENT_NAMES.join(', ')}, and names starting with `
      + `${RESERVED_ENVIRONMENT_PREFIXES.join(' or ')} belong to the platform.`);
  }
}
