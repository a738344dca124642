// End to end: scaffold worker-postgis against a throwaway PostgreSQL with
// PostGIS, let the CLI install it and load GeoNames' places, then run the
// generated project's own tests (workerd + Node) and serve it with npm start.

import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { run, type Ran } from './support/cli.ts';
import { startDevServer } from './support/dev-server.ts';
import type { TestPostgres } from './support/postgres.ts';
import { expectAllPassed } from './support/vitest-output.ts';
import { describeUnreachableDatabase, scaffoldedProject } from './support/scaffolded.ts';

const scaffolded = scaffoldedProject('places', 'worker-postgis', ['--no-git']);
let db: TestPostgres;
let project: string;
let created: Ran;
beforeAll(() => {
  ({ db, project, created } = scaffolded);
});

async function countPlaces(): Promise<number> {
  const client = new pg.Client(db.url);
  await client.connect();
  try {
    return (await client.query<{ n: number }>('select count(*)::int as n from places')).rows[0].n;
  } finally {
    await client.end();
  }
}

describe('create-neon-edge places --template worker-postgis', () => {
  it('installs and loads the GeoNames places (db:setup offered after install)', async () => {
    expect(created.code, created.output).toBe(0);
    expect(created.output).toMatch(/Create the schema and load the places .*\n.*yes \(default\)/);
    expect(created.output).toMatch(/171,0\d\d places in the places table/);
    expect(created.output).not.toContain(db.password);
    expect(await countPlaces()).toBeGreaterThan(170_000);
  });

  it('db:setup is idempotent: a second run leaves the same rows, in under 30 s', async () => {
    const before = await countPlaces();
    const started = Date.now();
    const again = await run('npm', ['run', 'db:setup'], { cwd: project, timeoutMs: 120_000 });
    expect(again.code, again.output).toBe(0);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(await countPlaces()).toBe(before);
    expect(again.output).not.toContain(db.password);
  }, 120_000);

  it("passes the generated project's own npm test (workerd and Node) against PostGIS", async () => {
    const result = await run('npm', ['test'], { cwd: project, timeoutMs: 240_000 });
    expect(result.code, result.output).toBe(0);
    expectAllPassed(result.output);
  }, 300_000);

  it('type-checks', async () => {
    const result = await run('npm', ['run', 'typecheck'], { cwd: project });
    expect(result.code, result.output).toBe(0);
  }, 120_000);

  it('npm start serves the same answers as the database, then from the cache', async () => {
    const client = new pg.Client(db.url);
    await client.connect();
    const expected = (
      await client.query<{ id: string }>(
        `select id from places
         order by st_distance(location, st_setsrid(st_makepoint(2.35, 48.86), 4326)::geography, false), id limit 10`,
      )
    ).rows.map((r) => Number(r.id));
    await client.end();

    const dev = await startDevServer(project, '/nearest?lat=0&lng=0');
    try {
      const first = await fetch(`${dev.base}/nearest?lat=48.8566&lng=2.3522`);
      expect(first.status).toBe(200);
      expect(first.headers.get('x-cache')).toBe('MISS');
      const places = (await first.json()) as { id: number }[];
      expect(places.map((p) => p.id)).toEqual(expected);
      const second = await fetch(`${dev.base}/nearest?lat=48.8612&lng=2.3488`);
      expect(second.headers.get('x-cache')).toBe('HIT');
      const bad = await fetch(`${dev.base}/nearest?lat=north&lng=2`);
      expect(bad.status).toBe(400);
    } finally {
      expect(await dev.stop()).toBe(true);
    }
  }, 120_000);
});

describeUnreachableDatabase(scaffolded, '.dev.vars');
