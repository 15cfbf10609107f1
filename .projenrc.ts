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
    '@aws-sdk/client-s3@^3',
    '@types/aws-lambda@^8',
    'asl-validator@^4.0.0',
    // Exact: the simulation corrects one behaviour of this version (see test/support), so an upgrade is a decision.
    'aws-local-stepfunctions@3.0.0',
    'cdk-nag@^3.0.2',
  ],

  tsconfigDevFile: 'tsconfig.dev.json',
  tsconfigDev: {
    include: ['.projenrc.ts', 'projenrc/**/*.ts', 'examples/**/*.ts', 'integ/**/*.ts', 'bench/**/*.ts'],
    compilerOptions: {},
  },
  eslintOptions: {
    // One project for every linted file: the dev tsconfig covers src, tests, examples, integ apps and benchmarks.
    projectService: false,
    tsconfigPath: './tsconfig.dev.json',
    dirs: ['src'],
    devdirs: ['test', 'examples', 'integ', 'bench', 'projenrc'],
  },
  jestOptions: {
    jestConfig: {
      setupFiles: ['<rootDir>/test/support/setup.ts'],
      testTimeout: 120_000,
    },
  },

  githubOptions: { mergify: false },
  gitignore: ['/cdk.out', '/examples/cdk.out', '*.integ.snapshot/asset.*', '/.tmp/'],
});

// Tests synthesize stacks that reference the bundled functions, so the bundles must exist first.
project.testTask.prependSpawn(project.tasks.tryFind('bundle')!);

// Everything a fresh clone must pass: what CI runs and the README's second quick-start command.
const testAll = project.addTask('test:all', {
  description: 'Every test: unit and simulated runs, lint, cdk-nag, cfn-lint, integ snapshots, bindings',
});
testAll.spawn(project.compileTask);
testAll.spawn(project.testTask);

project.addTask('demo', {
  description: 'Synthesize the example app offline and play one simulated test run with a mix of outcomes',
  exec: 'ts-node --project tsconfig.dev.json --transpile-only examples/demo.ts',
});

project.synth();
