// `neon-on-localhost run` (what a project's `npm start` calls), as a process in
// a project folder: it checks DATABASE_URL before starting anything, and says
// when the proxy could not have its usual port (migrations: migrate.test.ts).

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { oldSystemNode } from '../../../test/support/cli.ts';
import { startPostgres, type TestPostgres } from '../../../test/support/postgres.ts';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const NODE_MODULES = fileURLToPath(new URL('../../../node_modules', import.meta.url));
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function projectDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'nol-run-'));
  dirs.push(dir);
  writeFileSync(path.join(dir, 'wrangler.jsonc'), '{}\n');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

function runIn(cwd: string, command: string[], env: NodeJS.ProcessEnv = {}) {
  const base = { ...process.env };
  delete base.DATABASE_URL;
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--experimental-strip-types', '--no-warnings', CLI, 'run', ...command], {
      cwd,
      env: { ...base, NODE_PATH: NODE_MODULES, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('neon-on-localhost run', () => {
  it('refuses a malformed DATABASE_URL in .dev.vars in one line, naming the file and the fix', async () => {
    const dir = projectDir({ '.dev.vars': 'DATABASE_URL=postgres://nope\n' });
    const ran = await runIn(dir, [process.execPath, '-e', 'console.log("dev server started")']);
    expect(ran.code).toBe(1);
    expect(ran.stdout).not.toContain('dev server started');
    expect(ran.stderr.trim().split('\n')).toEqual([
      '✖ DATABASE_URL in .dev.vars is not usable: The database URL has no user: expected postgres://user:password@host[:port]/database.',
    ]);
  });

  it('never prints the password of a malformed DATABASE_URL', async () => {
    const dir = projectDir({ '.dev.vars': 'DATABASE_URL=postgres://app:Sekr3tPw@127.0.0.1:99999/app\n' });
    const ran = await runIn(dir, [process.execPath, '-e', '']);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toMatch(/invalid port/);
    expect(ran.stderr + ran.stdout).not.toContain('Sekr3tPw');
  });

  it('says when NEON_LOCALHOST_PORT is taken, and hands the port it took to the dev server', async () => {
    const taken: Server = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const port = (taken.address() as { port: number }).port;
    try {
      const dir = projectDir({ '.dev.vars': 'DATABASE_URL=postgres://app:pw@127.0.0.1:5999/app\n' });
      const ran = await runIn(dir, [process.execPath, '-e', 'console.log("proxy=" + process.env.NEON_LOCALHOST_PROXY)'], {
        NEON_LOCALHOST_PORT: String(port),
      });
      expect(ran.code, ran.stderr).toBe(0);
      const moved = new RegExp(`port ${port} is in use, so the proxy took (\\d+) instead \\(set NEON_LOCALHOST_PORT to choose one\\)`).exec(ran.stdout);
      expect(moved, ran.stdout).not.toBeNull();
      expect(ran.stdout).toContain(`proxy=127.0.0.1:${moved![1]}`);
    } finally {
      taken.close();
    }
  });

  // The package needs Node 22.12; an older one must say so in one line (run compiled, as installed).
  const oldNode = oldSystemNode();
  const compiled = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
  it.skipIf(!oldNode || !existsSync(compiled))('on Node older than 22.12 says which Node it needs, in one line', () => {
    // As `npm start` runs it: the line names the command that runs it under Node 22 from the registry.
    const env = { ...process.env, npm_lifecycle_event: 'start', npm_config_user_agent: 'npm/11.6.2 node/v20.20.2 linux x64' };
    const ran = spawnSync(oldNode!, [compiled, 'run', 'true'], { cwd: projectDir(), encoding: 'utf8', env });
    expect(ran.status).toBe(1);
    expect(ran.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^✖ This project needs Node\.js 22\.12 or newer; this is Node\.js 2\d\.\d+\.\d+\. Run it with Node\.js 22 from the npm registry: npx -y -p node@22 -- npm start \(or install Node\.js 22: https:\/\/nodejs\.org, or nvm install 22\)\.$/,
      ),
    ]);
  });
});

describe('neon-on-localhost run, showing what reaches the database', () => {
  let db: TestPostgres;
  beforeAll(async () => void (db = await startPostgres()), 60_000);
  afterAll(async () => db?.destroy());

  // The dev server: one neon() query, sent to /sql as the driver sends it.
  const devServer = [
    process.execPath,
    '--input-type=module',
    '-e',
    `const r = await fetch('http://' + process.env.NEON_LOCALHOST_PROXY + '/sql', { method: 'POST', headers: { 'Neon-Connection-String': process.env.DATABASE_URL },
      body: JSON.stringify({ query: 'select $1::text as v', params: ['a-value-to-hide'] }) }); console.log('dev server got', r.status);`,
  ];

  it("prints the explorer's address; --log-queries adds a line per statement, its values hidden unless --show-values", async () => {
    const dir = projectDir({ '.dev.vars': `DATABASE_URL=${db.url}\n` });
    const quiet = await runIn(dir, devServer);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stdout).toMatch(/^\[neon-on-localhost\] explorer: http:\/\/127\.0\.0\.1:\d+\/explorer \(what reaches the database, live\)$/m);
    expect(quiet.stdout).toContain('dev server got 200');
    expect(quiet.stdout).not.toContain('http #1');

    const logged = await runIn(dir, ['--log-queries', ...devServer]);
    expect(logged.stdout).toMatch(/^\[neon-on-localhost\] http #1 · \d+\.\d+ ms · 1 row · select \$1::text as v$/m);
    const shown = await runIn(dir, ['--show-values', '--log-queries', ...devServer]);
    expect(shown.stdout).toMatch(/^\[neon-on-localhost\] http #1 · \d+\.\d+ ms · 1 row · select \$1::text as v · \$1='a-value-to-hide'$/m);
    const fromEnv = await runIn(dir, devServer, { NEON_LOCALHOST_LOG_QUERIES: '1' });
    expect(fromEnv.stdout).toMatch(/^\[neon-on-localhost\] http #1 · .* · select \$1::text as v$/m);
    for (const ran of [quiet, logged, fromEnv]) expect(ran.stdout + ran.stderr).not.toContain('a-value-to-hide');
    for (const ran of [quiet, logged, shown, fromEnv]) expect(ran.stdout + ran.stderr).not.toContain(db.password);
  }, 60_000);

  it('refuses a NEON_LOCALHOST_LOG_QUERIES that is not 1 or 0, in one line, before starting anything', async () => {
    const dir = projectDir({ '.dev.vars': `DATABASE_URL=${db.url}\n` });
    const ran = await runIn(dir, devServer, { NEON_LOCALHOST_LOG_QUERIES: 'yes' });
    expect(ran.code).toBe(1);
    expect(ran.stdout).toBe('');
    expect(ran.stderr.trim().split('\n')).toEqual(['✖ neon-on-localhost: NEON_LOCALHOST_LOG_QUERIES must be 1 or 0, not "yes"']);
  });
});
