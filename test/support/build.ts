// vitest globalSetup for the tests that run the CLI: build both packages as
// published, then serve them from a throwaway registry (registry.ts) that
// every install in the tests uses (see cleanEnv in cli.ts).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { INSTALL_CACHE, REPO_ROOT, TEST_REGISTRY } from './cli.ts';
import { startRegistry } from './registry.ts';

/** `npm run build`: dist/ and packages/neon-on-localhost/dist, removed and written again. */
export function buildBothPackages(): void {
  execFileSync(process.execPath, ['--experimental-strip-types', '--no-warnings', 'scripts/build.ts'], { cwd: REPO_ROOT, stdio: 'ignore' });
}

export default async function setup(): Promise<() => Promise<void>> {
  buildBothPackages();
  const registry = await startRegistry();
  // Inherited by the test workers, which start after this.
  process.env[TEST_REGISTRY] = registry.url;
  const installs = mkdtempSync(path.join(tmpdir(), 'neon-edge-installs-'));
  process.env[INSTALL_CACHE] = installs;
  process.env.CREATE_NEON_EDGE_REAL_NPM = execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim();
  return async () => {
    await registry.stop();
    rmSync(installs, { recursive: true, force: true });
  };
}
