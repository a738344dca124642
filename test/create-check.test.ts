// A connection string given at create time is tried before anything is
// written: a wrong password or a stopped server is said in one line, the
// project is still written as asked, and the run ends by saying what is not
// ready and the command to run once it is fixed, not "Done".

import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cleanEnv, runCli } from './support/cli.ts';
import { freePort, startPostgres, type TestPostgres } from './support/postgres.ts';

let db: TestPostgres;
let cwd: string;
let bin: string;
beforeAll(async () => {
  db = await startPostgres();
}, 120_000);
afterAll(() => db?.destroy());
beforeEach(() => {
  cwd = mkdtempSync(path.join(tmpdir(), 'neon-edge-check-'));
  bin = path.join(cwd, '.bin');
  mkdirSync(bin);
  // npm stands in for the install (and records what it was asked to run).
  writeFileSync(path.join(bin, 'npm'), `#!/bin/sh\nprintf '%s\\n' "$*" >> "${bin}/npm.calls"\n[ "$1" = install ] && mkdir -p node_modules\nexit 0\n`);
  chmodSync(path.join(bin, 'npm'), 0o755);
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

const env = () => cleanEnv({ PATH: `${bin}:${cleanEnv().PATH}` });
const npmCalls = () => (existsSync(path.join(bin, 'npm.calls')) ? readFileSync(path.join(bin, 'npm.calls'), 'utf8') : '');
const wrongPassword = () => db.url.replace(`:${db.password}@`, ':Wr0ngPassword@');

describe('a connection string given as a flag', () => {
  it('that connects: checked, and Done', async () => {
    const result = await runCli(['app', '-t', 'worker-raw', '--database-url', db.url, '--no-install', '--no-git'], { cwd, env: env() });
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('Checking the connection');
    expect(result.output).not.toContain('Could not connect');
    expect(result.output).toContain('Done: app is ready.');
  });

  it('with a wrong password (worker-postgis): said at once, the places are not loaded, and the end names .dev.vars and db:setup', async () => {
    const result = await runCli(['places', '-t', 'worker-postgis', '--database-url', wrongPassword(), '--install', '--no-git', '--package-manager', 'npm'], {
      cwd,
      env: env(),
    });
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain(
      `Could not connect: PostgreSQL at 127.0.0.1:${db.port} refused the password for user "app". The project is written anyway; the end of the run says what to fix.`,
    );
    // Not asked, not run: it would fail the same way.
    expect(result.output).not.toContain('Create the schema and load the places');
    expect(npmCalls()).toContain('install');
    expect(npmCalls()).not.toContain('db:setup');
    expect(result.output).not.toContain('Done');
    const last = result.stdout.trim().split('\n').pop();
    expect(last).toBe(
      `└  places is written, but not ready. PostgreSQL at 127.0.0.1:${db.port} refused the password for user "app": fix the user or password in DATABASE_URL in places/.dev.vars, then run npm run db:setup in places.`,
    );
    expect(readFileSync(path.join(cwd, 'places', '.dev.vars'), 'utf8')).toBe(`DATABASE_URL=${wrongPassword()}\n`);
    expect(result.output).not.toContain('Wr0ngPassword');
  });

  it('with PostgreSQL not running: is it running?', async () => {
    const port = await freePort();
    const result = await runCli(['app', '-t', 'worker-raw', '--database-url', `postgres://app:pw@127.0.0.1:${port}/app`, '--no-install', '--no-git'], {
      cwd,
      env: env(),
    });
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain(`Could not connect: nothing answers at 127.0.0.1:${port} (connection refused).`);
    expect(result.stdout.trim().split('\n').pop()).toBe(
      `└  app is written, but not ready. Nothing answers at 127.0.0.1:${port} (connection refused): start PostgreSQL there, or fix the host and port of DATABASE_URL in app/.dev.vars, then npm test in app tries it.`,
    );
  });

  it('--no-check: not tried', async () => {
    const port = await freePort();
    const result = await runCli(
      ['app', '-t', 'worker-raw', '--database-url', `postgres://app:pw@127.0.0.1:${port}/app`, '--no-install', '--no-git', '--no-check'],
      { cwd, env: env() },
    );
    expect(result.code, result.output).toBe(0);
    expect(result.output).not.toContain('Checking the connection');
    expect(result.output).toContain('Done: app is ready.');
    expect(readdirSync(cwd)).toContain('app');
  });
});
