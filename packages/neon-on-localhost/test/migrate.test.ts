// The migration runner (`neon-on-localhost migrate`, and before `run` and the
// tests): against a real PostgreSQL and the embedded database, in order,
// once, atomic per file, safe with two runners at once, and from the command
// line with DATABASE_URL_UNPOOLED, the embedded database and `run`.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cleanEnv, REPO_ROOT, run } from '../../../test/support/cli.ts';
import { startPostgres, type TestPostgres } from '../../../test/support/postgres.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/embedded.ts';
import { migrate, MIGRATIONS_TABLE } from '../src/migrate.ts';
import { setupOrThrow as setup } from '../src/vitest-setup.ts';

const CLI = ['--experimental-strip-types', '--no-warnings', `${REPO_ROOT}packages/neon-on-localhost/src/cli.ts`];

let db: TestPostgres;
let embedded: EmbeddedPostgres;
let project: string;
let dir: string;
beforeAll(async () => {
  [db, embedded] = await Promise.all([startPostgres(), startEmbeddedPostgres('memory')]);
});
afterAll(async () => {
  await Promise.all([db?.destroy(), embedded?.close()]);
});
beforeEach(() => {
  project = mkdtempSync(path.join(tmpdir(), 'neon-edge-migrate-'));
  dir = path.join(project, 'migrations');
  mkdirSync(dir);
});
afterEach(() => rmSync(project, { recursive: true, force: true }));

async function query<T = Record<string, unknown>>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

/** A fresh schema per test on the shared PostgreSQL, so tests don't see each other's tables. */
async function freshDatabase(url: string): Promise<string> {
  const name = `t${Math.random().toString(36).slice(2, 10)}`;
  await query(url, `create database ${name}`);
  const fresh = new URL(url);
  fresh.pathname = `/${name}`;
  return fresh.toString();
}

function write(name: string, sql: string): void {
  writeFileSync(path.join(dir, name), sql);
}

const targets = [
  ['PostgreSQL', () => freshDatabase(db.url)],
  // The embedded database is one PGlite per process: each test names its own tables.
  ['the embedded database', async () => embedded.url],
] as const;

describe.each(targets)('migrate() against %s', (_name, database) => {
  it('applies the files in name order, each once, recorded; a second run changes nothing', async () => {
    const url = await database();
    const t = `notes_${Math.random().toString(36).slice(2, 8)}`;
    write('0002_seed.sql', `insert into ${t} (body) values ('first');\ninsert into ${t} (body) values ('second');`);
    write('0001_create.sql', `create table ${t} (id serial primary key, body text not null);`);
    mkdirSync(path.join(dir, 'meta')); // drizzle-kit's snapshots: not migrations
    writeFileSync(path.join(dir, 'meta', '0000_snapshot.sql'), 'select 1/0;');
    writeFileSync(path.join(dir, 'README.md'), 'not sql');
    const first = await migrate(url, dir);
    expect(first.applied).toEqual(['0001_create.sql', '0002_seed.sql']);
    const second = await migrate(url, dir);
    expect(second).toEqual({ applied: [], already: first.already + 2, changed: [] });
    expect(await query(url, `select body from ${t} order by id`)).toEqual([{ body: 'first' }, { body: 'second' }]);
    const recorded = await query<{ name: string }>(url, `select name from ${MIGRATIONS_TABLE} where name like '000%' order by name`);
    expect(recorded.map((r) => r.name)).toEqual(expect.arrayContaining(['0001_create.sql', '0002_seed.sql']));
  });

  it('a failing file leaves the database as it was and names the file, the error and its line', async () => {
    const url = await database();
    const t = `items_${Math.random().toString(36).slice(2, 8)}`;
    write('0101_ok.sql', `create table ${t} (id int);`);
    write('0102_bad.sql', `create table ${t}_half (id int);\ninsert into ${t} values (1);\nselect * from missing_${t};`);
    write('0103_later.sql', `create table ${t}_later (id int);`);
    await expect(migrate(url, dir)).rejects.toThrow(
      new RegExp(`^migrations/0102_bad\\.sql failed and was rolled back, the database is as it was: relation "missing_${t}" does not exist \\[42P01\\] \\(line 3\\)$`),
    );
    const tables = await query<{ name: string }>(url, `select table_name as name from information_schema.tables where table_name like '${t}%'`);
    expect(tables.map((r) => r.name)).toEqual([t]); // not _half, not _later
    expect(await query(url, `select * from ${t}`)).toEqual([]);
    const recorded = await query<{ name: string }>(url, `select name from ${MIGRATIONS_TABLE} where name like '010%'`);
    expect(recorded.map((r) => r.name)).toEqual(['0101_ok.sql']);
    // Fixed, it goes on from there.
    write('0102_bad.sql', `create table ${t}_half (id int);\ninsert into ${t} values (1);`);
    expect((await migrate(url, dir)).applied).toEqual(['0102_bad.sql', '0103_later.sql']);
  });

  it('two runners at once apply each file once', async () => {
    const url = await database();
    const t = `runs_${Math.random().toString(36).slice(2, 8)}`;
    write('0201_create.sql', `create table ${t} (n int);`);
    for (let i = 2; i <= 6; i++) write(`020${i}_insert.sql`, `insert into ${t} values (${i}); select pg_sleep(0.02);`);
    const results = await Promise.all([migrate(url, dir), migrate(url, dir), migrate(url, dir)]);
    expect(results.flatMap((r) => r.applied).sort()).toEqual(['0201_create.sql', '0202_insert.sql', '0203_insert.sql', '0204_insert.sql', '0205_insert.sql', '0206_insert.sql']);
    expect(await query(url, `select n from ${t} order by n`)).toEqual([2, 3, 4, 5, 6].map((n) => ({ n })));
  });

  it('says when an applied file has changed, and does not run it again', async () => {
    const url = await database();
    const t = `kept_${Math.random().toString(36).slice(2, 8)}`;
    write('0301_create.sql', `create table ${t} (id int);`);
    await migrate(url, dir);
    write('0301_create.sql', `create table ${t} (id int, extra text);`);
    const again = await migrate(url, dir);
    expect(again.applied).toEqual([]);
    expect(again.changed).toEqual(['0301_create.sql']);
  });
});

describe('neon-on-localhost migrate', () => {
  it('prefers DATABASE_URL_UNPOOLED, prints no password, and is idempotent', async () => {
    const url = await freshDatabase(db.url);
    write('0001_create.sql', 'create table notes (id serial primary key, body text);');
    const dead = new URL(url);
    dead.port = '1';
    // The pooled URL points nowhere: only the direct one can work.
    const env = cleanEnv({ DATABASE_URL: dead.toString(), DATABASE_URL_UNPOOLED: url });
    const first = await run(process.execPath, [...CLI, 'migrate'], { cwd: project, env, timeoutMs: 30_000 });
    expect(first.code, first.output).toBe(0);
    expect(first.stdout).toContain('applied migrations/0001_create.sql');
    expect(first.stdout).toContain('1 migration applied, 1 in all');
    const second = await run(process.execPath, [...CLI, 'migrate'], { cwd: project, env, timeoutMs: 30_000 });
    expect(second.code, second.output).toBe(0);
    expect(second.stdout).toContain('migrations up to date (1 applied)');
    for (const out of [first.output, second.output]) expect(out).not.toContain(db.password);
  });

  it('a failing file: exit 1, one line naming the file and the error', async () => {
    const url = await freshDatabase(db.url);
    write('0001_bad.sql', 'create table t (id int);\ncreate tabel oops ();');
    const result = await run(process.execPath, [...CLI, 'migrate'], { cwd: project, env: cleanEnv({ DATABASE_URL: url }), timeoutMs: 30_000 });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(/^✖ migrations\/0001_bad\.sql failed and was rolled back, the database is as it was: syntax error at or near "tabel" \[42601\] \(line 2\)$/);
    expect(await query(url, "select to_regclass('t') as t")).toEqual([{ t: null }]);
  });

  it('without a DATABASE_URL migrates the embedded database in .neon-localhost/pgdata, and again changes nothing', async () => {
    write('0001_create.sql', 'create table notes (id serial primary key, body text);');
    write('0002_seed.sql', "insert into notes (body) values ('hello');");
    const env = cleanEnv();
    const first = await run(process.execPath, [...CLI, 'migrate'], { cwd: project, env, timeoutMs: 60_000 });
    expect(first.code, first.output).toBe(0);
    expect(first.stdout).toContain('migrating the embedded database');
    expect(first.stdout).toContain('2 migrations applied, 2 in all');
    const second = await run(process.execPath, [...CLI, 'migrate'], { cwd: project, env, timeoutMs: 60_000 });
    expect(second.code, second.output).toBe(0);
    expect(second.stdout).toContain('migrations up to date (2 applied)');
    const opened = await startEmbeddedPostgres(path.join(project, '.neon-localhost/pgdata'));
    try {
      expect(await query(opened.url, 'select body from notes')).toEqual([{ body: 'hello' }]);
    } finally {
      await opened.close();
    }
  }, 120_000);

  it('`run` applies pending migrations before the command, and does not start it when one fails', async () => {
    const url = await freshDatabase(db.url);
    write('0001_create.sql', 'create table notes (id int);');
    const probe = `const pg=require('pg');const c=new pg.Client(process.env.DATABASE_URL);c.connect().then(()=>c.query("select to_regclass('notes') as t")).then(r=>{console.log('TABLE='+r.rows[0].t);return c.end()})`;
    const env = cleanEnv({ DATABASE_URL: url, NODE_PATH: `${REPO_ROOT}node_modules`, NEON_LOCALHOST_PORT: '0' });
    const ok = await run(process.execPath, [...CLI, 'run', process.execPath, '-e', probe], { cwd: project, env, timeoutMs: 30_000 });
    expect(ok.code, ok.output).toBe(0);
    expect(ok.stdout).toContain('[neon-on-localhost] applied migrations/0001_create.sql');
    expect(ok.stdout).toContain('TABLE=notes');
    write('0002_bad.sql', 'select * from nowhere;');
    const failed = await run(process.execPath, [...CLI, 'run', process.execPath, '-e', probe], { cwd: project, env, timeoutMs: 30_000 });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('✖ migrations/0002_bad.sql failed and was rolled back');
    expect(failed.stdout).not.toContain('TABLE=');
  }, 60_000);
});

describe('the vitest setup', () => {
  const saved = { ...process.env };
  const cwd = process.cwd();
  afterEach(() => {
    process.env = { ...saved };
    process.chdir(cwd);
  });

  function collect() {
    const provided: Record<string, string> = {};
    return { provided, provide: (key: string, value: string) => void (provided[key] = value) };
  }

  it('applies the migrations to the throwaway embedded database before the tests', async () => {
    delete process.env.DATABASE_URL;
    write('0001_create.sql', 'create table notes (id int);');
    process.chdir(project);
    const p = collect();
    const stop = await setup(p);
    try {
      expect(await query(p.provided.databaseUrl, "select to_regclass('notes') as t")).toEqual([{ t: 'notes' }]);
    } finally {
      await stop();
    }
  }, 60_000);

  it('applies them to DATABASE_URL, and a failing one stops the tests with one line', async () => {
    const url = await freshDatabase(db.url);
    process.env.DATABASE_URL = url;
    write('0001_create.sql', 'create table notes (id int);');
    write('0002_bad.sql', 'alter table nowhere add column x int;');
    process.chdir(project);
    await expect(setup(collect())).rejects.toThrow(/^✖ migrations\/0002_bad\.sql failed and was rolled back, the database is as it was: relation "nowhere" does not exist \[42P01\]\. Fix it/);
    expect(await query(url, "select to_regclass('notes') as t")).toEqual([{ t: 'notes' }]);
  }, 60_000);
});
