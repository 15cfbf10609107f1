import { awscdk, javascript } from 'projen';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-resilient-parallel-ecs-tests',
  description:
    'An AWS CDK construct that runs containerized test suites in parallel shards on Fargate, ' +
    'with classified retries, enforced timeouts, a per-shard summary and failure notifications.',
  keywords: ['aws-cdk', 'cdk', 'ecs', 'fargate', 'step-functions', 'testing', 'sharding', 'ci'],
  author: 'cdk-resilient-parallel-ecs-tests contributors',
  authorAddress: 'maintainers@cdk-resilient-parallel-ecs-tests.invalid',
  authorOrganization: true,
  license: 'Apache-2.0',
  repositoryUrl: 'https://github.com/cdk-resilient-parallel-ecs-tests/cdk-resilient-parallel-ecs-tests.git',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  minNodeVersion: '20.0.0',

  // 2.234 brought capacityProviderOptions to EcsFargateLaunchTarget, 2.257 is what cdk-nag 3 needs.
  cdkVersion: '2.257.0',
  constructsVersion: '10.5.1',
  jsiiVersion: '~6.0.0',
  typescriptVersion: '~5.9.0',

  publishToPypi: {
    distName: 'cdk-resilient-parallel-ecs-tests',
    module: 'cdk_resilient_parallel_ecs_tests',
  },
  publishToMaven: {
    javaPackage: 'io.github.cdk_resilient_parallel_ecs_tests',
    mavenGroupId: 'io.github.cdk-resilient-parallel-ecs-tests',
    mavenArtifactId: 'cdk-resilient-parallel-ecs-tests',
  },
  publishToGo: {
    moduleName: 'github.com/cdk-resilient-parallel-ecs-tests/cdk-resilient-parallel-ecs-tests-go',
    packageName: 'cdkresilientparallelecstests',
  },
  publishToNuget: {
    dotNetNamespace: 'CdkResilientParallelEcsTests',
    packageId: 'CdkResilientParallelEcsTests',
  },

  lambdaOptions: {
    runtime: awscdk.LambdaRuntime.NODEJS_24_X,
    bundlingOptions: { externals: ['@aws-sdk/*'], sourcemap: false },
  },

  devDeps: [
    '@aws-cdk/integ-runner@^2.197.10',
    '@aws-cdk/integ-tests-alpha@2.245.0-alpha.0',
    '@aws-sdk/client-ecs@^3',
    '@aws-sdk/client-s3@^3',
    '@types/aws-lambda@^8',
    'asl-validator@^4.0.0',
    // Exact: the simulation corrects one behaviour of this version (see test/support), so an upgrade is a decision.
    'aws-local-stepfunctions@3.0.0',
    'cdk-nag@^3.0.2',
  ],

  tsconfigDevFile: 'tsconfig.dev.json',
  tsconfigDev: {
    include: ['.projenrc.ts', 'projenrc/**/*.ts', 'examples/**/*.ts', 'integ/**/*.ts', 'bench/**/*.ts', 'bindings/**/*.ts'],
    compilerOptions: {},
  },
  eslintOptions: {
    // One project for every linted file: the dev tsconfig covers src, tests, examples, integ apps and benchmarks.
    projectService: false,
    tsconfigPath: './tsconfig.dev.json',
    dirs: ['src'],
    devdirs: ['test', 'examples', 'integ', 'bench', 'projenrc', 'bindings'],
  },
  jestOptions: {
    jestConfig: {
      setupFiles: ['<rootDir>/test/support/setup.ts'],
      testTimeout: 120_000,
    },
  },

  githubOptions: { mergify: false },
  gitignore: [
    '/cdk.out', '/examples/cdk.out', '/.tmp/',
    // integ-runner's snapshot folders are integ.<scenario>.ts.snapshot. Their assets are not needed to verify them
    // (hashes are compared, not contents) and the assertion provider alone is 2 MB per scenario; the runner's
    // scratch folders are left behind only when it fails.
    '/integ/*.snapshot/asset.*', '/integ/cdk-integ.out.*',
    // What `npx projen bindings` builds: venv, local Maven repository, synthesized apps, rosetta's tablet.
    '/build/', '/bindings/java/target/', '.jsii.tabl.json',
    // The virtual environment that `npx projen lint:cfn` installs cfn-lint into.
    '/.venv/',
  ],
  // The smoke apps and their build belong neither in the npm package nor in the jsii tarball inside every binding.
  npmIgnoreOptions: {
    ignorePatterns: [
      '/bindings/', '/build/', '/rosetta/', '/scripts/', '/integ/', '/.venv/', '/.cfnlintrc', '/bench/',
      // Local scratch and CI's own script: nothing a user of the package runs.
      '/.tmp/', '/cdk.out/', '/.ci/',
    ],
  },
});

// Tests synthesize stacks that reference the bundled functions, so the bundles must exist first.
project.testTask.prependSpawn(project.tasks.tryFind('bundle')!);

// Everything a fresh clone must pass: what CI runs and the README's second quick-start command.
const testAll = project.addTask('test:all', {
  description: 'Every test: unit and simulated runs, lint, cdk-nag, cfn-lint, integ snapshots, bindings',
});
testAll.spawn(project.compileTask);
// Regenerates API.md, so that CI's check for changed files catches an API.md that was not committed.
testAll.spawn(project.postCompileTask);

// Integration tests: the scenarios in integ/ deploy the construct to a sandbox account and check real runs; their
// committed snapshots are checked offline on every build. The script picks the region (projen's shell expands no
// defaults) and passes on flags and scenario names. ts-node only transpiles the apps, which integ:typecheck checks
// once for all of them, so a snapshot check takes seconds per scenario.
const integRunner = 'bash integ/support/integ-runner.sh';
const integTypecheck = project.addTask('integ:typecheck', {
  description: 'Type-check the integration test apps',
  exec: 'tsc --noEmit -p integ/tsconfig.json',
});
const integTask = (name: string, description: string, args: string) => {
  const task = project.addTask(name, { description, env: { TS_NODE_TRANSPILE_ONLY: 'true' } });
  task.spawn(project.tasks.tryFind('bundle')!);
  task.spawn(integTypecheck);
  // Names given after the task (`npx projen integ:deploy integ.mixed-run.ts`) pick scenarios; none means all.
  task.exec(`${integRunner} ${args}`.trim(), { receiveArgs: true });
  return task;
};
const integSnapshots = integTask('integ:snapshots',
  'Offline, no credentials: fail if a scenario no longer synthesizes what its committed snapshot says', '');
integTask('integ:update',
  'With AWS credentials: deploy each scenario whose snapshot is out of date, run its assertions, destroy it, '
  + 'and write its snapshot if the assertions pass', '--update-on-failed');
integTask('integ:deploy',
  'With AWS credentials: deploy every scenario, run its assertions, destroy it, and rewrite its snapshot if they pass',
  '--force');
integTask('integ:accept',
  'Offline, without deploying: rewrite the snapshots of changed scenarios from the current code, to review and '
  + 'commit; integ:update later proves them in AWS', '--update-on-failed --dry-run');
testAll.spawn(integSnapshots);

// cfn-lint (from PyPI, into .venv/) on every template the project synthesizes: the security tests' stacks, the
// example app and the integ snapshots. No error or warning passes; .cfnlintrc names the skipped rules and why.
const lintCfn = project.addTask('lint:cfn', {
  description: 'Lint every synthesized CloudFormation template with cfn-lint; fails on any error or warning',
});
lintCfn.spawn(project.tasks.tryFind('bundle')!);
lintCfn.exec('bash scripts/cfn-lint.sh');
testAll.spawn(lintCfn);

// The README's examples must compile and translate to every jsii language; pacmak then reads the translations.
const rosetta = project.addTask('rosetta', {
  description: 'Compile the README examples and translate them to Python, Java, Go and C#, failing on any error',
});
rosetta.spawn(project.compileTask);
rosetta.exec('jsii-rosetta extract --strict');

// Build the Python, Java and Go packages, install each with aws-cdk-lib for its language and check that each
// synthesizes the same template as the TypeScript reference app (bindings/typescript/app.ts).
const bindings = project.addTask('bindings', {
  description: 'Build the Python, Java and Go bindings, synthesize the same app in each, compare with TypeScript',
});
bindings.spawn(project.tasks.tryFind('bundle')!);
bindings.spawn(rosetta);
bindings.exec('bash scripts/bindings.sh');
testAll.spawn(bindings);
// The unit tests come after the bindings, so that their check of each binding's template runs instead of skipping.
testAll.spawn(project.testTask);

// The example app packages the bundled functions, which a fresh clone does not have until they are bundled.
const demo = project.addTask('demo', {
  description: 'Synthesize the example app offline and play one simulated test run with a mix of outcomes',
});
demo.spawn(project.tasks.tryFind('bundle')!);
demo.exec('ts-node --project tsconfig.dev.json --transpile-only examples/demo.ts');
// The demo checks its run against what the README promises, so CI runs it too.
testAll.spawn(demo);

// The figures of docs/BENCHMARKS.md: synth and simulated runs by suites and shards, each in a process of its own so
// that its peak memory is its own. It rewrites the results in docs/; `npx projen bench --no-write` only prints.
// Not part of test:all: the scale properties that are not timings have unit tests in test/scale/.
const bench = project.addTask('bench', {
  description: 'Measure synth and simulated runs for 1 to 200 suites and 1 to 10,000 shards, and write docs/BENCHMARKS.md',
});
bench.spawn(project.tasks.tryFind('bundle')!);
bench.exec('ts-node --project tsconfig.dev.json --transpile-only bench/run.ts', { receiveArgs: true });

project.synth();
