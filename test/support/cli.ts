// Runs the built CLI (dist/create-neon-edge.cjs) and other commands as a user
// would, in real directories, and collects what they print.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = `${REPO_ROOT}dist/create-neon-edge.cjs`;
/** The throwaway registry serving this repository's packages (build.ts starts it). */
export const TEST_REGISTRY = 'CREATE_NEON_EDGE_TEST_REGISTRY';
/** The run's cache of installs (npm-install-cache.ts); '' turns it off for a command. */
export const INSTALL_CACHE = 'CREATE_NEON_EDGE_INSTALL_CACHE';

export interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout + stderr */
  output: string;
}

/**
 * The environment of a fresh shell: no DATABASE_URL, no npm script context,
 * Node 22 first on PATH, a git identity so commits work anywhere, and the
 * test registry for every install (with the run's install cache, when set).
 */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key === 'DATABASE_URL' || key === 'INIT_CWD' || key.startsWith('npm_') || key.startsWith('VITEST')) continue;
    env[key] = value;
  }
  return {
    ...env,
    PATH: `${process.env[INSTALL_CACHE] ? `${REPO_ROOT}test/support/bin:` : ''}${REPO_ROOT}node_modules/.bin:${process.env.PATH}`,
    GIT_AUTHOR_NAME: 'Test',
    GIT_AUTHOR_EMAIL: 'test@example.com',
    GIT_COMMITTER_NAME: 'Test',
    GIT_COMMITTER_EMAIL: 'test@example.com',
    NO_COLOR: '1',
    // Never neon.new from a test: fetch never connects to port 1 (a blocked port) (tests that want it start the stand-in).
    NEON_NEW_BASE_URL: 'http://127.0.0.1:1',
    ...(process.env[TEST_REGISTRY] ? testRegistryConfig(process.env[TEST_REGISTRY]) : {}),
    ...extra,
  };
}

/**
 * Installs from the test registry, taking a package's metadata from the package
 * manager's cache when it is there instead of asking again: each install would
 * otherwise fetch again the metadata of the hundreds of packages it resolves
 * (Verdaccio rebuilding each document), the largest part of a repeated install's
 * processor time. Safe because caches are keyed by the registry's URL, whose
 * port is new in every run, and nothing is published after the run's start.
 */
function testRegistryConfig(url: string): NodeJS.ProcessEnv {
  return { npm_config_registry: url, npm_config_prefer_offline: 'true' };
}

export function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number },
): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let output = '';
    child.stdout.on('data', (c: Buffer) => ((stdout += c), (output += c)));
    child.stderr.on('data', (c: Buffer) => ((stderr += c), (output += c)));
    child.stdin.on('error', () => {}); // EPIPE when the command exits without reading its input
    child.stdin.end(options.input ?? '');
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, output });
    });
  });
}

export function runCli(args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number }): Promise<Ran> {
  return run(process.execPath, [CLI, ...args], options);
}

/** The system's Node when it is older than 22 (Debian's 20 here), for what an old Node is told; else undefined. */
export function oldSystemNode(): string | undefined {
  return ['/usr/bin/node', '/bin/node', '/usr/local/bin/node'].find(
    (node) => existsSync(node) && Number(spawnSync(node, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).stdout) < 22,
  );
}
