// Where the local proxy used to differ from Neon, each stated as Neon's
// behaviour, from Neon's proxy source (neondatabase/neon, proxy/src/serverless/
// sql_over_http.rs, json.rs; HttpConfig's 10 MiB request and response limits),
// against a real PostgreSQL and against the embedded database.

import { Client, neon, neonConfig, Pool } from '@neondatabase/serverless';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { configureNeonDriver } from '../src/driver.ts';
import { COPY_FROM_STDIN_REFUSED, LISTEN_REFUSED } from '../src/embedded-session.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/embedded.ts';
import { startProxy, type LocalProxy } from '../src/proxy.ts';
import { COPY_REFUSED } from '../src/sql-over-http.ts';
import { targetOf } from '../src/targets.ts';
import { startPostgres, type TestPostgres } from '../../../test/support/postgres.ts';

let db: TestPostgres;
let embedded: EmbeddedPostgres;
let proxy: LocalProxy;

beforeAll(async () => {
  [db, embedded] = await Promise.all([startPostgres(), startEmbeddedPostgres('memory')]);
  proxy = await startProxy({ allow: [targetOf(db.url), targetOf(embedded.url)], maxConnections: 20 });
  neonConfig.webSocketConstructor = WebSocket;
  configureNeonDriver(neonConfig, db.url, proxy.address);
}, 60_000);

afterAll(async () => {
  await proxy?.close();
  await Promise.all([db?.destroy(), embedded?.close()]);
});

async function postSql(url: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) {
  const response = await fetch(`http://${proxy.address}/sql`, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body), // a string: sent as it is
    headers: { 'Neon-Connection-String': url, ...headers },
    signal,
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/** A pg client straight to the database, to see what the proxy left behind. */
async function direct<T>(url: string, run: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client(url);
  await c.connect();
  try {
    return await run(c);
  } finally {
    await c.end();
  }
}

describe('SQL over HTTP, as Neon answers it', () => {
  it('resets a pooled session between requests: no BEGIN, SET, temp table or advisory lock carries over', async () => {
    const sql = neon(db.url);
    await sql`create table if not exists reset_probe (n int)`;
    // Twice as many stray requests as the pool could hold, so later requests reuse their sessions.
    for (let i = 0; i < 3; i++) {
      await sql`begin`;
      await sql`set search_path = nowhere`;
      await sql`create temp table leaked (n int)`;
      await sql`select pg_advisory_lock(42)`;
    }
    const [row] = await sql`insert into reset_probe values (1) returning n`;
    expect(row).toEqual({ n: 1 });
    expect(await sql`show search_path`).toEqual([{ search_path: '"$user", public' }]);
    expect(await sql`select to_regclass('pg_temp.leaked') as t`).toEqual([{ t: null }]);
    // Committed, not sitting in a transaction that is rolled back later: another session sees it.
    expect(await direct(db.url, async (c) => (await c.query('select count(*)::int as n from reset_probe')).rows)).toEqual([{ n: 1 }]);
    expect(await direct(db.url, async (c) => (await c.query(`select count(*)::int as n from pg_locks where locktype = 'advisory'`)).rows)).toEqual([{ n: 0 }]);
  });

  it('cancels the query of a client that went away', async () => {
    const abort = new AbortController();
    const pending = postSql(db.url, { query: 'select pg_sleep(8) as slept', params: [] }, {}, abort.signal).catch(() => 'aborted');
    await new Promise((r) => setTimeout(r, 500));
    abort.abort();
    expect(await pending).toBe('aborted');
    await new Promise((r) => setTimeout(r, 1000));
    const active = await direct(
      db.url,
      async (c) => (await c.query(`select count(*)::int as n from pg_stat_activity where query like 'select pg_sleep(8)%' and state = 'active'`)).rows,
    );
    expect(active).toEqual([{ n: 0 }]);
  });

  // Issue 22, item 5: COPY FROM STDIN over /sql never answered, and 50 of them took every session slot.
  it("answers COPY FROM STDIN and COPY TO STDOUT at once with a 400 (0A000) in Neon's error shape, and 50 of them leave every slot free", async () => {
    await direct(db.url, (c) => c.query('create table if not exists copy_http (n int); insert into copy_http select generate_series(1, 100000)'));
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        postSql(
          db.url,
          { query: i % 2 ? 'copy copy_http to stdout' : `copy copy_http from /* the client's */ stdin`, params: [] },
          {},
          AbortSignal.timeout(10_000),
        ),
      ),
    );
    expect(Date.now() - started).toBeLessThan(8_000);
    for (const { status, json } of answers) {
      expect(status).toBe(400);
      expect(json).toMatchObject({ message: COPY_REFUSED, code: '0A000', severity: 'ERROR', detail: null });
    }
    await expect(neon(db.url).query('copy copy_http from stdin')).rejects.toMatchObject({ name: 'NeonDbError', code: '0A000', message: COPY_REFUSED });
    // Nothing was copied, and the connections those requests used still serve.
    expect(await neon(db.url)`select count(*)::int as n from copy_http`).toEqual([{ n: 100000 }]);
    expect(proxy.stats.httpSessions).toBeLessThanOrEqual(20);
  });

  it('frees the session of a client that hangs up at once, even when the statement ignores the cancel', async () => {
    // One session in all, and a statement that swallows cancels: only dropping its connection lets the next request in.
    const single = await startProxy({ allow: [targetOf(db.url)], maxConnections: 1 });
    const post = (query: string, signal?: AbortSignal) =>
      fetch(`http://${single.address}/sql`, {
        method: 'POST',
        body: JSON.stringify({ query, params: [] }),
        headers: { 'Neon-Connection-String': db.url },
        signal,
      });
    try {
      const stubborn = `do $$ begin for i in 1..300 loop begin perform pg_sleep(0.1); exception when query_canceled then null; end; end loop; end $$ /* stubborn */`;
      const abort = new AbortController();
      const pending = post(stubborn, abort.signal).catch(() => 'aborted');
      await expect.poll(() => single.stats.httpSessions, { timeout: 3_000 }).toBe(1);
      await new Promise((r) => setTimeout(r, 300));
      abort.abort();
      expect(await pending).toBe('aborted');
      const next = await post('select 1 as one', AbortSignal.timeout(3_000));
      expect(next.status).toBe(200);
      expect(await next.json()).toMatchObject({ rows: [{ one: 1 }] });
    } finally {
      await single.close();
      // The server side of the dropped connection, which Postgres only notices later: ended here.
      await direct(db.url, (c) => c.query(`select pg_terminate_backend(pid) from pg_stat_activity where query like '%stubborn%' and pid <> pg_backend_pid()`));
    }
  });

  // Issue 22, item 7: deeply nested params answered 500 "Maximum call stack size exceeded".
  it('answers 400 naming the parameter for params nested too deeply', async () => {
    const nest = (depth: number): unknown => {
      let value: unknown = '1';
      for (let i = 0; i < depth; i++) value = [value];
      return value;
    };
    // Built as text: JSON.stringify itself cannot go that deep.
    const deep = await postSql(db.url, `{"query":"select $1::text as v","params":[${'['.repeat(100_000)}"1"${']'.repeat(100_000)}]}`);
    expect(deep).toEqual({ status: 400, json: { message: 'params[0] is nested more than 64 levels deep' } });
    const dims = await postSql(db.url, {
      queries: [
        { query: 'select 1', params: [] },
        { query: 'select $1::int[] as v', params: ['x', nest(7)] },
      ],
    });
    expect(dims).toEqual({
      status: 400,
      json: { message: 'queries[1].params[1] is an array nested 7 levels deep: Postgres arrays have at most 6 dimensions' },
    });
    const six = await postSql(db.url, { query: 'select $1::int[] as v', params: [nest(6)] });
    expect(six.status).toBe(200);
  });

  it('routes a connection string without a port by host: Pool with poolQueryViaFetch', async () => {
    const url = new URL(db.url);
    const withoutPort = `postgres://${url.username}:${url.password}@${url.hostname}${url.pathname}`;
    // The usual setup: the proxy allows one database, so its host names it.
    const single = await startProxy({ allow: [targetOf(db.url)] });
    configureNeonDriver(neonConfig, db.url, single.address);
    neonConfig.poolQueryViaFetch = true;
    const pool = new Pool({ connectionString: db.url });
    try {
      const response = await fetch(`http://${single.address}/sql`, {
        method: 'POST',
        body: JSON.stringify({ query: 'select 1 as one', params: [] }),
        headers: { 'Neon-Connection-String': withoutPort },
      });
      expect({ status: response.status, rows: ((await response.json()) as { rows: unknown }).rows }).toEqual({ status: 200, rows: [{ one: 1 }] });
      expect((await pool.query('select 2 as two')).rows).toEqual([{ two: 2 }]);
    } finally {
      neonConfig.poolQueryViaFetch = false;
      configureNeonDriver(neonConfig, db.url, proxy.address);
      await pool.end();
      await single.close();
    }
  });

  it('accepts ?sslmode=require over HTTP and WebSocket', async () => {
    const url = `${db.url}?sslmode=require`;
    expect(await neon(url)`select 1 as one`).toEqual([{ one: 1 }]);
    const client = new Client(url);
    await client.connect();
    try {
      expect((await client.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await client.end();
    }
  });

  it('answers 507 "response is too large (max is 10485760 bytes)" past 10 MiB', async () => {
    const { status, json } = await postSql(db.url, { query: `select repeat('x', 1024 * 1024) from generate_series(1, 12)`, params: [] });
    expect(status).toBe(507);
    expect(json.message).toBe('response is too large (max is 10485760 bytes)');
    // Just under the cap is delivered whole.
    const ok = await postSql(db.url, { query: `select repeat('x', 1024 * 1024) as s from generate_series(1, 9)`, params: [] });
    expect(ok.status).toBe(200);
  });

  it('without Neon-Raw-Text-Output: Postgres text, except bool, int2/4, floats, json and arrays of them', async () => {
    const { json } = await postSql(db.url, {
      query: `select 1::int4 as i, 2::int8 as big, 1.5::numeric as num, 0.5::float8 as f, 'NaN'::float8 as nan, true as b,
        '2024-01-02'::date as d, '\\x0102'::bytea as bytes, '{"a":[1]}'::jsonb as j, array[1,null,3] as ints,
        array['a"b', null, 'NULL', 'c,d'] as texts, array[[1,2],[3,4]] as nested`,
      params: [],
    });
    expect(json.rows).toEqual([
      {
        i: 1,
        big: '2',
        num: '1.5',
        f: 0.5,
        nan: 'NaN',
        b: true,
        d: '2024-01-02',
        bytes: '\\x0102',
        j: { a: [1] },
        ints: [1, null, 3],
        texts: ['a"b', null, 'NULL', 'c,d'],
        nested: [
          [1, 2],
          [3, 4],
        ],
      },
    ]);
  });

  it('honours a per-query arrayMode in the body, and refuses an unknown isolation level with 400', async () => {
    const { json } = await postSql(db.url, {
      queries: [
        { query: 'select 1 as a', params: [], arrayMode: true },
        { query: 'select 2 as b', params: [] },
      ],
    });
    expect((json.results as { rows: unknown }[]).map((r) => r.rows)).toEqual([[[1]], [{ b: 2 }]]);
    const bad = await postSql(db.url, { queries: [{ query: 'select 1', params: [] }] }, { 'Neon-Batch-Isolation-Level': 'Chaos' });
    expect(bad).toEqual({ status: 400, json: { message: 'invalid isolation level' } });
  });

  it('serves 60 concurrent one-second queries without an error (limit: the session cap, here 20)', async () => {
    const sql = neon(db.url);
    const started = Date.now();
    const results = await Promise.allSettled(Array.from({ length: 60 }, () => sql`select pg_sleep(1), 1 as one`));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(Date.now() - started).toBeLessThan(8_000);
  }, 20_000);
});

describe('the embedded database behind the proxy', () => {
  const withEmbedded = () => configureNeonDriver(neonConfig, embedded.url, proxy.address);
  const withPostgres = () => configureNeonDriver(neonConfig, db.url, proxy.address);

  it('a connection that ends takes its SET with it once no other is open (no /sql connection to it yet)', async () => {
    const show = () => direct(embedded.url, async (c) => (await c.query('show search_path')).rows);
    const fresh = await show();
    await direct(embedded.url, (c) => c.query(`set search_path = nowhere`));
    expect(await show()).toEqual(fresh);
    expect(fresh).not.toEqual([{ search_path: 'nowhere' }]);
  });

  it('client.end() resolves, with a transaction open, and other clients go on', async () => {
    withEmbedded();
    try {
      const a = new Client(embedded.url);
      await a.connect();
      await a.query('begin');
      await a.query('select 1');
      const ended = await Promise.race([a.end().then(() => 'ended'), new Promise((r) => setTimeout(() => r('hung'), 3000))]);
      expect(ended).toBe('ended');
      const b = new Client(embedded.url);
      await b.connect();
      try {
        expect((await b.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
      } finally {
        await b.end();
      }
    } finally {
      withPostgres();
    }
  });

  it('node-postgres named statements of two connections do not collide', async () => {
    const [a, b] = [new pg.Client(embedded.url), new pg.Client(embedded.url)];
    await Promise.all([a.connect(), b.connect()]);
    try {
      expect((await a.query({ name: 'same', text: 'select 1 as n' })).rows).toEqual([{ n: 1 }]);
      expect((await b.query({ name: 'same', text: 'select 2 as n' })).rows).toEqual([{ n: 2 }]);
      expect((await a.query({ name: 'same', text: 'select 1 as n' })).rows).toEqual([{ n: 1 }]);
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
  });

  // Issue 22, item 9: the refusals were regexes over the SQL text, and `copy t from /* c */ stdin` brought back the wedge.
  it('refuses COPY FROM STDIN and LISTEN however they are spelt, and one connection never wedges the others', async () => {
    const [a, b] = [new pg.Client(embedded.url), new pg.Client(embedded.url)];
    await Promise.all([a.connect(), b.connect()]);
    try {
      await a.query('create table if not exists wedge_probe (n int)');
      await expect(a.query('copy wedge_probe from /* c */ stdin')).rejects.toMatchObject({ code: '0A000', message: COPY_FROM_STDIN_REFUSED });
      expect((await b.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
      for (const spelling of ['select 1; listen ch', '/* c */ listen ch']) {
        await expect(a.query(spelling), spelling).rejects.toMatchObject({ code: '0A000', message: LISTEN_REFUSED });
        expect((await b.query('select 2 as two')).rows).toEqual([{ two: 2 }]);
      }
      // Over the driver too, each on a fresh connection, and HTTP still answers.
      withEmbedded();
      const client = new Client(embedded.url);
      await client.connect();
      try {
        await expect(client.query('copy wedge_probe from /* c */ stdin')).rejects.toMatchObject({ code: '0A000' });
        expect((await client.query('select 3 as three')).rows).toEqual([{ three: 3 }]);
      } finally {
        await client.end();
        withPostgres();
      }
      expect(await neon(embedded.url)`select 4 as four`).toEqual([{ four: 4 }]);
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
  });

  // Issue 22, item 10: temp tables, PREPARE and currval carried over between neon() requests.
  it('starts each neon() request from a reset session, also after a burst of concurrent requests', async () => {
    const sql = neon(embedded.url);
    await Promise.all(Array.from({ length: 8 }, (_, i) => sql`select ${i}::int as i`)); // the pool keeps 8 connections
    await sql`create temp table per_request (n int)`;
    expect(await sql`select to_regclass('pg_temp.per_request')::text as t`).toEqual([{ t: null }]);
    await sql`prepare per_request_plan as select 1`;
    await expect(sql`execute per_request_plan`).rejects.toMatchObject({ code: '26000' });
    await sql`create sequence if not exists per_request_seq`;
    await sql`select nextval('per_request_seq')`;
    await expect(sql`select currval('per_request_seq')`).rejects.toMatchObject({ code: '55000' });
  });

  it('refuses COPY FROM STDIN and LISTEN with a clear error, and the database goes on', async () => {
    const c = new pg.Client(embedded.url);
    await c.connect();
    try {
      await c.query('create table if not exists copy_probe (n int)');
      await expect(c.query('copy copy_probe from stdin')).rejects.toMatchObject({ code: '0A000', message: COPY_FROM_STDIN_REFUSED });
      await expect(c.query('listen somewhere')).rejects.toMatchObject({ code: '0A000', message: LISTEN_REFUSED });
      expect((await c.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await c.end();
    }
    expect(await neon(embedded.url)`select 2 as two`).toEqual([{ two: 2 }]);
  });
});
