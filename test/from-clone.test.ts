// `npm run create` from a clone of this repository, as the README tells a
// newcomer to try it: it builds only when the sources changed since the last
// build, refuses to write the project inside the clone, and takes pnpm's way
// of passing arguments (`pnpm run create -- dir`, the `--` included).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAMP } from '../scripts/build-inputs.ts';
import { cleanEnv, CLI, oldSystemNode, REPO_ROOT, run } from './support/cli.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'neon-edge-clone-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FLAGS = ['-t', 'worker-raw', '--no-install', '--no-git'];

/** `npm run create -- …` typed in `cwd` (the clone's root unless said). */
function npmRunCreate(args: string[], cwd = REPO_ROOT) {
  return run('npm', ['run', 'create', '--', ...args], { cwd, timeoutMs: 180_000 });
}

describe('npm run create', () => {
  it('does not build again when nothing changed since the last build', async () => {
    // The cli project's global setup has just built dist/ (and recorded its inputs).
    const built = statSync(CLI).mtimeMs;
    const created = await npmRunCreate([path.join(dir, 'unchanged'), ...FLAGS]);
    expect(created.code, created.output).toBe(0);
    expect(created.output).not.toContain('Building');
    expect(statSync(CLI).mtimeMs).toBe(built);
    expect(readFileSync(path.join(dir, 'unchanged', 'package.json'), 'utf8')).toMatch(/"neon-on-localhost": "file:.*neon-on-localhost-[\d.]+\.tgz"/);
  });

  it('builds again when the record of the last build does not match the sources', async () => {
    unlinkSync(path.join(REPO_ROOT, STAMP));
    const created = await npmRunCreate([path.join(dir, 'rebuilt'), ...FLAGS]);
    expect(created.code, created.output).toBe(0);
    expect(created.output).toContain('Building create-neon-edge and neon-on-localhost (the sources changed since the last build)…');
    expect(existsSync(path.join(REPO_ROOT, STAMP))).toBe(true);
    expect(existsSync(path.join(dir, 'rebuilt', 'package.json'))).toBe(true);
  }, 180_000);

  it('refuses to write the project inside the clone, in one line naming a place beside it', async () => {
    const created = await npmRunCreate(['my-app-inside-the-clone', ...FLAGS]);
    expect(created.code).not.toBe(0);
    const root = path.resolve(REPO_ROOT);
    expect(created.stderr.trim().split('\n')).toEqual([
      `✖ ${path.join(root, 'my-app-inside-the-clone')} is inside this clone of create-neon-edge (${root}): choose a directory outside it, such as ${path.join(path.dirname(root), 'my-app-inside-the-clone')}.`,
    ]);
    expect(existsSync(path.join(root, 'my-app-inside-the-clone'))).toBe(false);
  });
});

// The clone runs its scripts under its own Node 22 (the `node` devDependency); the shell's may be older.
const oldNode = oldSystemNode();

describe('npm run create from a shell whose node is older than the project needs', () => {
  it.skipIf(!oldNode)('ends by saying so, with the npx command that runs the project under Node 22 from the registry', async () => {
    const shell = path.join(dir, 'old-node-shell');
    mkdirSync(shell);
    symlinkSync(oldNode!, path.join(shell, 'node'));
    // The shell of a newcomer: their old node first, the system's npm, none of this repository's tools.
    const PATH = [shell, ...(process.env.PATH ?? '').split(':').filter((p) => !p.includes('node_modules'))].join(':');
    const created = await run('npm', ['run', 'create', '--', path.join(dir, 'old-node'), ...FLAGS], {
      cwd: REPO_ROOT,
      env: cleanEnv({ PATH }),
      timeoutMs: 180_000,
    });
    expect(created.code, created.output).toBe(0);
    const version = spawnSync(oldNode!, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
    expect(created.stdout.trim().split('\n').pop()).toBe(
      `└  old-node is written, but not ready. The project needs Node.js 22.12 or newer, and \`node\` here is ${version}: run its commands with Node.js 22 from the npm registry, as in npx -y -p node@22 -- npm start (or install Node.js 22).`,
    );
  });
});

describe('pnpm run create -- dir', () => {
  it('creates the project: the -- that pnpm passes on is not taken for the end of the options', async () => {
    const prefix = path.join(dir, 'pnpm');
    const installed = await run('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', 'pnpm@10'], { cwd: dir, timeoutMs: 240_000 });
    expect(installed.code, installed.output).toBe(0);
    const env = cleanEnv({ PATH: `${path.join(prefix, 'node_modules', '.bin')}:${cleanEnv().PATH}` });
    const created = await run('pnpm', ['run', 'create', '--', path.join(dir, 'with-pnpm'), ...FLAGS], { cwd: REPO_ROOT, env, timeoutMs: 180_000 });
    expect(created.code, created.output).toBe(0);
    expect(created.output).not.toContain('Expected one project directory');
    expect(existsSync(path.join(dir, 'with-pnpm', 'wrangler.jsonc'))).toBe(true);
  }, 300_000);
});
