// The common start of an end-to-end file: a throwaway PostgreSQL, and the
// built CLI scaffolding a template against it into a temp dir (with install),
// both removed after the file's tests.

import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnvFile } from '../../packages/neon-on-localhost/src/database-url.ts';
import { cleanEnv, run, runCli, type Ran } from './cli.ts';
import { startPostgres, type TestPostgres } from './postgres.ts';
import { expectStoppedWith } from './vitest-output.ts';

export interface Scaffolded {
  db: TestPostgres;
  /** The generated project. */
  project: string;
  /** What the CLI printed and its exit code. */
  created: Ran;
}

/** Registers beforeAll/afterAll; the returned object is filled in before the tests run. */
export function scaffoldedProject(dir: string, template: string, extraArgs: string[] = []): Scaffolded {
  const state = {} as Scaffolded;
  let workDir: string | undefined;
  beforeAll(async () => {
    state.db = await startPostgres();
    workDir = mkdtempSync(path.join(tmpdir(), `neon-edge-${template}-`));
    state.project = path.join(workDir, dir);
    state.created = await runCli([dir, '--template', template, '--database-url', state.db.url, ...extraArgs], {
      cwd: workDir,
      env: cleanEnv({ npm_config_user_agent: 'npm/11.0.0 node/v22.23.3 linux x64' }),
      // An install and, for worker-postgis, loading the places: the hook's budget, not run()'s default 2 minutes.
      timeoutMs: 280_000,
    });
  }, 300_000);
  afterAll(async () => {
    await state.db?.destroy();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });
  return state;
}

/** Runs `body` with the project's env file moved aside: no DATABASE_URL, so the embedded database. */
export async function withoutEnvFile<T>(project: string, envFile: string, body: () => Promise<T>): Promise<T> {
  const file = path.join(project, envFile);
  renameSync(file, `${file}.off`);
  try {
    return await body();
  } finally {
    renameSync(`${file}.off`, file);
  }
}

/** Runs `body` with the project's test files sharing one database ("testDatabase": "shared" in package.json), then puts package.json back. */
export async function withSharedTestDatabase<T>(project: string, body: () => Promise<T>): Promise<T> {
  const file = path.join(project, 'package.json');
  const saved = readFileSync(file, 'utf8');
  const pkg = JSON.parse(saved) as { 'neon-on-localhost'?: Record<string, unknown> };
  pkg['neon-on-localhost'] = { ...pkg['neon-on-localhost'], testDatabase: 'shared' };
  writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
  try {
    return await body();
  } finally {
    writeFileSync(file, saved);
  }
}

/** The same with no database URL at all: the project runs on the embedded database (PGlite). */
export function scaffoldedEmbedded(dir: string, template: string, extraArgs: string[] = []): Omit<Scaffolded, 'db'> {
  const state = {} as Omit<Scaffolded, 'db'>;
  let workDir: string | undefined;
  beforeAll(async () => {
    workDir = mkdtempSync(path.join(tmpdir(), `neon-edge-${template}-`));
    state.project = path.join(workDir, dir);
    state.created = await runCli([dir, '--template', template, '--database-url', '', ...extraArgs], {
      cwd: workDir,
      env: cleanEnv({ npm_config_user_agent: 'npm/11.0.0 node/v22.23.3 linux x64' }),
      // The Vercel templates install the Vercel CLI (over 300 MB): the hook's budget, not run()'s default 2 minutes.
      timeoutMs: 280_000,
    });
  }, 300_000);
  afterAll(() => {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });
  return state;
}

/**
 * The URL the project's tests connect with, from its env file: the direct one
 * where there is one (as --neon-new writes), and the variable that holds it.
 * Its user and password are the cluster's own, or the ones --neon-new created.
 */
function connectionOf(envText: string): { variable: string; url: URL } {
  const env = parseEnvFile(envText);
  const variable = env.DATABASE_URL_UNPOOLED ? 'DATABASE_URL_UNPOOLED' : 'DATABASE_URL';
  return { variable, url: new URL(env[variable]) };
}

/**
 * The project's `npm test` when its database cannot be reached, with a wrong
 * password in `envFile` and with PostgreSQL stopped: the reason and the fix,
 * once, is all it prints. Registered last in a file: the database is stopped
 * for a moment.
 */
export function describeUnreachableDatabase(scaffolded: Pick<Scaffolded, 'db' | 'project'>, envFile: string): void {
  describe('npm test when the database cannot be reached', () => {
    it(`with a wrong password in ${envFile}: the reason and the fix, once, and nothing else`, async () => {
      const { db, project } = scaffolded;
      const file = path.join(project, envFile);
      const saved = readFileSync(file, 'utf8');
      const { variable, url } = connectionOf(saved);
      writeFileSync(file, saved.replaceAll(`:${url.password}@`, ':Wr0ngPassword@'));
      try {
        const result = await run('npm', ['test'], { cwd: project, timeoutMs: 120_000 });
        expect(result.code).toBe(1);
        expectStoppedWith(
          result.output,
          `✖ PostgreSQL at 127.0.0.1:${db.port} refused the password for user "${url.username}": fix the user or password in ${variable} in ${envFile}, then run the tests again.`,
        );
      } finally {
        writeFileSync(file, saved);
      }
    }, 180_000);

    it('with PostgreSQL stopped: is it running?', async () => {
      const { db, project } = scaffolded;
      const { variable } = connectionOf(readFileSync(path.join(project, envFile), 'utf8'));
      await db.stop();
      try {
        const result = await run('npm', ['test'], { cwd: project, timeoutMs: 120_000 });
        expect(result.code).toBe(1);
        expectStoppedWith(
          result.output,
          `✖ Nothing answers at 127.0.0.1:${db.port} (connection refused): start PostgreSQL there, or fix the host and port of ${variable} in ${envFile}, then run the tests again.`,
        );
      } finally {
        await db.start();
      }
    }, 180_000);
  });
}
