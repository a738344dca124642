// The local proxy against a real PostgreSQL, driven by the real Neon driver
// (from Node, with `ws` as its WebSocket): if the driver cannot tell the proxy
// from Neon's, these pass.

import { Client, neon, neonConfig, NeonDbError, Pool } from '@neondatabase/serverless';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { configureNeonDriver } from '../src/driver.ts';
import { startProxy, type LocalProxy } from '../src/proxy.ts';
import { targetOf } from '../src/targets.ts';
import { freePort, startPostgres, type TestPostgres } from '../../../test/support/postgres.ts';

let db: TestPostgres;
let proxy: LocalProxy;

beforeAll(async () => {
  db = await startPostgres();
  proxy = await startProxy({ allow: [targetOf(db.url)], maxConnections: 5 });
  neonConfig.webSocketConstructor = WebSocket;
  configureNeonDriver(neonConfig, db.url, proxy.address);
});

afterAll(async () => {
  await proxy?.close();
  await db?.destroy();
});

async function postSql(body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`http://${proxy.address}/sql`, {
    method: 'POST',
    body,
    headers: { 'Neon-Connection-String': db.url, 'Neon-Raw-Text-Output': 'true', 'Neon-Array-Mode': 'true', ...headers },
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('SQL over HTTP (neon())', () => {
  it('returns typed values the driver parses', async () => {
    const sql = neon(db.url);
    const [row] =
      await sql`select 1::int as one, 'x'::text as t, true as b, null::int as n, ${'2024-01-02T03:04:05Z'}::timestamptz as at, ${[1, 2]}::int[] as arr, '{"a":1}'::jsonb as j`;
    expect(row).toEqual({ one: 1, t: 'x', b: true, n: null, at: new Date('2024-01-02T03:04:05Z'), arr: [1, 2], j: { a: 1 } });
  });

  it('answers in the shape Neon uses: fields with real type OIDs, text rows, command, rowCount', async () => {
    const { status, json } = await postSql(JSON.stringify({ query: 'select $1::int + 1 as n, $2::text as s', params: ['41', null] }));
    expect(status).toBe(200);
    expect(json).toMatchObject({ command: 'SELECT', rowCount: 1, rows: [['42', null]], rowAsArray: true });
    expect((json.fields as { name: string; dataTypeID: number }[]).map((f) => [f.name, f.dataTypeID])).toEqual([
      ['n', 23],
      ['s', 25],
    ]);
  });

  it('returns rows as objects when Neon-Array-Mode is not set', async () => {
    const { json } = await postSql(JSON.stringify({ query: 'select 7 as seven', params: [] }), { 'Neon-Array-Mode': 'false' });
    expect(json).toMatchObject({ rows: [{ seven: '7' }], rowAsArray: false });
  });

  it('reports Postgres errors with code, position and the other fields, as NeonDbError', async () => {
    const sql = neon(db.url);
    const err = await sql`select * from no_such_table`.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NeonDbError);
    expect(err).toMatchObject({ code: '42P01', position: '15', severity: 'ERROR' });
    expect((err as Error).message).toContain('no_such_table');
  });

  it('runs a batch as one transaction and rolls it back on error', async () => {
    const sql = neon(db.url);
    await sql`create table if not exists batch_probe (n int)`;
    await expect(sql.transaction([sql`insert into batch_probe values (1)`, sql`select 1/0`])).rejects.toMatchObject({ code: '22012' });
    expect(await sql`select count(*)::int as c from batch_probe`).toEqual([{ c: 0 }]);
    const results = await sql.transaction([sql`insert into batch_probe values (2)`, sql`select n from batch_probe`], {
      isolationLevel: 'Serializable',
    });
    expect(results[1]).toEqual([{ n: 2 }]);
  });

  it('honours read-only batches', async () => {
    const sql = neon(db.url);
    await expect(sql.transaction([sql`create table ro_probe (n int)`], { readOnly: true })).rejects.toMatchObject({ code: '25006' });
  });

  it('refuses more than one statement per query, like Neon', async () => {
    const { status, json } = await postSql(JSON.stringify({ query: 'select 1; select 2' }));
    expect(status).toBe(400);
    expect(json.code).toBe('42601');
  });

  it('answers malformed requests with a JSON error and keeps serving', async () => {
    for (const body of ['not json', '{"query": 5}', '[]', 'null', '{"queries": [{"nope": 1}]}']) {
      const { status, json } = await postSql(body);
      expect(status).toBe(400);
      expect(typeof json.message).toBe('string');
    }
    expect((await postSql('{}', { 'Neon-Connection-String': '' })).status).toBe(400);
    expect((await neon(db.url)`select 1 as ok`)[0]).toEqual({ ok: 1 });
  });

  it('answers CORS preflights', async () => {
    const response = await fetch(`http://${proxy.address}/sql`, { method: 'OPTIONS' });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-headers')).toContain('Neon-Connection-String');
  });
});

describe('WebSocket relay (Client, Pool)', () => {
  it('carries a Client session', async () => {
    const client = new Client(db.url);
    await client.connect();
    const { rows } = await client.query('select current_user as who, $1::int * 2 as doubled', [21]);
    await client.end();
    expect(rows).toEqual([{ who: 'app', doubled: 42 }]);
  });

  it('carries a Pool transaction, and counts its messages', async () => {
    const before = { ...proxy.stats };
    const pool = new Pool({ connectionString: db.url });
    const client = await pool.connect();
    await client.query('begin');
    const { rows } = await client.query('select txid_current()::text as t');
    const again = await client.query('select txid_current()::text as t');
    await client.query('commit');
    client.release();
    await pool.end();
    expect(again.rows[0].t).toBe(rows[0].t);
    expect(proxy.stats.wsConnections).toBe(before.wsConnections + 1);
    expect(proxy.stats.wsTurns - before.wsTurns).toBeGreaterThanOrEqual(4);
  });

  it('serves its counters', async () => {
    const response = await fetch(`http://${proxy.address}/_neon_localhost/stats`);
    expect(await response.json()).toMatchObject({ wsConnections: expect.any(Number), httpQueries: expect.any(Number) });
  });
});

describe('not an open proxy', () => {
  function upgrade(path: string): Promise<number> {
    return new Promise((resolve) => {
      const ws = new WebSocket(`ws://${proxy.address}${path}`);
      ws.on('open', () => {
        ws.close();
        resolve(101);
      });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => {});
    });
  }

  it('relays only to the database it was started for', async () => {
    const otherPort = await freePort();
    expect(await upgrade(`/v1?address=127.0.0.1:${db.port}`)).toBe(101);
    expect(await upgrade(`/v1?address=127.0.0.1:${otherPort}`)).toBe(400);
    expect(await upgrade('/v1?address=example.com:5432')).toBe(400);
    expect(await upgrade('/v1?address=10.0.0.1:5432')).toBe(400);
    expect(await upgrade('/v1')).toBe(400);
    expect(await upgrade('/elsewhere?address=127.0.0.1:5432')).toBe(404);
  });

  it('refuses SQL over HTTP to other targets', async () => {
    const other = new URL(db.url);
    other.port = String(await freePort());
    const { status, json } = await postSql('{"query":"select 1"}', { 'Neon-Connection-String': other.toString() });
    expect(status).toBe(400);
    expect(json.message).toBe('proxying to specified address not allowed');
  });

  it('refuses to listen on anything but loopback', async () => {
    await expect(startProxy({ allow: [], host: '0.0.0.0' })).rejects.toThrow(/loopback/);
  });

  it('caps concurrent sessions with a clear refusal', async () => {
    const clients = Array.from({ length: 5 }, () => new Client(db.url));
    await Promise.all(clients.map((c) => c.connect()));
    expect(await upgrade(`/v1?address=127.0.0.1:${db.port}`)).toBe(503);
    await Promise.all(clients.map((c) => c.end()));
    await new Promise((r) => setTimeout(r, 100));
    expect(await upgrade(`/v1?address=127.0.0.1:${db.port}`)).toBe(101);
  });
});
