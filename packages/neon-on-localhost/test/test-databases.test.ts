// neon-on-localhost/vitest with neon-on-localhost/vitest/database, as a
// project uses them: a real vitest run (the built package) in a project folder
// whose test files all write to the same table, in parallel, each on a
// database of its own copied from the migrated one; on PostgreSQL and on the
// embedded database. Nothing is left behind, and what a killed run left is
// dropped by the next.

import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, REPO_ROOT, run } from '../../../test/support/cli.ts';
import { startPostgres, type TestPostgres } from '../../../test/support/postgres.ts';
import { isLeftover, runStem, TEST_DATABASE_PREFIX } from '../src/test-databases.ts';

const VITEST = path.join(REPO_ROOT, 'node_modules/vitest/vitest.mjs');

/** One test file: inserts `rows` notes and counts them all; prints what it saw. */
const testFile = (rows: number) => `
import pg from 'pg';
import { expect, inject, it } from 'vitest';
import { testDatabase } from 'neon-on-localhost/vitest/database';

it('inserts ${rows} notes and counts only its own (and the migrated one)', async () => {
  const db = testDatabase();
  expect(inject('databaseUrl')).toBe(db.url);
  expect(process.env.DATABASE_URL).toBe(db.url);
  const client = new pg.Client(db.url);
  await client.connect();
  try {
    for (let i = 0; i < ${rows}; i++) await client.query('insert into notes (body) values ($1)', ['file ${rows}']);
    await new Promise((resolve) => setTimeout(resolve, 300)); // the other files write meanwhile
    const { rows: [{ count }] } = await client.query('select count(*)::int as count from notes');
    console.log('SAW ' + JSON.stringify({ rows: ${rows}, count, own: db.own, name: db.name }));
    expect(count).toBe(db.own ? ${rows} + 1 : count);
  } finally {
    await client.end();
  }
});
`;

/** A project whose migration makes `notes` with one row, and three test files that write to it. */
function makeProject(packageField?: unknown): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'nol-test-dbs-'));
  const files: Record<string, string> = {
    'package.json': JSON.stringify({ name: 'fixture', type: 'module', ...(packageField ? { 'neon-on-localhost': packageField } : {}) }),
    'migrations/0000_notes.sql':
      "create table notes (id int generated always as identity primary key, body text not null);\ninsert into notes (body) values ('migrated');\n",
    'vitest.config.ts': `import { defineConfig } from 'vitest/config';
export default defineConfig({ test: { globalSetup: ['neon-on-localhost/vitest'], setupFiles: ['neon-on-localhost/vitest/database'], testTimeout: 60_000, hookTimeout: 60_000 } });
`,
    'test/one.test.ts': testFile(1),
    'test/two.test.ts': testFile(2),
    'test/three.test.ts': testFile(3),
  };
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  // The repository's packages, neon-on-localhost (built) among them, as a project's node_modules.
  symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

interface Saw {
  rows: number;
  count: number;
  own: boolean;
  name: string;
}

async function vitestIn(dir: string, env: NodeJS.ProcessEnv) {
  const result = await run(process.execPath, [VITEST, 'run'], { cwd: dir, env: cleanEnv(env), timeoutMs: 180_000 });
  const saw = [...result.stdout.matchAll(/^SAW (.*)$/gm)].map((m) => JSON.parse(m[1]) as Saw).sort((a, b) => a.rows - b.rows);
  return { ...result, saw };
}

/**
 * Every file passed, each on a database of its own holding the migrated row
 * and its own rows only: copies named by the run, numbered from 1, one per
 * file and no more (a test file importing the setup file does not make
 * another); `names` are the suffixes expected.
 */
function expectOwnDatabases(result: Awaited<ReturnType<typeof vitestIn>>, names: string[]): void {
  expect(result.code, result.output).toBe(0);
  expect(result.saw.map(({ rows, count, own }) => ({ rows, count, own }))).toEqual([
    { rows: 1, count: 2, own: true },
    { rows: 2, count: 3, own: true },
    { rows: 3, count: 4, own: true },
  ]);
  expect(result.saw.map((s) => s.name.split('_').pop()).sort()).toEqual(names);
}

async function testDatabasesOn(url: string): Promise<string[]> {
  const admin = new pg.Client(url);
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>('select datname from pg_database where starts_with(datname, $1) order by 1', [
      TEST_DATABASE_PREFIX,
    ]);
    return rows.map((r) => r.datname);
  } finally {
    await admin.end();
  }
}

// This machine's name, when it resolves to loopback: a URL the toolkit takes for a database elsewhere, served here.
const elsewhere = await lookup(hostname()).then(
  (a) => (a.address.startsWith('127.') ? hostname() : undefined),
  () => undefined,
);

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('test database names', () => {
  it('tell a dead run (its process gone, or its pid now another process) from a live one', () => {
    expect(runStem()).toMatch(new RegExp(`^${TEST_DATABASE_PREFIX}${process.pid}_[0-9a-f]{8}$`));
    expect(isLeftover(`${runStem()}_1`)).toBe(false);
    expect(isLeftover(`${TEST_DATABASE_PREFIX}${process.pid}_00000000_1`)).toBe(true);
    expect(isLeftover(`${TEST_DATABASE_PREFIX}4194303_x_1`)).toBe(true);
    expect(isLeftover('app')).toBe(false);
  });
});

describe('each test file its own database, on PostgreSQL', () => {
  let db: TestPostgres;
  beforeAll(async () => {
    db = await startPostgres();
  });
  afterAll(() => db?.destroy());

  it('runs three files in parallel, each on a copy of the migrated database, drops them after, and drops what a killed run left', async () => {
    const leftover = `${TEST_DATABASE_PREFIX}4194303_x_1`; // a pid above Linux's maximum: its run is gone
    const admin = new pg.Client(db.url);
    await admin.connect();
    await admin.query(`create database ${leftover}`);
    await admin.end();
    const dir = makeProject();
    dirs.push(dir);
    const result = await vitestIn(dir, { DATABASE_URL: db.url });
    expectOwnDatabases(result, ['1', '2', '3']);
    for (const s of result.saw) expect(s.name.startsWith(TEST_DATABASE_PREFIX)).toBe(true);
    expect(result.output).toContain('dropped 1 test database left by a test run that ended without cleaning up');
    expect(await testDatabasesOn(db.url)).toEqual([]);
    // The run's own database is as the migration left it: the files wrote elsewhere.
    const client = new pg.Client(db.url);
    await client.connect();
    const { rows } = await client.query('select body from notes');
    await client.end();
    expect(rows).toEqual([{ body: 'migrated' }]);
  }, 240_000);

  it('shares the one database when package.json opts out, and says so in one line', async () => {
    const dir = makeProject({ testDatabase: 'shared' });
    dirs.push(dir);
    const admin = new pg.Client(db.url);
    await admin.connect();
    await admin.query('drop table if exists notes; delete from neon_on_localhost_migrations');
    await admin.end();
    const result = await vitestIn(dir, { DATABASE_URL: db.url });
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('[neon-on-localhost] the test files share one database: "neon-on-localhost": { "testDatabase": "shared" } in package.json');
    expect(result.saw.map((s) => s.own)).toEqual([false, false, false]);
    expect(new Set(result.saw.map((s) => s.name))).toEqual(new Set(['app']));
    expect(Math.max(...result.saw.map((s) => s.count))).toBe(7); // the migrated row and all six
  }, 240_000);

  it.skipIf(!elsewhere)(
    'shares a database elsewhere when NEON_API_KEY and NEON_PROJECT_ID are not set, and says so in one line',
    async () => {
      const dir = makeProject();
      dirs.push(dir);
      const admin = new pg.Client(db.url);
      await admin.connect();
      await admin.query('drop table if exists notes; delete from neon_on_localhost_migrations');
      await admin.end();
      const remote = new URL(db.url);
      remote.hostname = elsewhere!;
      const result = await vitestIn(dir, { DATABASE_URL: remote.href });
      expect(result.code, result.output).toBe(0);
      expect(result.output).toContain(
        '[neon-on-localhost] the test files share one database: it is not on this machine (set NEON_API_KEY and NEON_PROJECT_ID for a Neon branch per test run)',
      );
      expect(result.saw.map((s) => s.own)).toEqual([false, false, false]);
      expect(result.output).not.toContain(db.password);
    },
    240_000,
  );
});

describe('each test file its own database, on the embedded database', () => {
  it("runs three files in parallel, each on a database of its own: the run's in-memory one (a copy of the prepared one) for the first, copies for the others", async () => {
    const dir = makeProject();
    dirs.push(dir);
    const result = await vitestIn(dir, {});
    // The run's in-memory database is a copy of the prepared one already: the first file gets it, the others copies.
    expectOwnDatabases(result, ['1', '2', 'postgres']);
  }, 240_000);
});
