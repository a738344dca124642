// The migration runner (`neon-on-localhost migrate`, and before `run` and the
// tests): against a real PostgreSQL and the embedded database, in order,
// once, atomic per file, safe with two runners at once, and from the command
// line with DATABASE_URL_UNPOOLED, the embedded database and `run`.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cleanEnv, REPO_ROOT, run } from '../../../test/support/cli.ts';
import { queryRows as query, startPostgres, type TestPostgres } from '../../../test/support/postgres.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/embedded.ts';
import { checkedDatabaseUrl, sameDatabase } from '../src/database-url.ts';
import { migrate, MIGRATIONS_TABLE, readMigrationUrl } from '../src/migrate.ts';
import { NO_TRANSACTION_MARKER } from '../src/migration-plan.ts';
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
      new RegExp(
        `^migrations/0102_bad\\.sql failed and was rolled back, the database is as it was: relation "missing_${t}" does not exist \\[42P01\\] \\(line 3\\)$`,
      ),
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
    expect(results.flatMap((r) => r.applied).sort()).toEqual([
      '0201_create.sql',
      '0202_insert.sql',
      '0203_insert.sql',
      '0204_insert.sql',
      '0205_insert.sql',
      '0206_insert.sql',
    ]);
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

describe.each(targets)('a migration is all or nothing, whatever it holds, against %s', (_name, database) => {
  const uid = () => Math.random().toString(36).slice(2, 8);
  const tables = async (url: string, prefix: string) =>
    (await query<{ name: string }>(url, `select table_name as name from information_schema.tables where table_name like '${prefix}%' order by 1`)).map(
      (r) => r.name,
    );
  const recorded = async (url: string, like: string) =>
    (await query<{ name: string }>(url, `select name from ${MIGRATIONS_TABLE} where name like '${like}' order by 1`)).map((r) => r.name);

  // Issue 22, items 1-3: COMMIT or ROLLBACK in the middle, and begin/commit blocks, used to leave half a file behind.
  it.each([
    [
      'COMMIT in the middle',
      (t: string) => `create table ${t}_a (id int);
COMMIT;
create table ${t}_b (id int);`,
      2,
    ],
    [
      'ROLLBACK in the middle',
      (t: string) => `create table ${t}_a (id int);
rollback;
create table ${t}_b (id int);`,
      2,
    ],
    [
      'begin/commit blocks',
      (t: string) => `begin;
create table ${t}_a (id int);
commit;
begin;
create table ${t}_b (id int);
select * from nowhere;
commit;`,
      1,
    ],
    [
      'END after a nested comment',
      (t: string) => `create table ${t}_a (id int);
/* one /* two */ still */ END;`,
      2,
    ],
    [
      'abort after a line comment, in a multi-statement line',
      (t: string) => `create table ${t}_a (id int); -- done
select 1; Abort`,
      2,
    ],
    [
      'START TRANSACTION',
      (t: string) => `create table ${t}_a (id int);

  start   transaction isolation level serializable;`,
      3,
    ],
    ['COMMIT AND CHAIN', (t: string) => `create table ${t}_a (id int); commit and chain;`, 1],
    [
      'PREPARE TRANSACTION',
      (t: string) => `create table ${t}_a (id int);
prepare transaction 'x';`,
      2,
    ],
    ['COMMIT PREPARED', (_t: string) => `commit prepared 'x';`, 1],
  ])('refuses %s before anything runs, naming the file and the line', async (_case, sql, line) => {
    const url = await database();
    const t = `tc_${uid()}`;
    write('0401_first.sql', `create table ${t}_first (id int);`);
    write('0402_mixed.sql', sql(t));
    await expect(migrate(url, dir)).rejects.toThrow(
      new RegExp(`^migrations/0402_mixed\\.sql line ${line}: ".+" is not allowed in a migration: .+; nothing in the file ran$`),
    );
    // Not even the file before it ran: every pending file is checked first.
    expect(await tables(url, t)).toEqual([]);
    expect(await recorded(url, '040%')).toEqual([]);
  });

  it('runs transaction words in strings, dollar quotes, identifiers and comments, and savepoints, as written', async () => {
    const url = await database();
    const t = `tw_${uid()}`;
    write(
      '0501_words.sql',
      [
        `create table "${t}_commit" (note text); -- commit;`,
        `/* rollback; */ insert into "${t}_commit" values ('commit; rollback; begin;');`,
        `create function ${t}_f() returns int language plpgsql as $body$ begin perform 1; return 1; end $body$;`,
        'savepoint s; insert into "' + t + "_commit\" values ('undone'); rollback to savepoint s; release s;",
      ].join('\n'),
    );
    expect((await migrate(url, dir)).applied).toEqual(['0501_words.sql']);
    expect(await query(url, `select note from "${t}_commit"`)).toEqual([{ note: 'commit; rollback; begin;' }]);
  });

  it("applies drizzle-kit's files, statements separated by --> statement-breakpoint", async () => {
    const url = await database();
    const t = `dk_${uid()}`;
    write(
      '0000_drizzle.sql',
      `CREATE TABLE "${t}" (\n\t"id" serial PRIMARY KEY NOT NULL,\n\t"body" text NOT NULL\n);\n--> statement-breakpoint\nCREATE INDEX "${t}_body_idx" ON "${t}" USING btree ("body");`,
    );
    expect((await migrate(url, dir)).applied).toEqual(['0000_drizzle.sql']);
    expect(await tables(url, t)).toEqual([t]);
  });

  it('names the line of an error that has no position (a unique violation)', async () => {
    const url = await database();
    const t = `up_${uid()}`;
    write('0601_seed.sql', `create table ${t} (id int primary key);\ninsert into ${t} values (1);\n\ninsert into ${t} values (1);`);
    await expect(migrate(url, dir)).rejects.toThrow(
      new RegExp(
        `^migrations/0601_seed\\.sql failed and was rolled back, the database is as it was: duplicate key value violates unique constraint "${t}_pkey" \\[23505\\] \\(line 4\\)$`,
      ),
    );
    expect(await tables(url, t)).toEqual([]);
  });

  it('refuses CREATE INDEX CONCURRENTLY in a normal file, naming the no-transaction marker', async () => {
    const url = await database();
    const t = `ci_${uid()}`;
    write('0701_index.sql', `create table ${t} (id int);\ncreate index concurrently ${t}_i on ${t} (id);`);
    await expect(migrate(url, dir)).rejects.toThrow(
      `migrations/0701_index.sql line 2: CREATE INDEX CONCURRENTLY cannot run inside a transaction: move it to a migration file of its own whose first line is "${NO_TRANSACTION_MARKER}"; nothing in the file ran`,
    );
    expect(await tables(url, t)).toEqual([]);
  });

  it('runs a no-transaction file (CREATE INDEX CONCURRENTLY, VACUUM) outside a transaction, once, recorded', async () => {
    const url = await database();
    const t = `nt_${uid()}`;
    write('0901_table.sql', `create table ${t} (id int, body text);`);
    write(
      '0902_index.sql',
      `${NO_TRANSACTION_MARKER}\n-- the index is built without locking out writes\nset lock_timeout = '5s';\ncreate index concurrently ${t}_body on ${t} (body);\nvacuum ${t};`,
    );
    expect((await migrate(url, dir)).applied).toEqual(['0901_table.sql', '0902_index.sql']);
    expect(await query(url, `select indexname from pg_indexes where tablename = '${t}'`)).toEqual([{ indexname: `${t}_body` }]);
    expect((await migrate(url, dir)).applied).toEqual([]);
  });

  it('names the marker when Postgres itself says a statement cannot run in a transaction (25001), or that a DO block cannot commit (2D000)', async () => {
    const url = await database();
    const t = `fx_${uid()}`;
    write('0801_table.sql', `create table ${t} (id int);`);
    write('0802_dynamic.sql', `do $$ begin execute 'create index concurrently ${t}_i on ${t} (id)'; end $$;`);
    await expect(migrate(url, dir)).rejects.toThrow(
      new RegExp(
        `^migrations/0802_dynamic\\.sql failed and was rolled back, the database is as it was: .+ \\[25001\\] \\(line 1\\): move the statement to a migration file of its own whose first line is "${NO_TRANSACTION_MARKER}"$`,
      ),
    );
    write('0802_dynamic.sql', `insert into ${t} values (1);\ndo $$ begin commit; end $$;`);
    await expect(migrate(url, dir)).rejects.toThrow(
      /\[2D000\] \(line 2\): a DO block or procedure that commits must be in a migration file of its own whose first line is "-- neon-on-localhost: no-transaction"$/,
    );
    expect(await query(url, `select count(*)::int as n from ${t}`)).toEqual([{ n: 0 }]);
  });
});

describe('a no-transaction migration against PostgreSQL', () => {
  it('says what stayed when a statement fails, rolls nothing back it cannot, and does not record the file', async () => {
    const url = await freshDatabase(db.url);
    write('0001_table.sql', 'create table notes (id int);');
    write('0002_index.sql', `${NO_TRANSACTION_MARKER}\ncreate index concurrently notes_id on notes (id);\ncreate index concurrently other_id on missing (id);`);
    await expect(migrate(url, dir)).rejects.toThrow(
      'migrations/0002_index.sql failed and was not rolled back (its statements run one by one, without a transaction, as its first line asks): relation "missing" does not exist [42P01] (line 3); the statements before line 3 were applied and stay, and the file is not recorded as applied',
    );
    expect(await query(url, "select indexname from pg_indexes where tablename = 'notes'")).toEqual([{ indexname: 'notes_id' }]);
    expect(await query(url, `select name from ${MIGRATIONS_TABLE} order by 1`)).toEqual([{ name: '0001_table.sql' }]);
  });

  it('refuses a statement that could run in a transaction in a no-transaction file, and a marker after the first statement', async () => {
    const url = await freshDatabase(db.url);
    write('0001_mixed.sql', `${NO_TRANSACTION_MARKER}\ncreate table notes (id int);\ncreate index concurrently notes_id on notes (id);`);
    await expect(migrate(url, dir)).rejects.toThrow(
      /^migrations\/0001_mixed\.sql line 2: "create table notes \(id int\)" can run in a transaction, so it does not belong in a "-- neon-on-localhost: no-transaction" file/,
    );
    write('0001_mixed.sql', `create table notes (id int);\n${NO_TRANSACTION_MARKER}\n`);
    await expect(migrate(url, dir)).rejects.toThrow(
      /^migrations\/0001_mixed\.sql line 2: "-- neon-on-localhost: no-transaction" must come before the first statement/,
    );
    expect(await query(url, "select to_regclass('notes') as t")).toEqual([{ t: null }]);
  });
});

describe('a connection lost in the middle of a migration', () => {
  it('says the outcome is unknown, never that it was rolled back, and the file is not recorded', async () => {
    const url = await freshDatabase(db.url);
    const name = new URL(url).pathname.slice(1);
    write('0001_slow.sql', 'create table notes (id int);\nselect pg_sleep(10);');
    const killer = (async () => {
      for (let i = 0; i < 200; i++) {
        const [{ n }] = await query<{ n: number }>(
          db.url,
          `select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where datname = '${name}' and query like '%pg_sleep(10)%' and pid <> pg_backend_pid()`,
        );
        if (n) return;
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    const failure = await migrate(url, dir).then(
      () => undefined,
      (err: Error) => err.message,
    );
    await killer;
    expect(failure).toMatch(
      /^migrations\/0001_slow\.sql: the connection to the database was lost while it was being applied \(.+\): whether it was committed is unknown\./,
    );
    expect(failure).not.toContain('rolled back');
    expect(await query(url, "select to_regclass('notes') as t")).toEqual([{ t: null }]);
  });
});

describe('neon-on-localhost migrate', () => {
  it('prefers DATABASE_URL_UNPOOLED, prints no password, and is idempotent', async () => {
    const url = new URL(await freshDatabase(db.url));
    url.hostname = 'localhost';
    // As Neon writes them: the pooled host is the direct one with -pooler; here it resolves nowhere, so only the direct one can work.
    const pooled = new URL(url);
    pooled.hostname = 'localhost-pooler';
    write('0001_create.sql', 'create table notes (id serial primary key, body text);');
    const env = cleanEnv({ DATABASE_URL: pooled.toString(), DATABASE_URL_UNPOOLED: url.toString() });
    const first = await run(process.execPath, [...CLI, 'migrate'], { cwd: project, env, timeoutMs: 30_000 });
    expect(first.code, first.output).toBe(0);
    expect(first.stdout).toContain('applied migrations/0001_create.sql');
    expect(first.stdout).toContain('1 migration applied, 1 in all');
    const second = await run(process.execPath, [...CLI, 'migrate'], { cwd: project, env, timeoutMs: 30_000 });
    expect(second.code, second.output).toBe(0);
    expect(second.stdout).toContain('migrations up to date (1 applied)');
    for (const out of [first.output, second.output]) expect(out).not.toContain(db.password);
  });

  // Issue 22, item 4: a DATABASE_URL_UNPOOLED left from another database got the migrations, the app's database none.
  it('db:migrate, `run` and the vitest setup stop with one line when DATABASE_URL and DATABASE_URL_UNPOOLED name different databases', async () => {
    const [app, other] = [await freshDatabase(db.url), await freshDatabase(db.url)];
    write('0001_create.sql', 'create table notes (id int);');
    writeFileSync(path.join(project, '.dev.vars'), `DATABASE_URL=${app}\nDATABASE_URL_UNPOOLED=${other}\n`);
    const line = new RegExp(
      `^✖ DATABASE_URL in \\.dev\\.vars \\(postgres://app:\\*\\*\\*\\*@127\\.0\\.0\\.1:${db.port}/${new URL(app).pathname.slice(1)}\\) and DATABASE_URL_UNPOOLED in \\.dev\\.vars \\(postgres://app:\\*\\*\\*\\*@127\\.0\\.0\\.1:${db.port}/${new URL(other).pathname.slice(1)}\\) name different databases, so migrations would go to one and the app to the other: set DATABASE_URL_UNPOOLED to the direct URL of the same database \\(for Neon, its host without -pooler\\), or remove it`,
    );
    const env = cleanEnv({ NEON_LOCALHOST_PORT: '0' });
    const migrated = await run(process.execPath, [...CLI, 'migrate'], { cwd: project, env, timeoutMs: 30_000 });
    const started = await run(process.execPath, [...CLI, 'run', process.execPath, '-e', 'console.log("STARTED")'], { cwd: project, env, timeoutMs: 30_000 });
    for (const result of [migrated, started]) {
      expect(result.code, result.output).toBe(1);
      expect(result.stderr.trim()).toMatch(line);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.output).not.toContain(db.password);
    }
    expect(started.stdout).not.toContain('STARTED');
    const saved = { ...process.env };
    const cwd = process.cwd();
    try {
      delete process.env.DATABASE_URL;
      delete process.env.DATABASE_URL_UNPOOLED;
      process.chdir(project);
      await expect(setup({ provide: () => {} })).rejects.toThrow(line);
    } finally {
      process.env = saved;
      process.chdir(cwd);
    }
    for (const url of [app, other]) expect(await query(url, "select to_regclass('notes') as t")).toEqual([{ t: null }]);
  }, 60_000);

  it("takes DATABASE_URL_UNPOOLED only from where DATABASE_URL came from: a script run with DATABASE_URL=… never writes to .dev.vars' database", () => {
    const [filed, direct, given] = ['postgres://u:p@127.0.0.1:5432/filed', 'postgres://u:p@127.0.0.1:5432/filed', 'postgres://u:p@127.0.0.1:5433/given'];
    writeFileSync(path.join(project, '.dev.vars'), `DATABASE_URL=${filed}\nDATABASE_URL_UNPOOLED=${direct}\n`);
    expect(readMigrationUrl(project, {})).toBe(direct);
    expect(readMigrationUrl(project, { DATABASE_URL: given })).toBe(given);
    expect(checkedDatabaseUrl(project, { DATABASE_URL: given })).toEqual({ url: given, migrationUrl: given });
    const givenDirect = 'postgres://u:p@127.0.0.1:5433/given?sslmode=disable';
    expect(readMigrationUrl(project, { DATABASE_URL: given, DATABASE_URL_UNPOOLED: givenDirect })).toBe(givenDirect);
    // A leftover beside a DATABASE_URL of another database is still refused, in one line.
    expect(() => readMigrationUrl(project, { DATABASE_URL: given, DATABASE_URL_UNPOOLED: filed })).toThrow(/name different databases/);
  });

  it('takes the pooled and direct URLs of one Neon database as the same database, and nothing else', () => {
    const direct = 'postgres://u:p@ep-cool-1234.eu-central-1.aws.neon.tech/neondb?sslmode=require';
    expect(sameDatabase('postgres://u:p@ep-cool-1234-pooler.eu-central-1.aws.neon.tech/neondb?sslmode=require', direct)).toBe(true);
    expect(sameDatabase('postgres://u:other@ep-cool-1234.eu-central-1.aws.neon.tech:5432/neondb', direct)).toBe(true);
    for (const other of [
      'postgres://u:p@ep-warm-1234.eu-central-1.aws.neon.tech/neondb',
      'postgres://u:p@ep-cool-1234.eu-central-1.aws.neon.tech:6543/neondb',
      'postgres://v:p@ep-cool-1234.eu-central-1.aws.neon.tech/neondb',
      'postgres://u:p@ep-cool-1234.eu-central-1.aws.neon.tech/other',
      'postgres://u:p@ep-cool-1234.pooler.eu-central-1.aws.neon.tech/neondb',
    ]) {
      expect(sameDatabase(other, direct), other).toBe(false);
    }
  });

  it('a failing file: exit 1, one line naming the file and the error', async () => {
    const url = await freshDatabase(db.url);
    write('0001_bad.sql', 'create table t (id int);\ncreate tabel oops ();');
    const result = await run(process.execPath, [...CLI, 'migrate'], { cwd: project, env: cleanEnv({ DATABASE_URL: url }), timeoutMs: 30_000 });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(
      /^✖ migrations\/0001_bad\.sql was not applied, nothing in it ran: syntax error at or near "tabel" \[42601\] \(line 2\)$/,
    );
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
    return { provided, provide: (key: string, value: unknown) => void (provided[key] = value as string) };
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
    await expect(setup(collect())).rejects.toThrow(
      /^✖ migrations\/0002_bad\.sql failed and was rolled back, the database is as it was: relation "nowhere" does not exist \[42P01\] \(line 1\)\. Fix it/,
    );
    expect(await query(url, "select to_regclass('notes') as t")).toEqual([{ t: 'notes' }]);
  }, 60_000);
});
