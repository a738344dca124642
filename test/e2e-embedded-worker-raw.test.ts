// End to end with no DATABASE_URL at all: worker-raw falls back to an
// embedded Postgres (PGlite over the wire protocol, behind neon-on-localhost)
// and runs fully on it: npm start across restarts and signals, and its
// README's loop with its tests. (Its npm test as created: published.test.ts,
// on the same project as `npm create` makes it from the registry.
// e2e-embedded-places.test.ts: vercel-edge and worker-postgis.)

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { queryRows as query } from './support/postgres.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, runCli } from './support/cli.ts';
import { startDevServer, type DevServer } from './support/dev-server.ts';
import { embeddedUrl } from './support/embedded.ts';
import { listeningFrom } from './support/local-only.ts';
import { followReadme } from './support/readme-path.ts';
import { expectAllPassed } from './support/vitest-output.ts';

let workDir: string;

beforeAll(() => {
  workDir = mkdtempSync(path.join(tmpdir(), 'neon-edge-embedded-'));
});
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** The runner (`neon-on-localhost run`) among the processes of `npm start`. */
function runnerPid(dev: DevServer): number {
  const table = execFileSync('ps', ['-A', '-o', 'pid=,pgid=,args='], { encoding: 'utf8' });
  for (const line of table.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    if (m && Number(m[2]) === dev.pid && /^\S*node \S*neon-on-localhost(\/dist\/cli\.js)? run /.test(m[3])) return Number(m[1]);
  }
  throw new Error(`no neon-on-localhost run process under npm ${dev.pid}`);
}

function listening(address: string): Promise<boolean> {
  const [host, port] = address.split(':');
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), host, () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

describe('worker-raw with no DATABASE_URL', () => {
  let project: string;
  beforeAll(async () => {
    const created = await runCli(['raw', '--template', 'worker-raw', '--yes'], { cwd: workDir });
    expect(created.code, created.output).toBe(0);
    expect(created.output).toContain('embedded local database (PGlite) for now (default)');
    // (A note wrapped to the width of a terminal continues on the next line, after clack's gutter.)
    expect(created.output.replace(/\n│ {2}# /g, ' ')).toContain(
      'to switch to Neon: put DATABASE_URL=postgres://… in .dev.vars, then store it as the production secret (below)',
    );
    project = path.join(workDir, 'raw');
  }, 300_000);

  it('npm start serves /, /http and /tx from it, and keeps data across a Ctrl-C restart', async () => {
    const first = await startDevServer(project, '/http');
    try {
      expect(first.output()).toMatch(
        /No DATABASE_URL: using embedded Postgres \(PGlite\) at \.neon-localhost\/pgdata, serving on 127\.0\.0\.1:\d+ \(user postgres, password in \.neon-localhost\/pgdata\.password\) — set DATABASE_URL in \.dev\.vars to use Neon/,
      );
      expect(first.output()).toMatch(/\[neon-on-localhost\] proxy on 127\.0\.0\.1:\d+/);
      for (const route of ['/', '/http', '/tx']) {
        const response = await fetch(`${first.base}${route}`);
        expect(response.status, route).toBe(200);
      }
      const url = embeddedUrl(first, project);
      await expect(query(url.replace(/:[^:@/]+@/, ':postgres@'), 'select 1')).rejects.toThrow('password authentication failed');
      expect(first.output()).not.toContain(new URL(url).password);
      await query(url, 'create table restart_check (body text)');
      await query(url, "insert into restart_check values ('written before Ctrl-C')");
    } finally {
      expect(await first.stop()).toBe(true);
    }
    expect(first.output()).toContain('embedded Postgres closed; data kept in .neon-localhost/pgdata');
    expect(existsSync(path.join(project, '.neon-localhost', 'pgdata', 'PG_VERSION'))).toBe(true);

    const second = await startDevServer(project, '/http');
    try {
      expect(await query(embeddedUrl(second, project), 'select body from restart_check')).toEqual([{ body: 'written before Ctrl-C' }]);
      expect((await fetch(`${second.base}/tx`)).status).toBe(200);
    } finally {
      expect(await second.stop()).toBe(true);
    }
  }, 180_000);

  it('leaves nothing running and the ports free when npm gets SIGTERM, or the runner alone is killed (SIGKILL)', async () => {
    for (const how of ['SIGTERM to npm', 'SIGKILL to the runner'] as const) {
      const dev = await startDevServer(project, '/http');
      // The front and the embedded database's ports were picked free for this run; the proxy's is every
      // project's default (4444), which another file's npm start may take once it is free.
      const ports = [new URL(dev.base).host, /serving on (\S+)/.exec(dev.output())![1]];
      if (how === 'SIGTERM to npm') process.kill(dev.pid, 'SIGTERM');
      else {
        try {
          process.kill(runnerPid(dev), 'SIGKILL');
        } catch (err) {
          process.kill(-dev.pid, 'SIGKILL'); // not to leave them for the next test
          throw err;
        }
      }
      const gone = await dev.gone();
      if (!gone) process.kill(-dev.pid, 'SIGKILL'); // not to leave them for the next test
      expect(gone, `${how}: processes of npm start survived\n${dev.output()}`).toBe(true);
      for (const address of ports) expect(await listening(address), `${how}: ${address} still listening`).toBe(false);
      expect(listeningFrom(project), `${how}: ports still held by processes working in the project`).toEqual([]);
    }
  }, 180_000);

  it('keeps the embedded database out of git', async () => {
    expect(existsSync(path.join(project, '.neon-localhost'))).toBe(true);
    const status = await run('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: project });
    expect(status.code).toBe(0);
    expect(status.stdout).toBe('');
  });

  it('follows the README\'s "Add a table and a route" literally: a new table, a new route with its test, all green', async () => {
    const steps = followReadme(project);
    expect(steps.length).toBeGreaterThanOrEqual(3); // the table, the route, its test
    const tested = await run('npm', ['test', '--', '--reporter=verbose'], { cwd: project, timeoutMs: 240_000 });
    expect(tested.code, tested.output).toBe(0);
    expectAllPassed(tested.output);
    expect(tested.output).toMatch(/✓ .*GET \/todos.*lists the todos/);
    expect(tested.output).toContain('applied migrations/0001_todos.sql');
    const dev = await startDevServer(project, '/todos');
    try {
      const response = await fetch(`${dev.base}/todos`);
      expect(response.status, dev.output()).toBe(200);
      expect(await response.json()).toEqual({ todos: [] });
      expect(dev.output()).toContain('applied migrations/0001_todos.sql');
    } finally {
      expect(await dev.stop()).toBe(true);
    }
  }, 420_000);
});
