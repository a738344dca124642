// A throwaway npm registry (Verdaccio) on loopback, holding this repository's
// two packages as they would be published, and passing every other package
// through from the real registry. Tests install generated projects from it,
// so they meet create-neon-edge and neon-on-localhost as users do.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './cli.ts';
import { missingWorkerdPlatforms, standInPackageJson } from './platform-stand-ins.ts';

export const PUBLISHED = ['packages/neon-on-localhost', '.'] as const;

export interface TestRegistry {
  /** http://127.0.0.1:PORT/ */
  url: string;
  /** An npmrc that points at it, with a token Verdaccio accepts for publishing. */
  userconfig: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilUp(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`verdaccio exited with code ${child.exitCode}`);
    try {
      if ((await fetch(`${url}-/ping`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('verdaccio did not start within 30 s');
}

export async function startRegistry(): Promise<TestRegistry> {
  const dir = mkdtempSync(path.join(tmpdir(), 'neon-edge-registry-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const upstream = execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' }).trim() || 'https://registry.npmjs.org/';
  const local = { access: '$all', publish: '$anonymous' };
  // Platform builds upstream lacks (platform-stand-ins.ts). Served from here
  // only, not proxied: Verdaccio refuses to publish a name its uplink already
  // has (so any other version of such a name is hidden; none is needed).
  const standIns = await missingWorkerdPlatforms(upstream, path.join(REPO_ROOT, 'templates')).catch((err: Error) => {
    // Tests that install fail on their own without upstream; the others need no stand-ins.
    process.stderr.write(`platform stand-ins: upstream not checked (${err.message}); none published\n`);
    return [];
  });
  writeFileSync(
    path.join(dir, 'config.yaml'),
    JSON.stringify({
      storage: path.join(dir, 'storage'),
      // maxage: a package's metadata, once fetched, is served from here for the
      // rest of the run (Verdaccio's default asks upstream again after 2 minutes,
      // for each of the hundreds of packages every install resolves).
      uplinks: { upstream: { url: upstream, timeout: '60s', max_fails: 5, maxage: '60m' } },
      packages: {
        'create-neon-edge': local,
        'neon-on-localhost': local,
        ...Object.fromEntries(standIns.map((standIn) => [standIn.name, local])),
        '**': { access: '$all', proxy: 'upstream' },
      },
      log: { type: 'stdout', format: 'pretty', level: 'error' },
      server: { keepAliveTimeout: 60 },
    }),
  );
  const userconfig = path.join(dir, 'npmrc');
  writeFileSync(userconfig, `registry=${url}\n//127.0.0.1:${port}/:_authToken=test-only\n`);
  const child = spawn(
    process.execPath,
    [path.join(REPO_ROOT, 'node_modules/verdaccio/bin/verdaccio'), '--config', path.join(dir, 'config.yaml'), '--listen', `127.0.0.1:${port}`],
    { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NODE_NO_WARNINGS: '1' } },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitUntilUp(url, child);
    for (const pkg of PUBLISHED) {
      // Built already (test/support/build.ts): publish what `npm pack` would ship.
      execFileSync('npm', ['publish', '--ignore-scripts', '--userconfig', userconfig, '--registry', url, '--tag', 'latest'], {
        cwd: path.join(REPO_ROOT, pkg),
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, npm_config_loglevel: 'error' },
      });
    }
    for (const standIn of standIns) {
      const pkgDir = path.join(dir, 'stand-ins', standIn.name);
      mkdirSync(pkgDir, { recursive: true });
      writeFileSync(path.join(pkgDir, 'package.json'), standInPackageJson(standIn));
      execFileSync('npm', ['publish', '--ignore-scripts', '--access', 'public', '--userconfig', userconfig, '--registry', url, '--tag', 'latest'], {
        cwd: pkgDir,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, npm_config_loglevel: 'error' },
      });
    }
  } catch (err) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url,
    userconfig,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * For scripts run outside vitest (npm run bench, npm run load): the same
 * registry, wired into cleanEnv() for this process, unless one is already set.
 */
export async function useTestRegistry(): Promise<() => Promise<void>> {
  const { TEST_REGISTRY } = await import('./cli.ts');
  if (process.env[TEST_REGISTRY]) return async () => {};
  const registry = await startRegistry();
  process.env[TEST_REGISTRY] = registry.url;
  return async () => {
    delete process.env[TEST_REGISTRY];
    await registry.stop();
  };
}
