// A failed connection said as its cause and its fix, from the errors pg really
// gives: against a real PostgreSQL (wrong password, missing database, SSL
// asked of a server without it), a closed port, a host that does not exist
// and a server that never answers. And the commands that connect for the
// user (`run`, `migrate`) print that one line.

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startPostgres, type TestPostgres } from '../../../test/support/postgres.ts';
import { connectionProblem, connectionProblemLine, settingOf } from '../src/connection-problem.ts';

let db: TestPostgres;
let silent: Server;
let dir: string;
beforeAll(async () => {
  db = await startPostgres();
  silent = createServer(() => {}); // accepts, never answers
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
  dir = mkdtempSync(path.join(tmpdir(), 'nol-connection-'));
}, 120_000);
afterAll(async () => {
  await db?.destroy();
  silent?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What pg's connect threw for `url`. */
async function connectError(url: string): Promise<unknown> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1500 });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (err) {
    return err;
  }
  await client.end();
  throw new Error(`${url} connected`);
}

const WHERE = 'DATABASE_URL in .dev.vars';
const withUrl = (change: (url: URL) => void) => {
  const url = new URL(db.url);
  change(url);
  return url.href;
};

describe('connectionProblem', () => {
  it('a closed port: is PostgreSQL running?', async () => {
    const port = await freePort();
    const url = `postgres://app:pw@127.0.0.1:${port}/app`;
    expect(connectionProblemLine(connectionProblem(await connectError(url), url, WHERE))).toBe(
      `Nothing answers at 127.0.0.1:${port} (connection refused): start PostgreSQL there, or fix the host and port of DATABASE_URL in .dev.vars.`,
    );
  });

  it('a wrong password: names the user and where the password is, never the password', async () => {
    const url = withUrl((u) => (u.password = 'Wr0ngSecret'));
    const line = connectionProblemLine(connectionProblem(await connectError(url), url, WHERE), 'then start again');
    expect(line).toBe(
      `PostgreSQL at 127.0.0.1:${db.port} refused the password for user "app": fix the user or password in DATABASE_URL in .dev.vars, then start again.`,
    );
    expect(line).not.toContain('Wr0ngSecret');
  });

  it('a database that does not exist', async () => {
    const url = withUrl((u) => (u.pathname = '/shop'));
    expect(connectionProblem(await connectError(url), url, WHERE)).toEqual({
      cause: `PostgreSQL at 127.0.0.1:${db.port} has no database "shop"`,
      fix: 'create it (CREATE DATABASE "shop"), or fix the database name in DATABASE_URL in .dev.vars',
    });
  });

  it('a host that does not exist', async () => {
    const url = 'postgres://app:pw@db.example.invalid:5432/app';
    expect(connectionProblem(await connectError(url), url, WHERE)).toEqual({
      cause: 'the host "db.example.invalid" was not found',
      fix: 'fix the host in DATABASE_URL in .dev.vars (or check your network)',
    });
  });

  it('a server that never answers', async () => {
    const port = (silent.address() as { port: number }).port;
    const url = `postgres://app:pw@127.0.0.1:${port}/app`;
    expect(connectionProblem(await connectError(url), url, WHERE).cause).toBe(`no answer from 127.0.0.1:${port} in time`);
  });

  it('SSL asked of a server without it', async () => {
    const url = withUrl((u) => u.searchParams.set('sslmode', 'no-verify'));
    expect(connectionProblem(await connectError(url), url, WHERE)).toEqual({
      cause: `PostgreSQL at 127.0.0.1:${db.port} does not accept SSL`,
      fix: 'remove sslmode from DATABASE_URL in .dev.vars (a server on this machine needs none)',
    });
  });
});

describe('settingOf', () => {
  it('names the variable and the file (or the environment) that holds the URL', () => {
    writeFileSync(path.join(dir, '.dev.vars'), 'DATABASE_URL=postgres://a:b@h/one\nDATABASE_URL_UNPOOLED=postgres://a:b@h/two\n');
    expect(settingOf('postgres://a:b@h/one', dir, {})).toBe('DATABASE_URL in .dev.vars');
    expect(settingOf('postgres://a:b@h/two', dir, {})).toBe('DATABASE_URL_UNPOOLED in .dev.vars');
    expect(settingOf('postgres://a:b@h/one', dir, { DATABASE_URL: 'postgres://a:b@h/one' })).toBe('DATABASE_URL in the environment');
  });
});

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

function cli(cwd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--experimental-strip-types', '--no-warnings', CLI, ...args], { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the commands that connect for the user say what is wrong in one line', () => {
  /** A project with a migration and this DATABASE_URL in .dev.vars. */
  function project(url: string): string {
    const root = mkdtempSync(path.join(dir, 'project-'));
    writeFileSync(path.join(root, 'wrangler.jsonc'), '{}\n');
    writeFileSync(path.join(root, '.dev.vars'), `DATABASE_URL=${url}\n`);
    const migrations = path.join(root, 'migrations');
    mkdirSync(migrations);
    writeFileSync(path.join(migrations, '0000_notes.sql'), 'create table notes (id int);\n');
    return root;
  }

  it('run (npm start), with a wrong password: the cause and the fix, and the dev server is not started', async () => {
    const root = project(withUrl((u) => (u.password = 'Wr0ngSecret')));
    const ran = await cli(root, ['run', process.execPath, '-e', 'console.log("dev server started")']);
    expect(ran.code).toBe(1);
    expect(ran.stdout).not.toContain('dev server started');
    expect(ran.stderr.trim().split('\n')).toEqual([
      `✖ PostgreSQL at 127.0.0.1:${db.port} refused the password for user "app": fix the user or password in DATABASE_URL in .dev.vars, then start again.`,
    ]);
  });

  it('migrate (npm run db:migrate), with the server down', async () => {
    const port = await freePort();
    const ran = await cli(project(`postgres://app:pw@127.0.0.1:${port}/app`), ['migrate']);
    expect(ran.code).toBe(1);
    expect(ran.stderr.trim().split('\n')).toEqual([
      `✖ Nothing answers at 127.0.0.1:${port} (connection refused): start PostgreSQL there, or fix the host and port of DATABASE_URL in .dev.vars, then migrate again.`,
    ]);
  });
});
