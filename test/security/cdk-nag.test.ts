import { existsSync, mkdtempSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { defaultsStack, everythingStack, newApp, SecurityStack } from './stacks';
import { ResilientParallelEcsTests } from '../../src';

/** A violation as either format of aws-cdk-lib's validation report lists it. */
interface ReportedViolation {
  readonly ruleName: string;
  readonly violatingResources?: ReadonlyArray<{ readonly constructPath?: string; readonly resourceLogicalId?: string }>;
  readonly violatingConstructs?: ReadonlyArray<{ readonly constructPath?: string; readonly resourceLogicalId?: string }>;
}

/**
 * What the validation report of a synthesized app says about one plugin. aws-cdk-lib 2.257 writes
 * policy-validation-report.json with the name under `summary`; 2.258 and later write validation-report.json with
 * the name at the top.
 */
interface PluginReport {
  readonly pluginName?: string;
  readonly summary?: { readonly pluginName: string; readonly metadata?: { readonly error?: string } };
  readonly violations: readonly ReportedViolation[];
}

/**
 * Synthesizes an app with cdk-nag's AwsSolutions pack registered the way users register it, and returns every
 * finding that no acknowledgement covers, as "rule at construct path".
 *
 * aws-cdk-lib 2.257, the library's minimum and the version tested, hands a validation plugin only the template paths,
 * while cdk-nag 3 reads the construct tree: the pack then reports that it could not run, and cdk-nag documents
 * validateScope for exactly that case. From aws-cdk-lib 2.258 the pack runs as registered, and the report's own
 * findings are read.
 */
function unacknowledgedFindings(build: (app: App) => unknown): string[] {
  const app = newApp({
    outdir: mkdtempSync(join(tmpdir(), 'cdk-nag-')),
    // The report is read below; without this, a finding would also set the process's exit code.
    context: { '@aws-cdk/core:failSynthOnValidationErrors': false },
  });
  build(app);
  const pack = new AwsSolutionsChecks(app);
  Validations.of(app).addPlugins(pack);
  // aws-cdk-lib announces the validation on the console whatever the settings; the report file is what is read.
  const announcement = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  let assembly;
  try {
    assembly = app.synth();
  } finally {
    announcement.mockRestore();
  }

  const reportFile = ['validation-report.json', 'policy-validation-report.json']
    .map(name => join(assembly.directory, name)).find(existsSync);
  if (!reportFile) {
    throw new Error('Synthesis wrote no validation report: the AwsSolutions pack did not run.');
  }
  const report = JSON.parse(readFileSync(reportFile, 'utf-8'));
  const nag = (report.pluginReports as PluginReport[])
    .find(plugin => (plugin.pluginName ?? plugin.summary?.pluginName) === pack.name);
  if (!nag) {
    throw new Error('The validation report has no entry for the AwsSolutions pack: it did not run.');
  }
  const error = nag.summary?.metadata?.error;
  if (error && !error.includes('construct tree')) {
    throw new Error(`The AwsSolutions pack failed: ${error}`);
  }
  const violations: readonly ReportedViolation[] = error ? pack.validateScope(app).violations : nag.violations;
  return violations.flatMap(violation => [...(violation.violatingResources ?? []), ...(violation.violatingConstructs ?? [])]
    .map(resource => `${violation.ruleName} at ${resource.constructPath ?? resource.resourceLogicalId}`)).sort();
}

/** Every acknowledgement recorded below a scope, with the construct it is on. */
function acknowledgementsIn(scope: IConstruct): Array<{ on: IConstruct; id: string; reason: string }> {
  return scope.node.findAll().flatMap(construct => construct.node.metadata
    .filter(entry => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap(entry => Object.entries(entry.data as Record<string, string>)
      .map(([id, reason]) => ({ on: construct, id: id.replace(/^annotation::/i, ''), reason }))));
}

describe('cdk-nag AwsSolutions', () => {
  test('finds nothing unacknowledged in the construct with its defaults', () => {
    // WHEN
    const findings = unacknowledgedFindings(defaultsStack);

    // THEN
    expect(findings).toEqual([]);
  });

  test('finds nothing unacknowledged in the construct with every option turned on', () => {
    // WHEN
    const findings = unacknowledgedFindings(everythingStack);

    // THEN
    expect(findings).toEqual([]);
  });

  test('still reports a wildcard that a user adds to a role of the construct', () => {
    // GIVEN the construct's acknowledgements name each resource they accept, not the rule as a whole
    const build = (app: App) => {
      const { tests } = defaultsStack(app);

      // WHEN
      tests.taskDefinitions.unit.taskRole.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: ['*'],
      }));
    };

    // THEN
    expect(unacknowledgedFindings(build)).toEqual([
      'AwsSolutions-IAM5[Resource::*] at Defaults/Tests/TaskDefinition-unit/TaskRole/DefaultPolicy/Resource',
    ]);
  });

  test('acknowledges each finding on the resource it concerns, never on a stack or the whole construct', () => {
    // GIVEN
    const built: SecurityStack[] = [];
    const app = newApp();
    built.push(defaultsStack(app), everythingStack(app));

    // WHEN
    const acknowledgements = built.flatMap(({ tests }) => acknowledgementsIn(tests.node.scope!));

    // THEN
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const { on } of acknowledgements) {
      expect(on).not.toBeInstanceOf(Stack);
      expect(on).not.toBeInstanceOf(ResilientParallelEcsTests);
      expect(on.node.path).toMatch(/^(Defaults|Everything)\/Tests\/.+\/(DefaultPolicy|DistributedMapPolicy)$|\/ResultsBucket$/);
    }
  });

  test('gives every acknowledgement a reason that names what is allowed and what bounds it', () => {
    // GIVEN
    const app = newApp();
    const { stack } = everythingStack(app);

    // WHEN
    const acknowledgements = acknowledgementsIn(stack);

    // THEN
    expect(new Set(acknowledgements.map(({ id }) => id.replace(/\[.*$/, '')))).toEqual(new Set(['AwsSolutions-S1', 'AwsSolutions-IAM5']));
    for (const { id, reason } of acknowledgements) {
      expect({ id, long: reason.length >= 120 }).toEqual({ id, long: true });
    }
  });
});
