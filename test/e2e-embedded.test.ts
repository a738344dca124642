// End to end with no DATABASE_URL at all: the generated projects fall back to
// an embedded Postgres (PGlite over the wire protocol, behind neon-on-localhost).
// worker-raw, vercel-edge and worker-postgis (PostGIS, the places loaded) run
// fully on it; a real browser shows worker-postgis' map (a screenshot is kept in
// test-artifacts/worker-postgis-map.png).

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import { cleanEnv, REPO_ROOT, run, runCli } from './support/cli.ts';
import { startDevServer, type DevServer } from './support/dev-server.ts';
import { followReadme } from './support/readme-path.ts';
import { expectAllPassed, expectOwnDatabases, expectQuiet } from './support/vitest-output.ts';

let workDir: string;

beforeAll(() => {
  workDir = mkdtempSync(path.join(tmpdir(), 'neon-edge-embedded-'));
});
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** The embedded database's address, as `npm start` announces it, with the project's password. */
function embeddedUrl(dev: DevServer, project: string): string {
  const address = /using embedded Postgres \(PGlite\) at \.neon-localhost\/pgdata, serving on (\S+)/.exec(dev.output())?.[1];
  if (!address) throw new Error(`npm start did not announce the embedded database:\n${dev.output()}`);
  const password = readFileSync(path.join(project, '.neon-localhost', 'pgdata.password'), 'utf8').trim();
  return `postgres://postgres:${password}@${address}/postgres`;
}

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

async function query<T>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('worker-raw with no DATABASE_URL', () => {
  let project: string;
  beforeAll(async () => {
    const created = await runCli(['raw', '--template', 'worker-raw', '--yes'], { cwd: workDir });
    expect(created.code, created.output).toBe(0);
    expect(created.output).toContain('embedded local database (PGlite) for now (default)');
    // (A note wrapped to the width of a terminal continues on the next line, after clack's gutter.)
    expect(created.output.replace(/\n│ {2}# /g, ' ')).toContain('to switch to Neon: put DATABASE_URL=postgres://… in .dev.vars, then store it as the production secret (below)');
    project = path.join(workDir, 'raw');
  }, 300_000);

  it('npm test passes inside workerd against the embedded database', async () => {
    const result = await run('npm', ['test'], { cwd: project, timeoutMs: 240_000 });
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('No DATABASE_URL: testing against an embedded Postgres (PGlite, in memory)');
    expectAllPassed(result.output);
    expectOwnDatabases(result.output);
    expectQuiet(result.output);
  }, 300_000);

  it('npm start serves /, /http and /tx from it, and keeps data across a Ctrl-C restart', async () => {
    const first = await startDevServer(project, '/http');
    try {
      expect(first.output()).toMatch(/No DATABASE_URL: using embedded Postgres \(PGlite\) at \.neon-localhost\/pgdata, serving on 127\.0\.0\.1:\d+ \(user postgres, password in \.neon-localhost\/pgdata\.password\) — set DATABASE_URL in \.dev\.vars to use Neon/);
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
      const ports = [new URL(dev.base).host, /serving on (\S+)/.exec(dev.output())![1], /proxy on (\S+)/.exec(dev.output())![1]];
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
    }
  }, 180_000);

  it('keeps the embedded database out of git', async () => {
    expect(existsSync(path.join(project, '.neon-localhost'))).toBe(true);
    const status = await run('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: project });
    expect(status.code).toBe(0);
    expect(status.stdout).toBe('');
  });

  it("follows the README's \"Add a table and a route\" literally: a new table, a new route with its test, all green", async () => {
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

describe('vercel-edge with no DATABASE_URL', () => {
  let project: string;
  beforeAll(async () => {
    const created = await runCli(['edge', '--template', 'vercel-edge', '--yes', '--no-git'], { cwd: workDir });
    expect(created.code, created.output).toBe(0);
    project = path.join(workDir, 'edge');
  }, 300_000);

  it('npm test passes in edge-runtime and workerd against the embedded database', async () => {
    const result = await run('npm', ['test'], { cwd: project, timeoutMs: 240_000 });
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('set DATABASE_URL in .env.local to test against Neon');
    expectAllPassed(result.output);
    expectOwnDatabases(result.output);
    expectQuiet(result.output);
    expect(result.output).not.toContain('isolate: false'); // vitest's hint
  }, 300_000);

  it('npm start serves the functions from it', async () => {
    const dev = await startDevServer(project, '/api/now');
    try {
      expect(dev.output()).toContain('set DATABASE_URL in .env.local to use Neon');
      expect((await fetch(`${dev.base}/api/now`)).status).toBe(200);
      expect(await (await fetch(`${dev.base}/api/tx`)).json()).toMatchObject({ sameTransaction: true });
      const nearest = await fetch(`${dev.base}/api/nearest?lat=1&lng=2`);
      expect(nearest.status).toBe(404); // no places table, and no PostGIS to make one: said so
      expect(((await nearest.json()) as { error: string }).error).toMatch(/needs PostGIS/);
      // As on Vercel, a new file in api/ is a route, and an edit shows at once.
      const hello = (word: string) => `export const config = { runtime: 'edge' };\nexport default async function handler(): Promise<Response> {\n  return Response.json({ hello: '${word}' });\n}\n`;
      writeFileSync(path.join(project, 'api', 'hello.ts'), hello('new'));
      await expect.poll(() => fetch(`${dev.base}/api/hello`).then((r) => r.text()), { timeout: 15_000 }).toBe('{"hello":"new"}');
      writeFileSync(path.join(project, 'api', 'hello.ts'), hello('edited'));
      await expect.poll(() => fetch(`${dev.base}/api/hello`).then((r) => r.text()), { timeout: 15_000 }).toBe('{"hello":"edited"}');
      expect(dev.output()).toMatch(/GET \/api\/now 200 OK \(\d+ms\)/);
      expect(dev.output()).toContain('↻ reloaded after a change to api/hello.ts');
    } finally {
      expect(await dev.stop()).toBe(true);
    }
  }, 120_000);
});

describe('worker-postgis with no DATABASE_URL', () => {
  let project: string;
  beforeAll(async () => {
    const created = await runCli(['places', '--template', 'worker-postgis', '--yes', '--no-git'], { cwd: workDir });
    expect(created.code, created.output).toBe(0);
    expect(created.output).toContain('embedded local database (PGlite) for now (default)');
    project = path.join(workDir, 'places');
  }, 300_000);

  it('npm test passes on the embedded database with PostGIS: the first run prepares it once (places loaded), the next copies it', async () => {
    const first = await run('npm', ['test'], { cwd: project, timeoutMs: 600_000 });
    expect(first.code, first.output).toBe(0);
    expect(first.output).toContain('preparing the embedded database once (postgis, migrations, the db:setup script)');
    expect(first.output).toMatch(/✔ 171,0\d\d places in the places table/);
    expectAllPassed(first.output);
    const second = await run('npm', ['test'], { cwd: project, timeoutMs: 600_000 });
    expect(second.code, second.output).toBe(0);
    expect(second.output).not.toContain('preparing the embedded database');
    expectAllPassed(second.output);
    expectOwnDatabases(second.output);
  }, 1_300_000);

  it('npm start serves the places from it, JSON for a client and a map for a browser (screenshot in test-artifacts/)', async () => {
    const dev = await startDevServer(project, '/nearest?lat=0&lng=0');
    try {
      const json = await fetch(`${dev.base}/nearest?lat=48.8566&lng=2.3522`);
      expect(json.status, dev.output()).toBe(200);
      expect(json.headers.get('x-cache')).toBe('MISS');
      const places = (await json.json()) as { name: string }[];
      expect(places).toHaveLength(10);
      expect(places[0].name).toBe('Paris 04 Hôtel-de-Ville');
      expect((await fetch(`${dev.base}/nearest?lat=48.8612&lng=2.3488`)).headers.get('x-cache')).toBe('HIT');

      const browser = await chromium.launch({
        executablePath: '/usr/bin/chromium',
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      });
      try {
        const page = await browser.newPage({ viewport: { width: 800, height: 1000 } });
        const response = await page.goto(`${dev.base}/?lat=48.8566&lng=2.3522`);
        expect(response?.headers()['content-type']).toBe('text/html; charset=utf-8');
        expect(await page.locator('ol.places li .name').allTextContents()).toEqual(places.map((p) => p.name));
        // Each place is on the map, by name and distance.
        const labels = await page.locator('svg.map g.place text').allTextContents();
        expect(labels).toHaveLength(10);
        for (const [i, place] of places.entries()) expect(labels[i]).toMatch(new RegExp(`^${i + 1}\\. ${place.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} · \\d`));
        expect(await page.locator('svg.map path.land').getAttribute('d')).toMatch(/^M/);
        const artifacts = path.join(REPO_ROOT, 'test-artifacts');
        mkdirSync(artifacts, { recursive: true });
        await page.screenshot({ path: path.join(artifacts, 'worker-postgis-map.png'), fullPage: true });
      } finally {
        await browser.close();
      }

      // vercel-edge's /api/nearest on the same embedded database gives the same places.
      const edge = path.join(workDir, 'edge');
      const edgeDev = await startDevServer(edge, '/api/now', cleanEnv({ DATABASE_URL: embeddedUrl(dev, project) }));
      try {
        const fromEdge = await fetch(`${edgeDev.base}/api/nearest?lat=48.8566&lng=2.3522`);
        expect(fromEdge.status, edgeDev.output()).toBe(200);
        expect(((await fromEdge.json()) as { name: string }[]).map((p) => p.name)).toEqual(places.map((p) => p.name));
      } finally {
        expect(await edgeDev.stop()).toBe(true);
      }
    } finally {
      expect(await dev.stop()).toBe(true);
    }
  }, 300_000);

  it('npm run db:setup loads the places into the embedded database of npm start', async () => {
    const result = await run('npm', ['run', 'db:setup'], { cwd: project, timeoutMs: 300_000 });
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('into the embedded database (.neon-localhost/pgdata)');
    expect(result.output).toMatch(/✔ 171,0\d\d places in the places table/);
  }, 300_000);
});
