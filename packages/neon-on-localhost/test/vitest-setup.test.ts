// The generated projects' vitest globalSetup (neon-on-localhost/vitest), run
// here in Node: the throwaway embedded database it starts takes only its own
// fresh password, and when it cannot start it says why in one line.

import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { filesAsking, setupOrThrow as setup } from '../src/vitest-setup.ts';

const saved = { ...process.env };
const savedCwd = process.cwd();
const cleanups: (() => void)[] = [];
const onExit = (cleanup: () => void) => cleanups.push(cleanup);
afterEach(() => {
  process.env = { ...saved };
  process.chdir(savedCwd);
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A project folder holding `files`, made the current directory (the setup reads the project from there). */
function inProject(files: Record<string, string>): () => void {
  const dir = mkdtempSync(path.join(tmpdir(), 'nol-vitest-setup-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  process.chdir(dir);
  return () => rmSync(dir, { recursive: true, force: true });
}

function project() {
  const provided: Record<string, string> = {};
  return { provided, provide: (key: string, value: unknown) => void (provided[key] = value as string) };
}

describe('vitest-setup', () => {
  it('gives the tests a database URL with a fresh password that the embedded database insists on', async () => {
    delete process.env.DATABASE_URL;
    // A project of its own: the setup keeps the project's prepared database in its .neon-localhost/.
    const removeProject = inProject({ 'package.json': '{"name":"empty"}' });
    const p = project();
    const stop = await setup(p);
    try {
      const url = new URL(p.provided.databaseUrl);
      expect(url.password.length).toBeGreaterThanOrEqual(24);
      const client = new pg.Client(p.provided.databaseUrl);
      await client.connect();
      await client.end();
      url.password = 'postgres';
      await expect(new pg.Client(url.toString()).connect()).rejects.toThrow('password authentication failed');
      expect(existsSync(path.join(process.cwd(), '.neon-localhost', 'prepared.tar.gz'))).toBe(true);
    } finally {
      await stop();
      removeProject();
    }
  }, 60_000);

  it('says in one line why the proxy did not start, and what to do', async () => {
    delete process.env.DATABASE_URL;
    process.env.NEON_LOCALHOST_MAX_CONNECTIONS = 'lots';
    onExit(inProject({ 'package.json': '{"name":"empty"}' }));
    await expect(setup(project())).rejects.toThrow(
      /^✖ neon-on-localhost could not start for the tests: NEON_LOCALHOST_MAX_CONNECTIONS must be a whole number of at least 1, not "lots"\. Set DATABASE_URL in \.env\.local to test against Neon or a local Postgres instead\.$/,
    );
  }, 60_000);

  it('refuses a malformed DATABASE_URL in one line naming where it is', async () => {
    delete process.env.DATABASE_URL;
    const cleanup = inProject({ '.dev.vars': 'DATABASE_URL=postgres://nope\n', 'wrangler.jsonc': '{}' });
    try {
      await expect(setup(project())).rejects.toThrow(
        /^✖ DATABASE_URL in \.dev\.vars is not usable: The database URL has no user: expected postgres:\/\/user:password@host\[:port\]\/database\.$/,
      );
    } finally {
      cleanup();
    }
  });
});

describe('how many test files ask for a database of their own (copies are opened ahead for that many)', () => {
  const perFile = { setupFiles: ['/p/node_modules/neon-on-localhost/dist/vitest-database.js'] };
  /** A vitest whose projects glob `files`, filtered as vitest filters (by substring). */
  const vitestWith = (filenamePattern: string[] | undefined, projects: { setupFiles: string[]; files: string[] }[]) => ({
    filenamePattern,
    projects: projects.map(({ setupFiles, files }) => ({
      config: { setupFiles },
      globTestFiles: async (filters: string[] = []) => ({ testFiles: files.filter((f) => filters.length === 0 || filters.some((x) => f.includes(x))) }),
    })),
  });

  it('counts the files of the projects that list the setup file', async () => {
    const vitest = vitestWith(undefined, [
      { ...perFile, files: ['/p/test/a.test.ts', '/p/test/b.test.ts'] },
      { setupFiles: [], files: ['/p/test/node/c.test.ts'] },
    ]);
    expect(await filesAsking({ vitest })).toBe(2);
  });

  it('counts only the files named on the command line, with or without a line number', async () => {
    const vitest = vitestWith(['test/a.test.ts:12'], [{ ...perFile, files: ['/p/test/a.test.ts', '/p/test/b.test.ts'] }]);
    expect(await filesAsking({ vitest })).toBe(1);
  });
});
