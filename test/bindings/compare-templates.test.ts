import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import {
  ASSEMBLY_DIR,
  BINDING_LANGUAGES,
  REFERENCE_LANGUAGE,
  STACK_NAME,
  assetFiles,
  readTemplate,
  templateDifferences,
} from '../../bindings/compare-templates';

const ROOT = path.join(__dirname, '..', '..');
const HASH_A = 'a'.repeat(64);
const HASH_B = 'b'.repeat(64);

function lambdaTemplate(codeKey: string, memorySize = 256) {
  return {
    Resources: {
      PlanFunction: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          Code: { S3Bucket: { 'Fn::Sub': 'cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}' }, S3Key: codeKey },
          MemorySize: memorySize,
        },
      },
    },
  };
}

describe('comparing a binding template with the TypeScript one', () => {
  test('a different asset hash is not a difference', () => {
    // GIVEN the same function whose code asset hashed differently
    const reference = lambdaTemplate(`${HASH_A}.zip`);
    const binding = lambdaTemplate(`${HASH_B}.zip`);

    // WHEN the templates are compared
    const differences = templateDifferences(reference, binding);

    // THEN they are the same
    expect(differences).toEqual([]);
  });

  test('any other difference is reported with where it is and both values', () => {
    // GIVEN a function with another memory size, and another asset hash
    const reference = lambdaTemplate(`${HASH_A}.zip`, 256);
    const binding = lambdaTemplate(`${HASH_B}.zip`, 512);

    // WHEN the templates are compared
    const differences = templateDifferences(reference, binding);

    // THEN only the memory size is reported
    expect(differences).toEqual([`/Resources/PlanFunction/Properties/MemorySize: 256 in ${REFERENCE_LANGUAGE}, 512 here`]);
  });

  test('a hash inside a longer value is compared as it is', () => {
    // GIVEN two ARNs that end in different hashes: not asset keys, so a real difference
    const reference = { Outputs: { Arn: { Value: `arn:aws:states:us-east-1:123456789012:stateMachine:${HASH_A}` } } };
    const binding = { Outputs: { Arn: { Value: `arn:aws:states:us-east-1:123456789012:stateMachine:${HASH_B}` } } };

    // WHEN the templates are compared
    const differences = templateDifferences(reference, binding);

    // THEN the difference is reported
    expect(differences).toHaveLength(1);
    expect(differences[0]).toMatch(/^\/Outputs\/Arn\/Value: /);
  });

  test('a missing resource and the order of members are told apart', () => {
    // GIVEN a binding template without one resource, its members in another order
    const reference = { Resources: { Topic: { Type: 'AWS::SNS::Topic' }, Key: { Type: 'AWS::KMS::Key' } } };
    const binding = { Resources: { Key: { Type: 'AWS::KMS::Key' } } };

    // WHEN the templates are compared
    const differences = templateDifferences(reference, binding);

    // THEN only the missing resource is reported
    expect(differences).toEqual([`/Resources/Topic: {"Type":"AWS::SNS::Topic"} in ${REFERENCE_LANGUAGE}, nothing here`]);
  });
});

describe('the rosetta fixture for examples without imports', () => {
  test('imports every name the library exports', () => {
    // GIVEN the names src/index.ts exports (only the library's own files are read: exports do not need aws-cdk-lib)
    const sources = (fs.readdirSync(path.join(ROOT, 'src'), { recursive: true }) as string[])
      .filter(file => file.endsWith('.ts'))
      .map(file => path.join(ROOT, 'src', file));
    const program = ts.createProgram(sources, { noEmit: true, noResolve: true, types: [] });
    const checker = program.getTypeChecker();
    const index = checker.getSymbolAtLocation(program.getSourceFile(path.join(ROOT, 'src', 'index.ts'))!)!;
    const exported = checker.getExportsOfModule(index).map(symbol => symbol.name).sort();

    // WHEN the fixture's import from the library is read
    const fixture = fs.readFileSync(path.join(ROOT, 'rosetta', 'with-imports.ts-fixture'), 'utf-8');
    const importClause = /import \{([^}]*)\} from 'cdk-resilient-parallel-ecs-tests';/.exec(fixture);
    const imported = (importClause?.[1] ?? '').split(',').map(name => name.trim()).filter(Boolean).sort();

    // THEN it imports them all, so an example can use any of them
    expect(exported.length).toBeGreaterThan(0);
    expect(imported).toEqual(exported);
  });
});

// `npx projen bindings` synthesizes these and compares them itself; this repeats the comparison in the unit tests
// when a bindings run left its templates, and skips it otherwise.
describe.each(BINDING_LANGUAGES)('the %s binding, as `npx projen bindings` last synthesized it', language => {
  const assembly = (name: string) => path.join(ROOT, 'build', 'bindings', name, ASSEMBLY_DIR);
  const built = [REFERENCE_LANGUAGE, language]
    .every(name => fs.existsSync(path.join(assembly(name), `${STACK_NAME}.template.json`)));

  (built ? test : test.skip)('synthesizes the template of the TypeScript reference app', () => {
    // GIVEN the templates of the reference app and of this language's app
    const reference = readTemplate(assembly(REFERENCE_LANGUAGE));
    const binding = readTemplate(assembly(language));

    // WHEN they are compared
    const differences = templateDifferences(reference, binding);

    // THEN they are the same, and so is the Lambda code each shipped
    expect(differences).toEqual([]);
    expect(assetFiles(assembly(language))).toEqual(assetFiles(assembly(REFERENCE_LANGUAGE)));
  });
});
