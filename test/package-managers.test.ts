// The scaffolder with each package manager a user may run it with besides
// npm (whose row is test/published.test.ts): pnpm 10, pnpm latest (which fails
// an install with unapproved build scripts), yarn and bun, each installed from
// the npm registry. One template each (worker-raw); then the generated CI
// workflow's own steps, run here: the frozen install and the tests. Where the
// upstream registry lacks workerd's builds for other platforms, the test
// registry serves metadata-only stand-ins for them
// (support/platform-stand-ins.ts), which yarn 1 and `npm ci` need.

import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, INSTALL_CACHE, run, runCli, TEST_REGISTRY } from './support/cli.ts';
import { runWorkflowSteps } from './support/workflow-steps.ts';

// Every install here is the package manager's own: not a copy from the run's install cache.
const REAL_INSTALLS = { [INSTALL_CACHE]: '' };

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'neon-edge-pm-'));
  mkdirSync(path.join(dir, 'tmp'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The package manager from the npm registry, on a PATH of its own. */
async function installTool(name: string, spec: string): Promise<NodeJS.ProcessEnv> {
  const prefix = path.join(dir, `tool-${name}-${spec.replace(/\W/g, '_')}`);
  const installed = await run('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', spec], { cwd: dir, timeoutMs: 240_000 });
  expect(installed.code, installed.output).toBe(0);
  const registry = process.env[TEST_REGISTRY];
  return cleanEnv({
    ...REAL_INSTALLS,
    // The tools' temp files go in the test's folder, removed with it: yarn 1 leaves a yarn--* folder in the temp dir per run.
    TMPDIR: path.join(dir, 'tmp'),
    PATH: `${path.join(prefix, 'node_modules', '.bin')}:${cleanEnv().PATH}`,
    // pnpm 11+ reads pnpm_config_*, no longer npm_config_*; bun reads the upper-case form.
    ...(registry ? { NPM_CONFIG_REGISTRY: registry, pnpm_config_registry: registry, YARN_REGISTRY: registry } : {}),
  });
}

/** What yarn 1 leaves in the system's temp dir (one folder per run of it) unless TMPDIR says elsewhere. */
const yarnLeftovers = () =>
  readdirSync(tmpdir())
    .filter((name) => name.startsWith('yarn--'))
    .sort();

describe.each([
  ['pnpm', 'pnpm', 'pnpm@10'],
  ['pnpm', 'pnpm', 'pnpm@latest'],
  ['yarn', 'yarn', 'yarn@1'],
  ['bun', 'bun', 'bun@latest'],
] as const)('%s (%s %s)', (pm, _bin, spec) => {
  const name = `app-${spec.replace(/\W/g, '-')}`;
  let env: NodeJS.ProcessEnv;
  let leftBefore: string[];

  it('creates and installs worker-raw, with the build scripts it needs allowed', async () => {
    leftBefore = yarnLeftovers();
    env = await installTool(pm, spec);
    const created = await runCli([name, '-t', 'worker-raw', '--yes', '--no-git', '--package-manager', pm], { cwd: dir, env });
    expect(created.code, created.output).toBe(0);
    expect(created.output).not.toContain('ERR_PNPM_IGNORED_BUILDS');
    expect(created.output).toMatch(new RegExp(`^│\\s+${pm === 'bun' ? 'bun run test' : `${pm} test`}\\s+#`, 'm'));
  }, 600_000);

  it("runs the CI workflow's steps: the frozen install and the tests, leaving nothing in the system's temp dir", async () => {
    const project = path.join(dir, name);
    expect(existsSync(project), 'not created: see the test above').toBe(true);
    const ran = await runWorkflowSteps(project, env);
    expect(ran.length).toBeGreaterThanOrEqual(2);
    expect(yarnLeftovers(), 'left in the temp dir').toEqual(leftBefore);
  }, 900_000);
});
