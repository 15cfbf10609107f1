// Compares the template that each language's smoke app synthesized with the one the TypeScript reference app
// synthesized. `npx projen bindings` runs it after the apps, and fails if it exits non-zero.
//
// Normalized away, because it may legitimately differ:
// - Asset hashes. A Lambda function's code is an asset whose S3 object key is the hash of its content. Each binding
//   ships the bundled code inside its jsii tarball, so a hash changes if that copy differs in any way the function
//   does not care about, such as a file that the packer adds. Hashes are replaced by a placeholder in both
//   templates; the staged asset files are compared instead, by path and content.
// - The order of an object's members, which CloudFormation does not read: templates are compared as parsed JSON
//   values, not as text.
// Nothing else is: logical IDs, properties, the state machine definitions and the IAM policies must be the same to
// the character.
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** The directory under `build/bindings/<language>/` that each app synthesizes into. */
export const ASSEMBLY_DIR = 'cdk.out';
/** The stack every smoke app builds. */
export const STACK_NAME = 'ParallelTests';
export const REFERENCE_LANGUAGE = 'typescript';
export const BINDING_LANGUAGES = ['python', 'java', 'go'];

const ASSET_HASH_PLACEHOLDER = '<asset hash>';
/** A value that is an asset hash, or an asset's S3 object key: the hash and an extension. */
const ASSET_HASH_VALUE = /^[0-9a-f]{64}(\.[a-z]+)?$/;

/** Every asset hash in a template, in the order they appear. */
export function assetHashes(value: unknown): string[] {
  if (typeof value === 'string') {
    return ASSET_HASH_VALUE.test(value) ? [value] : [];
  }
  if (value !== null && typeof value === 'object') {
    return Object.values(value).flatMap(assetHashes);
  }
  return [];
}

function sameValues(left: string[], right: string[]): boolean {
  return JSON.stringify([...left].sort()) === JSON.stringify([...right].sort());
}

/** Replaces every asset hash in a template with a placeholder. */
export function normalizeTemplate(value: unknown): unknown {
  if (typeof value === 'string') {
    return value.replace(ASSET_HASH_VALUE, (_hash, extension: string | undefined) => ASSET_HASH_PLACEHOLDER + (extension ?? ''));
  }
  if (Array.isArray(value)) {
    return value.map(normalizeTemplate);
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, member]) => [key, normalizeTemplate(member)]));
  }
  return value;
}

/**
 * Lists where two JSON values differ, as paths with both values, after normalizing both. Object members are matched
 * by name, array elements by position.
 */
export function templateDifferences(reference: unknown, other: unknown): string[] {
  return differences(normalizeTemplate(reference), normalizeTemplate(other), '');
}

function differences(reference: unknown, other: unknown, at: string): string[] {
  if (isObject(reference) && isObject(other)) {
    const keys = [...new Set([...Object.keys(reference), ...Object.keys(other)])].sort();
    return keys.flatMap(key => differences(reference[key], other[key], `${at}/${key}`));
  }
  if (Array.isArray(reference) && Array.isArray(other)) {
    const length = Math.max(reference.length, other.length);
    return Array.from({ length }, (_, index) => differences(reference[index], other[index], `${at}/${index}`)).flat();
  }
  if (JSON.stringify(reference) === JSON.stringify(other)) {
    return [];
  }
  return [`${at || '/'}: ${describe(reference)} in ${REFERENCE_LANGUAGE}, ${describe(other)} here`];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) {
    return 'nothing';
  }
  const text = JSON.stringify(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** Every file of every staged asset of a cloud assembly, as `<path in its asset> <sha256>`, sorted: no asset hashes. */
export function assetFiles(assemblyDir: string): string[] {
  return fs.readdirSync(assemblyDir, { withFileTypes: true })
    .filter(entry => entry.isDirectory() && entry.name.startsWith('asset.'))
    .flatMap(entry => {
      const assetDir = path.join(assemblyDir, entry.name);
      return listFiles(assetDir).map(file =>
        `${path.relative(assetDir, file)} ${createHash('sha256').update(fs.readFileSync(file)).digest('hex')}`);
    })
    .sort();
}

function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(entry => entry.isDirectory()
    ? listFiles(path.join(dir, entry.name))
    : [path.join(dir, entry.name)]);
}

export function readTemplate(assemblyDir: string): unknown {
  return JSON.parse(fs.readFileSync(path.join(assemblyDir, `${STACK_NAME}.template.json`), 'utf-8'));
}

/** What the comparison of one binding found. */
export interface BindingComparison {
  /** Where its template differs from the reference, or why it could not be compared; empty if it is the same. */
  readonly problems: string[];
  /** Whether its asset hashes were the same as the reference's before normalizing. */
  readonly sameAssetHashes: boolean;
}

/** Compares every binding's output under `buildDir` with the reference's. */
export function compareBindings(buildDir: string): Record<string, BindingComparison> {
  const assembly = (language: string) => path.join(buildDir, language, ASSEMBLY_DIR);
  const reference = readTemplate(assembly(REFERENCE_LANGUAGE));
  const referenceAssets = assetFiles(assembly(REFERENCE_LANGUAGE));
  const results: Record<string, BindingComparison> = {};
  for (const language of BINDING_LANGUAGES) {
    if (!fs.existsSync(path.join(assembly(language), `${STACK_NAME}.template.json`))) {
      results[language] = { problems: [`${assembly(language)} has no ${STACK_NAME}.template.json`], sameAssetHashes: false };
      continue;
    }
    const template = readTemplate(assembly(language));
    const problems = templateDifferences(reference, template);
    const assets = assetFiles(assembly(language));
    if (!sameValues(assets, referenceAssets)) {
      problems.push(`the staged asset files differ: ${assets.join(', ')} here, ${referenceAssets.join(', ')} in ${REFERENCE_LANGUAGE}`);
    }
    results[language] = { problems, sameAssetHashes: sameValues(assetHashes(template), assetHashes(reference)) };
  }
  return results;
}

if (require.main === module) {
  const buildDir = process.argv[2] ?? path.join('build', 'bindings');
  let failed = 0;
  for (const [language, { problems, sameAssetHashes }] of Object.entries(compareBindings(buildDir))) {
    if (problems.length === 0) {
      const hashes = sameAssetHashes ? 'the same asset hashes too' : 'asset hashes differ, the asset files do not';
      console.log(`${language}: the same template as ${REFERENCE_LANGUAGE} (${hashes})`);
      continue;
    }
    failed++;
    console.error(`${language}: ${problems.length} difference(s) from the ${REFERENCE_LANGUAGE} template:`);
    problems.slice(0, 50).forEach(problem => console.error(`  ${problem}`));
  }
  console.log(`${BINDING_LANGUAGES.length - failed} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
}
