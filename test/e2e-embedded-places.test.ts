// End to end with no DATABASE_URL at all: vercel-edge and worker-postgis
// (PostGIS, the places loaded) fall back to an embedded Postgres (PGlite over
// the wire protocol, behind neon-on-localhost) and run fully on it; a real
// browser shows worker-postgis' map (a screenshot is kept in
// test-artifacts/worker-postgis-map.png), and vercel-edge's /api/nearest gives
// the same places from the same database. (e2e-embedded-worker-raw.test.ts: worker-raw.)

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import { cleanEnv, REPO_ROOT, run, runCli } from './support/cli.ts';
import { startDevServer } from './support/dev-server.ts';
import { embeddedUrl } from './support/embedded.ts';
import { withSharedTestDatabase } from './support/scaffolded.ts';
import { expectAllPassed, expectOwnDatabases, expectQuiet } from './support/vitest-output.ts';

let workDir: string;

beforeAll(() => {
  workDir = mkdtempSync(path.join(tmpdir(), 'neon-edge-embedded-'));
});
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

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
      const hello = (word: string) =>
        `export const config = { runtime: 'edge' };\nexport default async function handler(): Promise<Response> {\n  return Response.json({ hello: '${word}' });\n}\n`;
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

  it('npm test passes on the embedded database with PostGIS: the first run prepares it once (places loaded), a later run copies it', async () => {
    const first = await run('npm', ['test'], { cwd: project, timeoutMs: 600_000 });
    expect(first.code, first.output).toBe(0);
    expect(first.output).toContain('preparing the embedded database once (postgis, migrations, the db:setup script)');
    expect(first.output).toMatch(/✔ 171,0\d\d places in the places table/);
    expectAllPassed(first.output);
    expectOwnDatabases(first.output);
    // The whole suite passed above; a later run of one file is enough to show the preparation is not redone.
    const second = await run('npm', ['test', '--', 'test/own-database.test.ts'], { cwd: project, timeoutMs: 600_000 });
    expect(second.code, second.output).toBe(0);
    expect(second.output).not.toContain('preparing the embedded database');
    expectAllPassed(second.output);
    expectOwnDatabases(second.output);
  }, 1_300_000);

  it('passes the loader\'s Node tests when the test files share one database ("testDatabase": "shared"), on an embedded database of their own', async () => {
    const result = await withSharedTestDatabase(project, () => run('npm', ['test', '--', '--project', 'node'], { cwd: project, timeoutMs: 300_000 }));
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('the test files share one database');
    expectAllPassed(result.output);
  }, 400_000);

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
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
        ],
      });
      try {
        const page = await browser.newPage({ viewport: { width: 800, height: 1000 } });
        const response = await page.goto(`${dev.base}/?lat=48.8566&lng=2.3522`);
        expect(response?.headers()['content-type']).toBe('text/html; charset=utf-8');
        expect(await page.locator('ol.places li .name').allTextContents()).toEqual(places.map((p) => p.name));
        // Each place is on the map, by name and distance.
        const labels = await page.locator('svg.map g.place text').allTextContents();
        expect(labels).toHaveLength(10);
        for (const [i, place] of places.entries())
          expect(labels[i]).toMatch(new RegExp(`^${i + 1}\\. ${place.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} · \\d`));
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
