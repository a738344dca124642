// vitest globalSetup: the tests run the CLI as published, so build it first.
import { execFileSync } from 'node:child_process';
import { REPO_ROOT } from './cli.ts';

export default function build(): void {
  execFileSync(process.execPath, ['--experimental-strip-types', '--no-warnings', 'scripts/build.ts'], { cwd: REPO_ROOT, stdio: 'inherit' });
}
