// What users put on top of the driver, through the local proxy: Drizzle's two
// Neon drivers (neon-http, neon-serverless) and Kysely (kysely-neon over HTTP,
// its Postgres dialect on the driver's Pool over WebSocket), in front of
// PostgreSQL and of the embedded database, each compared with the same code on
// node-postgres over TCP.
//
// drizzle-kit talks to the database with a driver of its own choosing (`pg`
// when it is installed, as here, and its Neon path would ignore the local
// proxy), so it is run as a user runs it: `drizzle-kit generate`, then
// `drizzle-kit migrate` with the database URL, straight to PostgreSQL or to the
// embedded database's port.

import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { neon, neonConfig, Pool as NeonPool } from '@neondatabase/serverless';
import { asc, eq, sql as dsql } from 'drizzle-orm';
import { drizzle as drizzleHttp } from 'drizzle-orm/neon-http';
import { drizzle as drizzleWs } from 'drizzle-orm/neon-serverless';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { Kysely, PostgresDialect, sql as ksql, type Generated } from 'kysely';
import { NeonDialect } from 'kysely-neon';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { configureNeonDriver } from '../../src/driver.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/embedded.ts';
import { startProxy, type LocalProxy } from '../../src/proxy.ts';
import { targetOf } from '../../src/targets.ts';
import { startPostgres, type TestPostgres } from '../../../../test/support/postgres.ts';
import { notes } from './drizzle/schema.ts';
import { normalise } from './targets.ts';

const exec = promisify(execFile);
const drizzleDir = path.join(import.meta.dirname, 'drizzle');
// bin.cjs is not in drizzle-kit's exports: it sits next to the package's main file.
const drizzleKit = path.join(path.dirname(createRequire(import.meta.url).resolve('drizzle-kit')), 'bin.cjs');

let db: TestPostgres;
let embedded: EmbeddedPostgres;
let proxy: LocalProxy;
let migrations: string;

async function kit(command: 'generate' | 'migrate', databaseUrl?: string): Promise<string> {
  const { stdout, stderr } = await exec(process.execPath, [drizzleKit, command, '--config', 'drizzle.config.ts'], {
    cwd: drizzleDir,
    env: { ...process.env, DRIZZLE_OUT: migrations, DATABASE_URL: databaseUrl ?? '' },
    timeout: 60_000,
  });
  return `${stdout}${stderr}`;
}

beforeAll(async () => {
  migrations = mkdtempSync(path.join(tmpdir(), 'neon-edge-drizzle-'));
  [db, embedded] = await Promise.all([startPostgres(), startEmbeddedPostgres('memory'), kit('generate')]);
  proxy = await startProxy({ allow: [targetOf(db.url), targetOf(embedded.url)] });
  neonConfig.webSocketConstructor = WebSocket;
  configureNeonDriver(neonConfig, db.url, proxy.address);
}, 120_000);

afterAll(async () => {
  await proxy?.close();
  await Promise.all([db?.destroy(), embedded?.close()]);
  if (migrations) rmSync(migrations, { recursive: true, force: true });
});

const databases = { postgres: () => db.url, embedded: () => embedded.url };

describe.each(Object.keys(databases) as (keyof typeof databases)[])('in front of %s', (which) => {
  const url = () => databases[which]();

  it('drizzle-kit generate and migrate (pg, the database URL) create the schema', async () => {
    expect(readdirSync(migrations).filter((f) => f.endsWith('.sql'))).toHaveLength(1);
    await kit('migrate', url());
    const c = new pg.Client(url());
    await c.connect();
    try {
      const { rows } = await c.query(`select column_name, data_type from information_schema.columns where table_name = 'notes' order by ordinal_position`);
      expect(rows.map((r) => r.column_name)).toEqual(['id', 'title', 'tags', 'meta', 'amount', 'at', 'views']);
    } finally {
      await c.end();
    }
  }, 60_000);

  /** The same Drizzle work on any of its Postgres drivers; what it returns is compared. */
  async function drizzleScenario(d: ReturnType<typeof drizzlePg>, label: string, transactions: boolean) {
    await d.execute(dsql`truncate notes restart identity`);
    const inserted = await d
      .insert(notes)
      .values([
        { title: `${label} "one"`, tags: ['a', 'b"c', 'NULL'], meta: { stars: 3, by: null }, amount: '12.50', at: new Date('2024-02-29T12:00:00Z') },
        { title: `${label} two`, tags: [], meta: null, amount: null, at: null },
      ])
      .returning();
    await d
      .update(notes)
      .set({ views: dsql`${notes.views} + 5` })
      .where(eq(notes.id, 1));
    const duplicate = await d
      .insert(notes)
      .values({ title: `${label} two` })
      .then(
        () => 'inserted',
        (err: { code?: string; cause?: { code?: string; constraint?: string } }) => ({ code: err.cause?.code ?? err.code, constraint: err.cause?.constraint }),
      );
    let rolledBack: unknown = 'not run';
    if (transactions) {
      rolledBack = await d
        .transaction(async (tx) => {
          await tx.insert(notes).values({ title: `${label} three` });
          tx.rollback();
        })
        .catch((err: Error) => err.constructor.name);
    }
    const rows = await d.select().from(notes).orderBy(asc(notes.id));
    const counted = await d.execute(dsql`select count(*)::int as n, sum(${notes.amount}) as total from ${notes}`);
    return normalise({
      inserted: inserted.map((r) => ({ ...r, title: r.title.replace(label, '') })),
      duplicate,
      rolledBack,
      rows: rows.map((r) => ({ ...r, title: r.title.replace(label, '') })),
      counted: counted.rows,
    });
  }

  it("Drizzle's neon-serverless and neon-http drivers behave as node-postgres", async () => {
    const pgPool = new pg.Pool({ connectionString: url() });
    const neonPool = new NeonPool({ connectionString: url() });
    try {
      const expected = await drizzleScenario(drizzlePg(pgPool), 'pg', true);
      expect(expected).toMatchObject({
        duplicate: { code: '23505', constraint: 'notes_title_unique' },
        rolledBack: 'TransactionRollbackError',
        counted: [{ n: 2, total: '12.50' }],
      });
      expect(await drizzleScenario(drizzleWs(neonPool) as unknown as ReturnType<typeof drizzlePg>, 'ws', true)).toEqual(expected);
      // neon-http has no interactive transactions (a Drizzle limit, Neon's too): the rest must match.
      const http = await drizzleScenario(drizzleHttp(neon(url())) as unknown as ReturnType<typeof drizzlePg>, 'http', false);
      expect(http).toEqual({ ...(expected as object), rolledBack: 'not run' });
      // What neon-http offers instead: a batch, one transaction over /sql.
      const d = drizzleHttp(neon(url()));
      const [, after] = await d.batch([d.update(notes).set({ views: 1 }), d.select({ views: notes.views }).from(notes).orderBy(asc(notes.id))]);
      expect(after).toEqual([{ views: 1 }, { views: 1 }]);
    } finally {
      await Promise.all([pgPool.end(), neonPool.end()]);
    }
  });

  interface KyselyDb {
    notes: { id: Generated<number>; title: string; tags: string[] | null; views: Generated<number>; amount: string | null };
  }

  async function kyselyScenario(k: Kysely<KyselyDb>, transactions: boolean) {
    await ksql`truncate notes restart identity`.execute(k);
    const inserted = await k
      .insertInto('notes')
      .values([
        { title: 'k "one"', tags: ['x', 'y,z', null as unknown as string], amount: '0.10' },
        { title: 'k two', tags: null, amount: null },
      ])
      .returningAll()
      .execute();
    let committed: unknown = 'not run';
    if (transactions) {
      committed = await k.transaction().execute(async (tx) => {
        await tx.updateTable('notes').set({ views: 7 }).where('id', '=', 2).execute();
        return tx.selectFrom('notes').select(['id', 'views']).orderBy('id').execute();
      });
    }
    const failed = await k
      .insertInto('notes')
      .values({ title: 'k two' })
      .execute()
      .then(
        () => 'inserted',
        (err: { code?: string; constraint?: string }) => ({ code: err.code, constraint: err.constraint }),
      );
    const rows = await k.selectFrom('notes').selectAll().where('title', 'like', 'k %').orderBy('id').execute();
    return normalise({ inserted, committed, failed, rows });
  }

  it('Kysely on kysely-neon (HTTP) and on the driver Pool (WebSocket) behaves as on node-postgres', async () => {
    const onPg = new Kysely<KyselyDb>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url() }) }) });
    const onWs = new Kysely<KyselyDb>({ dialect: new PostgresDialect({ pool: new NeonPool({ connectionString: url() }) as unknown as pg.Pool }) });
    const onHttp = new Kysely<KyselyDb>({ dialect: new NeonDialect({ neon: neon(url()) }) });
    try {
      const expected = await kyselyScenario(onPg, true);
      expect(expected).toMatchObject({ failed: { code: '23505', constraint: 'notes_title_unique' }, committed: [{ views: 0 }, { views: 7 }] });
      expect(await kyselyScenario(onWs, true)).toEqual(expected);
      // kysely-neon has no transactions over HTTP (each query is its own request).
      expect(await kyselyScenario(onHttp, false)).toEqual({
        ...(expected as object),
        committed: 'not run',
        rows: ((await kyselyScenario(onPg, false)) as { rows: unknown }).rows,
      });
    } finally {
      await Promise.all([onPg.destroy(), onWs.destroy(), onHttp.destroy()]);
    }
  });
});
