import { existsSync } from 'fs';
import { join } from 'path';
import { App } from 'aws-cdk-lib';
import { defaultsStack, everythingStack, newApp } from './stacks';

/**
 * Synthesizes every app of the project that is not already committed as a snapshot, for cfn-lint: the two stacks
 * the security tests judge, and the example app when it exists. Usage: synth-for-lint.ts <output folder>.
 */
function main(outdir: string) {
  const security = newApp({ outdir: join(outdir, 'security') });
  defaultsStack(security);
  everythingStack(security);
  security.synth();

  const exampleApp = join(__dirname, '..', '..', 'examples', 'app.ts');
  if (existsSync(exampleApp)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const example = require(exampleApp) as { createApp(props: { outdir: string }): { app: App } };
    example.createApp({ outdir: join(outdir, 'example') }).app.synth();
  }
}

const [outdir] = process.argv.slice(2);
if (!outdir) {
  throw new Error('Usage: synth-for-lint.ts <output folder>');
}
main(outdir);
