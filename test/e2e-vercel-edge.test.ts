// End to end: scaffold vercel-edge, install it, run its own tests (in
// edge-runtime and in workerd) against a throwaway PostgreSQL, with and
// without the places table, then serve it with npm start through a database
// outage and back.

import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { run, type Ran } from './support/cli.ts';
import { startDevServer } from './support/dev-server.ts';
import { expectFreePortWhenTaken, expectLocalOnly } from './support/local-only.ts';
import type { TestPostgres } from './support/postgres.ts';
import { expectAllPassed, expectOwnDatabases } from './support/vitest-output.ts';
import { expectDeployUsesLocalVercel } from './support/vercel-cli.ts';
import { describeUnreachableDatabase, scaffoldedProject } from './support/scaffolded.ts';

const scaffolded = scaffoldedProject('edge', 'vercel-edge', ['--no-git']);
let db: TestPostgres;
let project: string;
let created: Ran;
beforeAll(() => {
  ({ db, project, created } = scaffolded);
});

async function sql(text: string): Promise<void> {
  const client = new pg.Client(db.url);
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

describe('create-neon-edge edge --template vercel-edge', () => {
  it('scaffolds and installs, with DATABASE_URL in .env.local', () => {
    expect(created.code, created.output).toBe(0);
    expect(created.output).not.toContain(db.password);
    expect(readFileSync(path.join(project, '.env.local'), 'utf8')).toBe(`DATABASE_URL=${db.url}\n`);
    expect(statSync(path.join(project, '.env.local')).mode & 0o777).toBe(0o600);
    // (A comment wraps in its column to fit the terminal: read it joined.)
    expect(created.output.replace(/\n│ +# /g, ' ')).toMatch(/npm start +# local: the api\/ functions in the edge-runtime sandbox/);
  });

  it('passes its own tests in edge-runtime and workerd, without a places table', async () => {
    const result = await run('npm', ['test'], { cwd: project, timeoutMs: 240_000 });
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/edge-runtime/);
    expect(result.output).toMatch(/workerd/);
    expectAllPassed(result.output);
    expectOwnDatabases(result.output);
    expect(result.output).not.toContain(db.password);
  }, 300_000);

  it('passes them again with a places table', async () => {
    await sql(`
      create extension if not exists postgis;
      create table places (id bigint primary key, name text not null, category text, country text,
                           location geography(Point, 4326) not null);
      create index on places using gist (location);
      insert into places
      select g, 'place ' || g, 'test', 'XX', st_setsrid(st_makepoint(2 + g * 0.01, 48 + g * 0.01), 4326)::geography
      from generate_series(1, 50) as g;`);
    const result = await run('npm', ['test'], { cwd: project, timeoutMs: 240_000 });
    expect(result.code, result.output).toBe(0);
    expectAllPassed(result.output);
    expectOwnDatabases(result.output);
  }, 300_000);

  it("npm run deploy runs the project's own Vercel CLI, with none installed globally", async () => {
    await expectDeployUsesLocalVercel(project);
  }, 90_000);

  it('type-checks', async () => {
    const result = await run('npm', ['run', 'typecheck'], { cwd: project });
    expect(result.code, result.output).toBe(0);
  }, 120_000);

  it('npm start serves the functions from the edge-runtime sandbox, through an outage and back', async () => {
    const dev = await startDevServer(project, '/api/now');
    try {
      const get = async (route: string) => {
        const response = await fetch(`${dev.base}${route}`);
        const text = await response.text();
        expect(text).not.toContain(db.password);
        return { status: response.status, body: JSON.parse(text) as Record<string, unknown> };
      };
      expect((await get('/api/now')).status).toBe(200);
      expect((await get('/api/tx')).body).toMatchObject({ sameTransaction: true });
      expect((await get('/api/nearest?lat=48.1&lng=2.1')).status).toBe(200);

      await db.stop();
      for (const route of ['/api/now', '/api/tx']) {
        const started = Date.now();
        const down = await get(route);
        expect(down).toEqual({ status: 503, body: { error: 'database unavailable' } });
        expect(Date.now() - started).toBeLessThan(10_000);
      }

      await db.start();
      expect((await get('/api/now')).status).toBe(200);
      expect((await get('/api/tx')).status).toBe(200);
    } finally {
      expect(await dev.stop()).toBe(true);
    }
    expect(dev.output()).toMatch(/Ready on http:\/\/127\.0\.0\.1:\d+/);
  }, 120_000);

  it('npm start answers only to this machine: a foreign Host (DNS rebinding) or Origin gets 403 and no data', async () => {
    await expectLocalOnly(project, '/api/tx', '/api/now');
  }, 120_000);

  it('npm start takes a free port when 3000 is taken, and says so', async () => {
    await expectFreePortWhenTaken(project, '/api/now');
  }, 120_000);
});

describeUnreachableDatabase(scaffolded, '.env.local');
