import { PlanEvent, RUN_ENVIRONMENT_BUDGET_BYTES, SuiteCatalogueEntry } from '../../src/runtime/contract';
import { planRun } from '../../src/runtime/run-plan';
import { MemoryResultsStore } from '../support/memory-results-store';

const CATALOGUE: SuiteCatalogueEntry[] = [
  { name: 'unit', shards: 2, environment: { NODE_ENV: 'test', LOG_LEVEL: 'info' } },
  { name: 'integration', shards: 3, environment: {} },
  { name: 'contract', shards: 1, environment: { PACT_BROKER: 'https://pacts.example.com' } },
];

function planEvent(input: unknown, suites: SuiteCatalogueEntry[] = CATALOGUE): PlanEvent {
  return { input, runId: 'run-42', bucket: 'results-bucket', suites };
}

/** Plans the input, expects it to be refused with exactly this error, and checks that nothing was written. */
async function expectRefused(input: unknown, name: string, lines: string[], suites?: SuiteCatalogueEntry[]) {
  const store = new MemoryResultsStore();
  await expect(planRun(planEvent(input, suites), store)).rejects.toMatchObject({ name, message: lines.join('\n') });
  expect(store.objects.size).toBe(0);
}

function written(store: MemoryResultsStore, key: string) {
  return store.objects.get(key);
}

describe('planRun with a valid input', () => {
  test('runs every suite in catalogue order when the input is empty, and stores the plan', async () => {
    // GIVEN
    const store = new MemoryResultsStore();

    // WHEN
    const plan = await planRun(planEvent({}), store);

    // THEN
    expect(plan).toEqual({
      runId: 'run-42',
      suites: ['unit', 'integration', 'contract'],
      shardCount: 6,
      items: [[0, 1], [0, 2], [1, 1], [1, 2], [1, 3], [2, 1]],
    });
    expect(written(store, 'runs/run-42/_plan.json')).toEqual({ body: JSON.stringify(plan), contentType: 'application/json' });
    expect([...store.objects.keys()].sort()).toEqual([
      'runs/run-42/_env/contract.env',
      'runs/run-42/_env/integration.env',
      'runs/run-42/_env/unit.env',
      'runs/run-42/_plan.json',
    ]);
  });

  test.each([null, undefined])('treats an input of %p as an empty object', async (input) => {
    // GIVEN
    const store = new MemoryResultsStore();

    // WHEN
    const plan = await planRun(planEvent(input), store);

    // THEN
    expect(plan.suites).toEqual(['unit', 'integration', 'contract']);
    expect(plan.shardCount).toBe(6);
  });

  test('keeps catalogue order, not input order, and plans only the selected suites', async () => {
    // GIVEN
    const store = new MemoryResultsStore();

    // WHEN
    const plan = await planRun(planEvent({ testSuites: ['contract', 'unit'] }), store);

    // THEN
    expect(plan).toEqual({
      runId: 'run-42',
      suites: ['unit', 'contract'],
      shardCount: 3,
      items: [[0, 1], [0, 2], [2, 1]],
    });
    expect([...store.objects.keys()].sort()).toEqual([
      'runs/run-42/_env/contract.env',
      'runs/run-42/_env/unit.env',
      'runs/run-42/_plan.json',
    ]);
  });

  test('writes each environment file sorted by name, with the run overriding the suite', async () => {
    // GIVEN
    const store = new MemoryResultsStore();
    const input = { testSuites: ['unit', 'integration'], environment: { LOG_LEVEL: 'debug', GIT_SHA: 'abc123' } };

    // WHEN
    await planRun(planEvent(input), store);

    // THEN
    expect(written(store, 'runs/run-42/_env/unit.env')).toEqual({
      body: 'GIT_SHA=abc123\nLOG_LEVEL=debug\nNODE_ENV=test\n',
      contentType: 'text/plain',
    });
    expect(written(store, 'runs/run-42/_env/integration.env')).toEqual({
      body: 'GIT_SHA=abc123\nLOG_LEVEL=debug\n',
      contentType: 'text/plain',
    });
  });

  test('writes an empty environment file for a suite with no variables at all', async () => {
    // GIVEN
    const store = new MemoryResultsStore();

    // WHEN
    await planRun(planEvent({ testSuites: ['integration'] }), store);

    // THEN
    expect(written(store, 'runs/run-42/_env/integration.env')).toEqual({ body: '', contentType: 'text/plain' });
  });

  test('writes values verbatim, including empty values, equals signs and non-ASCII text', async () => {
    // GIVEN
    const store = new MemoryResultsStore();
    const input = { testSuites: ['integration'], environment: { EMPTY: '', QUERY: 'a=b&c=d', GREETING: 'grüß dich' } };

    // WHEN
    await planRun(planEvent(input), store);

    // THEN
    expect(written(store, 'runs/run-42/_env/integration.env')?.body).toBe('EMPTY=\nGREETING=grüß dich\nQUERY=a=b&c=d\n');
  });

  test('treats __proto__ as an ordinary variable name', async () => {
    // GIVEN
    const store = new MemoryResultsStore();
    const input = JSON.parse('{"testSuites": ["integration"], "environment": {"__proto__": "x"}}');

    // WHEN
    await planRun(planEvent(input), store);

    // THEN
    expect(written(store, 'runs/run-42/_env/integration.env')?.body).toBe('__proto__=x\n');
  });

  test('accepts 200 names and an environment of exactly the budget', async () => {
    // GIVEN: 199 lines of "V000=x\n" (7 bytes each) and one line that brings the total to the budget exactly.
    const environment: Record<string, string> = {};
    for (let i = 0; i < 199; i++) {
      environment[`V${String(i).padStart(3, '0')}`] = 'x';
    }
    environment.LAST = 'y'.repeat(RUN_ENVIRONMENT_BUDGET_BYTES - 199 * 7 - 'LAST=\n'.length);
    const store = new MemoryResultsStore();

    // WHEN
    const plan = await planRun(planEvent({ testSuites: ['integration'], environment }), store);

    // THEN
    expect(plan.shardCount).toBe(3);
    expect(Buffer.byteLength(written(store, 'runs/run-42/_env/integration.env')!.body)).toBe(RUN_ENVIRONMENT_BUDGET_BYTES);
  });
});

describe('planRun refuses an input that is not an object', () => {
  test.each([
    ['an array', [], '[]'],
    ['a string', 'unit', '"unit"'],
    ['a number', 42, '42'],
    ['a boolean', true, 'true'],
  ])('such as %s', async (_, input, echoed) => {
    await expectRefused(input, 'InvalidRunInput', [
      `The execution input is ${echoed}; it must be a JSON object with the optional keys "testSuites" and "environment", such as {"testSuites": ["unit"], "environment": {"GIT_SHA": "abc123"}}.`,
    ]);
  });
});

describe('planRun refuses unknown keys', () => {
  test('such as the typo testSuite', async () => {
    await expectRefused({ testSuite: ['unit'] }, 'InvalidRunInput', [
      'The execution input has the key "testSuite", which is not allowed; the allowed keys are "testSuites" and "environment".',
    ]);
  });
});

describe('planRun refuses a bad testSuites', () => {
  test.each([
    ['a string', 'unit', '"unit"'],
    ['null', null, 'null'],
    ['an object', { unit: true }, '{"unit":true}'],
  ])('that is %s', async (_, testSuites, echoed) => {
    await expectRefused({ testSuites }, 'InvalidRunInput', [
      `testSuites is ${echoed}; it must be an array of test suite names, such as ["unit"].`,
    ]);
  });

  test('that is empty', async () => {
    await expectRefused({ testSuites: [] }, 'InvalidRunInput', [
      'testSuites is []; it must name at least one test suite, or be left out to run all of them (known test suites are "unit", "integration", "contract").',
    ]);
  });

  test('with an entry that is not a string', async () => {
    await expectRefused({ testSuites: ['unit', 7, null] }, 'InvalidRunInput', [
      'testSuites[1] is 7; each entry must be a test suite name as a string.',
      'testSuites[2] is null; each entry must be a test suite name as a string.',
    ]);
  });

  test('that names a suite twice', async () => {
    await expectRefused({ testSuites: ['unit', 'contract', 'unit'] }, 'InvalidRunInput', [
      'testSuites[2] is "unit", which testSuites[0] already names; list each test suite once.',
    ]);
  });

  test('that names an unknown suite, as UnknownTestSuite', async () => {
    const twoSuites = CATALOGUE.slice(0, 2);
    await expectRefused({ testSuites: ['unit', 'integration', 'e2e'] }, 'UnknownTestSuite', [
      'testSuites[2] is "e2e"; known test suites are "unit", "integration".',
    ], twoSuites);
  });

  test('that names several unknown suites, listing each', async () => {
    await expectRefused({ testSuites: ['e2e', 'unit', 'Unit'] }, 'UnknownTestSuite', [
      'testSuites[0] is "e2e"; known test suites are "unit", "integration", "contract".',
      'testSuites[2] is "Unit"; known test suites are "unit", "integration", "contract".',
    ]);
  });

  test('that names any suite when the catalogue is empty', async () => {
    await expectRefused({ testSuites: ['unit'] }, 'UnknownTestSuite', [
      'testSuites[0] is "unit"; known test suites are (none).',
    ], []);
  });

  test('that echoes at most about 100 characters of a long name', async () => {
    await expectRefused({ testSuites: ['x'.repeat(300)] }, 'UnknownTestSuite', [
      `testSuites[0] is "${'x'.repeat(99)}…; known test suites are "unit", "integration", "contract".`,
    ]);
  });
});

describe('planRun refuses a bad environment', () => {
  test.each([
    ['an array', ['GIT_SHA=abc'], '["GIT_SHA=abc"]'],
    ['a string', 'GIT_SHA=abc', '"GIT_SHA=abc"'],
    ['null', null, 'null'],
  ])('that is %s', async (_, environment, echoed) => {
    await expectRefused({ environment }, 'InvalidRunInput', [
      `environment is ${echoed}; it must be a JSON object of names to string values, such as {"GIT_SHA": "abc123"}.`,
    ]);
  });

  test('with a value that is not a string', async () => {
    await expectRefused({ environment: { RETRIES: 3, DEBUG: false } }, 'InvalidRunInput', [
      'environment.RETRIES is 3; each value must be a string.',
      'environment.DEBUG is false; each value must be a string.',
    ]);
  });

  test.each(['1ABC', 'GIT-SHA', 'MY VAR', '', 'É'])('with the invalid name %p', async (name) => {
    await expectRefused({ environment: { [name]: 'x' } }, 'InvalidRunInput', [
      `environment name ${JSON.stringify(name)} is not allowed; names must start with a letter or an underscore and contain only letters, digits and underscores.`,
    ]);
  });

  test('with an invalid name and a value that is not a string, naming the field with brackets', async () => {
    await expectRefused({ environment: { 'GIT-SHA': 1 } }, 'InvalidRunInput', [
      'environment name "GIT-SHA" is not allowed; names must start with a letter or an underscore and contain only letters, digits and underscores.',
      'environment["GIT-SHA"] is 1; each value must be a string.',
    ]);
  });

  test.each(['TEST_SUITE', 'TEST_SHARD_INDEX', 'TEST_SHARD_COUNT', 'TEST_ATTEMPT', 'TEST_RUN_ID', 'RESULTS_BUCKET', 'RESULTS_PREFIX'])(
    'with the reserved name %s',
    async (name) => {
      await expectRefused({ environment: { [name]: 'x' } }, 'InvalidRunInput', [
        `environment name "${name}" is reserved, because the workflow sets it for every shard; the reserved names are "TEST_SUITE", "TEST_SHARD_INDEX", "TEST_SHARD_COUNT", "TEST_ATTEMPT", "TEST_RUN_ID", "RESULTS_BUCKET", "RESULTS_PREFIX".`,
      ]);
    },
  );

  test.each([['AWS_REGION', 'AWS_'], ['ECS_CONTAINER_METADATA_URI', 'ECS_']])('with %s, whose prefix is reserved', async (name, prefix) => {
    await expectRefused({ environment: { [name]: 'x' } }, 'InvalidRunInput', [
      `environment name "${name}" starts with "${prefix}"; names starting with "AWS_" or "ECS_" are reserved for the platform.`,
    ]);
  });

  test('allows names that only resemble reserved ones', async () => {
    // GIVEN: the checks are exact and case-sensitive, as environment variables are.
    const store = new MemoryResultsStore();

    // WHEN
    await planRun(planEvent({ testSuites: ['integration'], environment: { aws_profile: 'a', MY_AWS_KEY: 'b', TEST_SUITES: 'c' } }), store);

    // THEN
    expect(written(store, 'runs/run-42/_env/integration.env')?.body).toBe('MY_AWS_KEY=b\nTEST_SUITES=c\naws_profile=a\n');
  });

  test.each([['a line feed', 'line one\nline two', '"line one\\nline two"'], ['a carriage return', 'abc\r', '"abc\\r"']])(
    'with a value containing %s',
    async (_, value, echoed) => {
      await expectRefused({ environment: { NOTE: value } }, 'InvalidRunInput', [
        `environment.NOTE is ${echoed}; values must not contain line breaks, because each variable is one NAME=value line of an environment file.`,
      ]);
    },
  );

  test('over the size budget, counted in UTF-8 bytes of NAME=value lines', async () => {
    // GIVEN: 16,384 two-byte characters are 32,768 bytes, plus "NOTE=" and the newline.
    const environment = { NOTE: 'é'.repeat(RUN_ENVIRONMENT_BUDGET_BYTES / 2) };

    // THEN
    await expectRefused({ environment }, 'InvalidRunInput', [
      'environment takes 32774 bytes as NAME=value lines; at most 32768 bytes are allowed.',
    ]);
  });

  test('with more than 200 names', async () => {
    const environment = Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`V${i}`, 'x']));
    await expectRefused({ environment }, 'InvalidRunInput', [
      'environment has 201 names; at most 200 are allowed.',
    ]);
  });
});

describe('planRun reports every problem at once', () => {
  test('in one InvalidRunInput when shape problems and unknown suites mix', async () => {
    const input = { testSuite: 'unit', testSuites: ['e2e', 'unit', 'unit'], environment: { AWS_REGION: 'eu-west-1', GIT_SHA: 1 } };
    await expectRefused(input, 'InvalidRunInput', [
      'The execution input has the key "testSuite", which is not allowed; the allowed keys are "testSuites" and "environment".',
      'testSuites[0] is "e2e"; known test suites are "unit", "integration", "contract".',
      'testSuites[2] is "unit", which testSuites[1] already names; list each test suite once.',
      'environment name "AWS_REGION" starts with "AWS_"; names starting with "AWS_" or "ECS_" are reserved for the platform.',
      'environment.GIT_SHA is 1; each value must be a string.',
    ]);
  });

  test('listing the first 20 and counting the rest', async () => {
    const testSuites = Array.from({ length: 25 }, (_, i) => i);
    await expectRefused({ testSuites }, 'InvalidRunInput', [
      ...testSuites.slice(0, 20).map((i) => `testSuites[${i}] is ${i}; each entry must be a test suite name as a string.`),
      '… and 5 more problems.',
    ]);
  });
});
