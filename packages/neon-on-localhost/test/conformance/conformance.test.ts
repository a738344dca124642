// The conformance suite: the same scenarios against PostgreSQL over TCP with
// `pg` (the reference), and through the local proxy over WebSocket and HTTP,
// in front of PostgreSQL and of the embedded database. Through the proxy in
// front of PostgreSQL, everything must equal the reference; the embedded
// database must equal it too, or fail with the error the README documents.

import { createHash } from 'node:crypto';
import { neonConfig } from '@neondatabase/serverless';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { configureNeonDriver } from '../../src/driver.ts';
import { CANCEL_NOT_SUPPORTED, COPY_FROM_STDIN_REFUSED, LISTEN_REFUSED } from '../../src/embedded-session.ts';
import { COPY_REFUSED } from '../../src/sql-over-http.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/embedded.ts';
import { startProxy, type LocalProxy } from '../../src/proxy.ts';
import { targetOf } from '../../src/targets.ts';
import { startPostgres, type TestPostgres } from '../../../../test/support/postgres.ts';
import { caught, errorFields, makeTarget, makeTargets, normalise, type BatchOptions, type Result, type Target, type TargetName } from './targets.ts';

let db: TestPostgres;
let embedded: EmbeddedPostgres;
let proxy: LocalProxy;
let targets: Record<TargetName, Target>;

beforeAll(async () => {
  [db, embedded] = await Promise.all([startPostgres(), startEmbeddedPostgres('memory')]);
  proxy = await startProxy({ allow: [targetOf(db.url), targetOf(embedded.url)], maxConnections: 50 });
  neonConfig.webSocketConstructor = WebSocket;
  // wsProxy is a function of host and port, so one setting serves both databases.
  configureNeonDriver(neonConfig, db.url, proxy.address);
  targets = makeTargets(db.url, embedded.url);
  const setup = `create table conf_unique (id int primary key, email text not null unique, n int check (n > 0));
    create table conf_batch (n int); create table conf_copy (n int)`;
  await Promise.all([direct(db.url, (c) => c.query(setup)), direct(embedded.url, (c) => c.query(setup))]);
}, 60_000);

afterAll(async () => {
  await proxy?.close();
  await Promise.all([db?.destroy(), embedded?.close()]);
});

async function direct<T>(url: string, run: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client(url);
  await c.connect();
  try {
    return await run(c);
  } finally {
    await c.end();
  }
}

/** The reference answer (pg over TCP to the same kind of database the target uses), once per scenario. */
const references = new Map<string, Promise<unknown>>();
function reference<T>(key: string, run: (t: Target) => Promise<T>): Promise<T> {
  if (!references.has(key)) references.set(key, run(targets['pg-tcp']));
  return references.get(key) as Promise<T>;
}

const shape = (r: Result) => ({ fields: r.fields, rows: normalise(r.rows) });

/** Target `name` with its URL changed (another user, database or setting). */
function variant(name: TargetName, change: (url: URL) => void): Target {
  const url = new URL(targets[name].url);
  change(url);
  return makeTarget(name, url.toString());
}

const TYPES_SQL = `select
  12345678901234567890.123456789::numeric as num, 'NaN'::numeric as num_nan, 9007199254740993::int8 as big,
  32767::int2 as small, 1.5::float4 as f4, '-Infinity'::float8 as f8_inf, true as b,
  '2024-02-29'::date as d, 'infinity'::date as d_inf, '2024-02-29 13:14:15.123456+05:30'::timestamptz as tstz,
  '2024-02-29 13:14:15.5'::timestamp as ts, '13:14:15'::time as t, '1 year 2 mons 3 days 04:05:06.7'::interval as iv,
  '{"a": [1, "two", null], "b": {"c": 1.50}}'::json as j, '{"b": {"c": 1.50}, "a": [1, "two", null]}'::jsonb as jb,
  '"just a string"'::jsonb as jb_scalar, '\\x00ff10'::bytea as bytes, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid as id,
  array[1, null, 3]::int4[] as ints, array['a"b', null, 'NULL', 'c,d', 'e\\f', '{x}', ' ']::text[] as texts,
  array[[1, 2], [3, null]]::int8[] as nested, '{}'::int4[] as empty, array['2024-01-01'::date, null] as dates,
  array['{"k":1}'::jsonb, null] as jsons, array['\\x01'::bytea] as byteas, array[1.5, null]::numeric[] as nums,
  null::text as nothing, ''::text as blank, 'ünïcødé ✓ 🐘'::text as unicode, '(1,2)'::point as pt, 'abc'::char(5) as ch,
  '192.168.0.1/24'::inet as addr, 'a & b'::tsquery as q, 42::oid as o, 'pg_class'::regclass as rc`;

const PARAMS_SQL = `select $1::int8 + 1 as big, $2::text as txt, $3::jsonb as jb, $4::bytea as bytes, $5::text[] as arr,
  $6::timestamptz as ts, $7::numeric as num, $8::uuid as id, $9::int4 as nothing, $10::bool as flag, $11::date as d`;
const PARAMS = [
  '9007199254740993',
  `it's "quoted" \\ and ünïcødé`,
  JSON.stringify({ a: [1, null, 'x'] }),
  Buffer.from([0, 1, 254, 255]),
  ['x', null, 'y"z', 'NULL', 'a,b'],
  new Date('2024-02-29T01:02:03.456Z'),
  '-0.000001230',
  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  null,
  false,
  '2024-12-31',
];

/** What each error scenario runs; the second part set up by beforeAll. */
const ERRORS: Record<string, [string, unknown[]?]> = {
  unique: [`insert into conf_unique values (1, 'a@example.com', 1), (2, 'a@example.com', 1)`],
  notNull: [`insert into conf_unique values (3, null, 1)`],
  check: [`insert into conf_unique values ($1, $2, $3)`, [4, 'b@example.com', -1]],
  syntax: [`select 1 frm conf_unique`],
  undefinedColumn: [`select nope from conf_unique`],
  divisionByZero: [`select 1 / $1::int as x`, [0]],
  badInput: [`select $1::int as x`, ['seven']],
  raised: [`do $$ begin raise exception using errcode = 'P0001', message = 'custom', detail = 'the detail', hint = 'the hint'; end $$`],
};

const BATCHES: BatchOptions[] = [
  {},
  { isolationLevel: 'ReadUncommitted' },
  { isolationLevel: 'ReadCommitted' },
  { isolationLevel: 'RepeatableRead' },
  { isolationLevel: 'Serializable' },
  { isolationLevel: 'RepeatableRead', readOnly: true },
  { isolationLevel: 'Serializable', readOnly: true, deferrable: true },
  { isolationLevel: 'Serializable', readOnly: false, deferrable: false },
];

const digest = (rows: unknown) =>
  createHash('sha256')
    .update(JSON.stringify(normalise(rows)))
    .digest('hex');

const names: TargetName[] = ['pg-tcp', 'neon-ws', 'neon-http', 'embedded-ws', 'embedded-http'];

const LISTEN_SPELLINGS = ['listen conf_channel', '/* c */ listen conf_channel', 'select 1; listen conf_channel', 'LISTEN "conf_channel"'];
const COPY_IN_SPELLINGS = [
  'copy conf_copy from stdin',
  'COPY conf_copy FROM /* the client */ STDIN',
  'insert into conf_copy values (1); copy conf_copy from stdin',
];

describe.each(names)('%s', (name) => {
  const target = () => targets[name];
  // Every target, the embedded database too, against pg over TCP to PostgreSQL.
  const ref = reference;

  it('returns every type as pg does: values and type OIDs', async () => {
    expect(shape(await target().query(TYPES_SQL))).toEqual(await ref('types', async (t) => shape(await t.query(TYPES_SQL))));
  });

  it('sends parameters as pg does: int8, quotes, json, bytes, arrays with NULLs, Date, NULL', async () => {
    expect(shape(await target().query(PARAMS_SQL, PARAMS))).toEqual(await ref('params', async (t) => shape(await t.query(PARAMS_SQL, PARAMS))));
  });

  it.each(Object.keys(ERRORS))('fails as pg does: %s (code, detail, constraint, position…)', async (key) => {
    const [sql, params] = ERRORS[key];
    const got = errorFields(await caught(target().query(sql, params)));
    expect(got).toEqual(await ref(`error ${key}`, async (t) => errorFields(await caught(t.query(sql, params)))));
    expect(got.code).toMatch(/^[0-9A-Z]{5}$/);
  });

  it('runs a batch with each isolation level, read-only and deferrable as asked', async () => {
    const probe: [string][] = [['show transaction_isolation'], ['show transaction_read_only'], ['show transaction_deferrable']];
    for (const options of BATCHES) {
      const got = (await target().batch(probe, options)).map((r) => r.rows[0]);
      expect(got, JSON.stringify(options)).toEqual(
        await ref(`batch ${JSON.stringify(options)}`, async (t) => (await t.batch(probe, options)).map((r) => r.rows[0])),
      );
    }
  });

  it('rolls a failed batch back whole, and refuses a write in a read-only batch', async () => {
    const before = await target().query('select count(*)::int as n from conf_batch');
    const failed = errorFields(await caught(target().batch([['insert into conf_batch values (1)'], ['select 1 / 0']])));
    const readOnly = errorFields(await caught(target().batch([['insert into conf_batch values (1)']], { readOnly: true })));
    expect((await target().query('select count(*)::int as n from conf_batch')).rows).toEqual(before.rows);
    expect({ failed, readOnly }).toEqual(
      await ref('batch errors', async (t) => ({
        failed: errorFields(await caught(t.batch([['insert into conf_batch values (1)'], ['select 1 / 0']]))),
        readOnly: errorFields(await caught(t.batch([['insert into conf_batch values (1)']], { readOnly: true }))),
      })),
    );
    expect(failed.code).toBe('22012');
    expect(readOnly.code).toBe('25006');
  });

  it('returns 50,000 rows and a 5 MB value whole', async () => {
    const rowsSql = `select g as id, md5(g::text) as h, g * 1.5 as x from generate_series(1, 50000) g`;
    const bigSql = `select repeat('ab', 5 * 512 * 1024) as s, decode(repeat('ff', 1024 * 1024), 'hex') as b`;
    const [rows, big] = [await target().query(rowsSql), await target().query(bigSql)];
    expect({ n: rows.rows.length, digest: digest(rows.rows), big: digest(big.rows) }).toEqual(
      await ref('big', async (t) => {
        const [r, b] = [await t.query(rowsSql), await t.query(bigSql)];
        return { n: r.rows.length, digest: digest(r.rows), big: digest(b.rows) };
      }),
    );
    expect((big.rows[0].s as string).length).toBe(5 * 1024 * 1024);
  }, 60_000);

  it('delivers NOTIFY to a LISTEN session, or (embedded) refuses LISTEN with the documented error', async () => {
    const listener = await target().session();
    if (!listener) {
      // Over HTTP there is no session to listen on (Neon's /sql too); a NOTIFY sent over HTTP reaches a listener.
      const other = await (target().embedded ? targets['embedded-ws'] : targets['pg-tcp']).session();
      if (target().embedded) {
        for (const spelling of LISTEN_SPELLINGS.filter((l) => !l.includes(';'))) {
          await expect(target().query(spelling), spelling).rejects.toMatchObject({ code: '0A000', message: LISTEN_REFUSED });
        }
        await other!.end();
        return;
      }
      const heard = new Promise((resolve) => other!.onNotification(resolve));
      await other!.query('listen conf_channel');
      await target().query(`select pg_notify('conf_channel', $1)`, ['over "http"']);
      expect(await heard).toMatchObject({ channel: 'conf_channel', payload: 'over "http"' });
      await other!.end();
      return;
    }
    try {
      if (target().embedded) {
        // Decided by Postgres' parser, not the spelling; the connection goes on, and so do others.
        for (const spelling of LISTEN_SPELLINGS) {
          await expect(listener.query(spelling), spelling).rejects.toMatchObject({ code: '0A000', message: LISTEN_REFUSED });
        }
        expect((await listener.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
        expect((await target().query('select 2 as two')).rows).toEqual([{ two: 2 }]);
        return;
      }
      const heard = new Promise((resolve) => listener.onNotification(resolve));
      await listener.query('/* the channel */ LISTEN conf_channel');
      await targets['pg-tcp'].query(`notify conf_channel, 'payload ''quoted'' ✓'`);
      expect(await heard).toMatchObject({ channel: 'conf_channel', payload: `payload 'quoted' ✓` });
    } finally {
      await listener.end();
    }
  });

  it('cancels a running query (57014), or (embedded) says it cannot: a warning notice, never silence', async () => {
    const session = await target().session();
    if (!session) {
      const abort = new AbortController();
      const started = Date.now();
      const pending = caught(target().query(`select pg_sleep(${target().embedded ? 0.5 : 5}) as cancel_probe`, [], abort.signal));
      setTimeout(() => abort.abort(), 200);
      // The driver wraps the fetch's AbortError.
      expect(await pending).toMatchObject({ sourceError: { name: 'AbortError' } });
      expect(Date.now() - started).toBeLessThan(3_000);
      if (!target().embedded) {
        await expect
          .poll(
            () =>
              direct(
                db.url,
                async (c) =>
                  (await c.query(`select count(*)::int as n from pg_stat_activity where query like '%cancel_probe%' and pid <> pg_backend_pid()`)).rows[0].n,
              ),
            { timeout: 3_000 },
          )
          .toBe(0);
      }
      return;
    }
    try {
      const notices: unknown[] = [];
      session.onNotice((n) => notices.push({ code: n.code, message: n.message }));
      const started = Date.now();
      const running = session.query(`select pg_sleep(${target().embedded ? 0.5 : 5}) as slept`);
      setTimeout(() => session.cancel(), 200);
      if (target().embedded) {
        // PGlite runs the statement to its end; the connection is told, and stays usable.
        expect((await running).rows).toEqual([{ slept: '' }]);
        await expect.poll(() => notices, { timeout: 3_000 }).toEqual([{ code: '0A000', message: CANCEL_NOT_SUPPORTED }]);
      } else {
        expect(errorFields(await caught(running))).toMatchObject({ code: '57014', message: 'canceling statement due to user request' });
        expect(Date.now() - started).toBeLessThan(3_000);
        expect(notices).toEqual([]);
      }
      expect((await session.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await session.end();
    }
  });

  it('answers 20 concurrent pool queries, each its own', async () => {
    // The embedded database runs one statement at a time (and blocks Node meanwhile): no sleep there.
    const sleep = target().embedded ? 0 : 0.3;
    const started = Date.now();
    const got = await target().concurrently(
      20,
      `select pg_sleep(${sleep}), $1::int * 2 as twice, $2::text as label`,
      (i) => [i, `q${i}`],
      (r) => r.rows[0],
    );
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => ({ pg_sleep: '', twice: i * 2, label: `q${i}` })));
    if (!target().embedded) expect(Date.now() - started).toBeLessThan(20 * sleep * 1000 * 0.5);
  });

  it('refuses an unknown user (28P01) and an unknown database (3D000) as PostgreSQL does', async () => {
    const attempt = async (t: Target) => {
      const e = errorFields(await caught(t.query('select 1')));
      return { code: e.code, message: e.message };
    };
    const changes: Record<string, (u: URL) => void> = {
      user: (u) => void (u.username = 'nobody'),
      database: (u) => void (u.pathname = '/nowhere'),
    };
    for (const [what, change] of Object.entries(changes)) {
      expect(await attempt(variant(name, change)), what).toEqual(await ref(`unknown ${what}`, () => attempt(variant('pg-tcp', change))));
    }
  });

  it('answers COPY … FROM STDIN in any spelling at once, and every connection goes on', async () => {
    const http = name.endsWith('http');
    const refused = async (run: (sql: string) => Promise<unknown>, spellings: string[]) => {
      const out = [];
      for (const sql of spellings) {
        const e = errorFields(await caught(run(sql)));
        out.push({ code: e.code, message: e.message });
      }
      return out;
    };
    // Over HTTP a request holds one statement, as at Neon.
    const spellings = http ? COPY_IN_SPELLINGS.slice(0, 2) : COPY_IN_SPELLINGS;
    const session = await target().session();
    try {
      const got = await refused((sql) => (session ? session.query(sql) : target().query(sql)), spellings);
      if (http) {
        // Neon's /sql has no COPY: a 400 in Postgres' shape (the embedded database refuses it itself).
        expect(got).toEqual(spellings.map(() => ({ code: '0A000', message: target().embedded ? COPY_FROM_STDIN_REFUSED : COPY_REFUSED })));
      } else if (target().embedded) {
        expect(got).toEqual(spellings.map(() => ({ code: '0A000', message: COPY_FROM_STDIN_REFUSED })));
      } else {
        expect(got).toEqual(
          await ref('copy in', async (t) => {
            const s = (await t.session())!;
            try {
              return await refused((sql) => s.query(sql), spellings);
            } finally {
              await s.end();
            }
          }),
        );
      }
      // Nothing was copied or inserted, and this connection and others still answer.
      if (session) expect((await session.query('select count(*)::int as n from conf_copy')).rows).toEqual([{ n: 0 }]);
      expect((await target().query('select count(*)::int as n from conf_copy')).rows).toEqual([{ n: 0 }]);
    } finally {
      await session?.end();
    }
  });

  it('runs COPY … TO STDOUT over a connection as pg does; over HTTP it is a 400', async () => {
    const sql = 'copy (select 1) to stdout';
    if (name.endsWith('http')) {
      expect(errorFields(await caught(target().query(sql)))).toMatchObject({ code: '0A000', message: COPY_REFUSED });
      return;
    }
    expect(shape(await target().query(sql))).toEqual(await ref('copy out', async (t) => shape(await t.query(sql))));
  });

  it('starts each request, or connection, from a fresh session: no temp table, PREPARE or currval carries over', async () => {
    const steps = async (t: Target) => {
      await t.query('create temp table conf_fresh (n int)');
      const temp = (await t.query(`select to_regclass('pg_temp.conf_fresh')::text as t`)).rows;
      await t.query('prepare conf_prepared as select 1');
      const prepared = errorFields(await caught(t.query('execute conf_prepared'))).code;
      await t.query('create sequence if not exists conf_sequence');
      await t.query(`select nextval('conf_sequence')`);
      const currval = errorFields(await caught(t.query(`select currval('conf_sequence')`))).code;
      return { temp, prepared, currval };
    };
    expect(await steps(target())).toEqual(await ref('fresh session', steps));
  });

  it('applies application_name and options=-c from the connection string; search_path defaults to "$user", public', async () => {
    const probe = `select current_setting('application_name') as app, current_setting('statement_timeout') as timeout, current_setting('search_path') as path`;
    const settings = (u: URL) => {
      u.searchParams.set('application_name', 'conformance');
      u.searchParams.set('options', '-c statement_timeout=1234');
    };
    const expected = await ref('settings', async (t) => (await variant(t.name, settings).query(probe)).rows[0]);
    expect(expected).toEqual({ app: 'conformance', timeout: '1234ms', path: '"$user", public' });
    const got = (await variant(name, settings).query(probe)).rows[0];
    // /sql takes both parameters and applies neither, as Neon's: its sessions are pooled per database and user.
    if (name.endsWith('http')) expect(got.path).toBe(expected.path);
    else expect(got).toEqual(expected);
    // And they end with the connection (application_name aside: the driver and /sql name their own sessions).
    const after = (await target().query(probe)).rows[0];
    const plain = await ref('no settings', async (t) => (await t.query(probe)).rows[0]);
    expect({ ...after, app: plain.app }).toEqual(plain);
  });
});
