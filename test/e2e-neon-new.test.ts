// End to end: `npm create neon-edge@latest places -- --neon-new --template
// worker-postgis` against a stand-in for neon.new (test/support/
// neon-new-standin.ts) that hands out a fresh database in a throwaway
// PostgreSQL + PostGIS cluster. Everything after the two calls is the real
// flow: install, db:setup, the project's own npm test and npm start. This is
// also worker-postgis' run on PostgreSQL with PostGIS (its Drizzle variant's
// is in e2e-migrations-geo.test.ts, the embedded database's in
// e2e-embedded-places.test.ts). Then the service failing in the ways it can,
// leaving nothing behind.

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnvFile } from '../packages/neon-on-localhost/src/database-url.ts';
import { CLI, cleanEnv, run, runCli, type Ran } from './support/cli.ts';
import { startDevServer } from './support/dev-server.ts';
import { databasesIn, type NeonNewStandin, startNeonNewStandin } from './support/neon-new-standin.ts';
import { startPostgres, type TestPostgres } from './support/postgres.ts';
import { KEYS, Pty } from './support/pty.ts';
import { describeUnreachableDatabase, withSharedTestDatabase } from './support/scaffolded.ts';
import { expectAllPassed } from './support/vitest-output.ts';

let db: TestPostgres;
let standin: NeonNewStandin;
let dir: string;
let created: Ran;
let databaseUrl: string;
const project = () => path.join(dir, 'places');
const password = () => decodeURIComponent(new URL(databaseUrl).password);

beforeAll(async () => {
  db = await startPostgres();
  standin = await startNeonNewStandin(databasesIn(db));
  dir = mkdtempSync(path.join(tmpdir(), 'neon-edge-neon-new-'));
  created = await run('npm', ['create', 'neon-edge@latest', 'places', '--', '--neon-new', '--template', 'worker-postgis', '--no-git'], {
    cwd: dir,
    env: cleanEnv({ npm_config_yes: 'true', NEON_NEW_BASE_URL: standin.base }),
    timeoutMs: 400_000,
  });
  databaseUrl = [...standin.databases.values()][0] ?? 'postgres://none:none@none/none';
}, 420_000);

afterAll(async () => {
  await standin?.close();
  await db?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function query<T extends pg.QueryResultRow>(text: string): Promise<T[]> {
  const client = new pg.Client(databaseUrl);
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

const countPlaces = async () => (await query<{ n: number }>('select count(*)::int as n from places'))[0].n;

describe('npm create neon-edge@latest places -- --neon-new --template worker-postgis', () => {
  it('creates the database with the two calls, installs, and loads the places into it (db:setup offered after install)', async () => {
    expect(created.code, created.output).toBe(0);
    expect(standin.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      expect.stringMatching(/^POST \/api\/v1\/database\/[0-9a-f-]{36}$/),
      expect.stringMatching(/^GET \/api\/v1\/database\/[0-9a-f-]{36}$/),
    ]);
    expect(standin.calls[0].query).toEqual({ referrer: 'npm:create-neon-edge' });
    expect(created.output).toMatch(/Create the schema and load the places .*\n.*yes \(default\)/);
    expect(created.output).toMatch(/171,0\d\d places in the places table/);
    expect(await countPlaces()).toBeGreaterThan(170_000);
  });
  it('shows the claim URL once, with the expiry, and the password nowhere', () => {
    const id = standin.calls[0].path.split('/').pop();
    const claimUrl = `${standin.base}/database/${id}`;
    expect(created.output.split(claimUrl).length - 1).toBe(1);
    expect(created.output).toMatch(new RegExp(`Claim your Neon database at ${claimUrl} before \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC, or it is deleted\\.`));
    expect(created.output).toMatch(/the Neon database is deleted at \d{4}-\d\d-\d\d \d\d:\d\d UTC unless you claim it/);
    expect(created.output).not.toContain(password());
  });

  it('writes .dev.vars at 0600 with the pooled and direct URLs and the claim comment', () => {
    const file = path.join(project(), '.dev.vars');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    // The stand-in's host is 127.0.0.1, which has no -pooler twin: both are the URL handed out.
    expect(parseEnvFile(text)).toEqual({ DATABASE_URL: databaseUrl, DATABASE_URL_UNPOOLED: databaseUrl });
    expect(text).toMatch(/^# A Neon claimable database: claim it at http:\/\/127\.0\.0\.1:\d+\/database\/[0-9a-f-]{36} before .* UTC, or it is deleted\.$/m);
  });

  it('db:setup is idempotent: a second run leaves the same rows, in under 30 s', async () => {
    const before = await countPlaces();
    const started = Date.now();
    const again = await run('npm', ['run', 'db:setup'], { cwd: project(), timeoutMs: 120_000 });
    expect(again.code, again.output).toBe(0);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(await countPlaces()).toBe(before);
    expect(again.output).not.toContain(password());
  }, 120_000);

  it("passes the generated project's own npm test (workerd and Node) against it", async () => {
    const result = await run('npm', ['test'], { cwd: project(), timeoutMs: 240_000 });
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/Test Files\s+3 passed/); // nearest, own-database (workerd) and db-setup (Node)
    expectAllPassed(result.output);
    expect(result.output).not.toContain(password());
  }, 300_000);

  it('passes the loader\'s Node tests when the test files share one database ("testDatabase": "shared"), in a schema of their own', async () => {
    const result = await withSharedTestDatabase(project(), () => run('npm', ['test', '--', '--project', 'node'], { cwd: project(), timeoutMs: 240_000 }));
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('the test files share one database');
    expectAllPassed(result.output);
  }, 300_000);

  it('type-checks', async () => {
    const result = await run('npm', ['run', 'typecheck'], { cwd: project() });
    expect(result.code, result.output).toBe(0);
  }, 120_000);

  it('npm start serves the same nearest places as the database, then from the cache', async () => {
    const expected = (
      await query<{ id: string }>(
        `select id from places
         order by st_distance(location, st_setsrid(st_makepoint(2.35, 48.86), 4326)::geography, false), id limit 10`,
      )
    ).map((r) => Number(r.id));
    const dev = await startDevServer(project(), '/nearest?lat=0&lng=0');
    try {
      const first = await fetch(`${dev.base}/nearest?lat=48.8566&lng=2.3522`);
      expect(first.status).toBe(200);
      expect(first.headers.get('x-cache')).toBe('MISS');
      const places = (await first.json()) as { id: number; name: string }[];
      expect(places.map((p) => p.id)).toEqual(expected);
      expect(places.map((p) => p.name)).toContain('Paris');
      const second = await fetch(`${dev.base}/nearest?lat=48.8612&lng=2.3488`);
      expect(second.headers.get('x-cache')).toBe('HIT');
      const bad = await fetch(`${dev.base}/nearest?lat=north&lng=2`);
      expect(bad.status).toBe(400);
      expect(dev.output()).not.toContain(password());
    } finally {
      expect(await dev.stop()).toBe(true);
    }
  }, 120_000);
});

describeUnreachableDatabase(
  {
    get db() {
      return db;
    },
    get project() {
      return project();
    },
  },
  '.dev.vars',
);

describe('--neon-new when the service fails', () => {
  const cases: [NonNullable<NeonNewStandin['fault']>, RegExp][] = [
    ['post-500', /creating the database was answered 500 Internal Server Error/],
    ['get-hang', /reading its connection string got no answer within 2 s/],
    ['malformed-json', /reading its connection string got an answer that is not JSON/],
  ];
  for (const [fault, reason] of cases) {
    it(`${fault}: one line naming what failed and the other ways, exit 1, nothing written`, async () => {
      standin.fault = fault;
      standin.calls.length = 0;
      const work = mkdtempSync(path.join(tmpdir(), 'neon-edge-neon-new-fail-'));
      try {
        const started = Date.now();
        const result = await runCli(['app', '--neon-new', '--template', 'worker-raw', '--no-git'], {
          cwd: work,
          env: cleanEnv({ NEON_NEW_BASE_URL: standin.base, CREATE_NEON_EDGE_NEON_NEW_TIMEOUT: '2' }),
        });
        expect(Date.now() - started).toBeLessThan(20_000);
        expect(result.code, result.output).toBe(1);
        const line = result.stderr.trim();
        expect(line.split('\n')).toHaveLength(1);
        expect(line).toMatch(reason);
        expect(line).toContain('Drop --neon-new for the embedded database, or pass --database-url <url>.');
        expect(existsSync(path.join(work, 'app'))).toBe(false);
        expect(readdirSync(work)).toEqual([]);
        expect(standin.calls.length).toBeGreaterThan(0);
      } finally {
        standin.fault = undefined;
        rmSync(work, { recursive: true, force: true });
      }
    }, 60_000);
  }
});

describe('in the prompt', () => {
  async function ask(base: string, work: string, choose: (pty: Pty) => Promise<void>): Promise<Pty> {
    const pty = new Pty(`${process.execPath} ${CLI} app -t worker-postgis --orm none --no-install --no-git --no-agents --no-ci`, {
      cwd: work,
      env: cleanEnv({ NEON_NEW_BASE_URL: base }),
    });
    try {
      await choose(pty);
      expect(await pty.exited).toBe(0);
    } finally {
      pty.kill();
    }
    return pty;
  }

  it('is offered (after the embedded database, the default) when the service answers, and creates the database', async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'neon-edge-neon-new-pty-'));
    try {
      const pty = await ask(standin.base, work, async (p) => {
        await p.waitFor(/Neon or another Postgres/);
        expect(p.screen).toMatch(/● An embedded local database for now[^\n]*\n[^\n]*○ A new Neon database — free, no sign-up \(claim it within 72 hours\)/);
        await p.type(KEYS.down, KEYS.enter);
      });
      expect(pty.screen).toMatch(/Claim your Neon database at http:\/\/127\.0\.0\.1:\d+\/database\/[0-9a-f-]{36} before/);
      const env = parseEnvFile(readFileSync(path.join(work, 'app', '.dev.vars'), 'utf8'));
      expect(Object.keys(env)).toEqual(['DATABASE_URL', 'DATABASE_URL_UNPOOLED']);
      expect(pty.screen).not.toContain(new URL(env.DATABASE_URL).password);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 60_000);

  it('is not offered when the service does not answer: the embedded database and a connection string are the choices', async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'neon-edge-neon-new-pty-'));
    try {
      const closed = await startNeonNewStandin(async () => 'unused');
      const base = closed.base;
      await closed.close();
      const pty = await ask(base, work, async (p) => {
        await p.waitFor(/Neon or another Postgres/);
        expect(p.screen).toMatch(/● An embedded local database for now[^\n]*\n[^\n]*○ Neon or another Postgres/);
        await p.type(KEYS.enter); // the embedded database
      });
      expect(pty.screen).not.toContain('A new Neon database');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 60_000);
});
