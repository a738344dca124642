// Where the proxy's requests may go, against two real clusters: the allowed
// one and another one on this machine that must never see a connection,
// whatever a Neon-Connection-String or `?address=` says (query parameters that
// pg honours, Unix sockets, odd spellings of loopback). And what /sql holds
// open: its pools are keyed by target, user, database and password, count
// against the session cap, and stay bounded however many distinct strings come.

import { Client, neon, neonConfig } from '@neondatabase/serverless';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { configureNeonDriver } from '../src/driver.ts';
import { startProxy, type LocalProxy } from '../src/proxy.ts';
import { SessionSlots } from '../src/sessions.ts';
import { SqlPools } from '../src/sql-pool.ts';
import { emptyStats } from '../src/stats.ts';
import { targetOf } from '../src/targets.ts';
import { startPostgres, type TestPostgres } from '../../../test/support/postgres.ts';

const CAP = 8;

let db: TestPostgres;
let other: TestPostgres;
let monitor: pg.Client;
let otherLog: string;
let otherSocketDir: string;
let proxy: LocalProxy;

beforeAll(async () => {
  [db, other] = await Promise.all([startPostgres(), startPostgres()]);
  // The other cluster logs every connection attempt, authenticated or not, TCP or Unix socket.
  const admin = new pg.Client(other.url);
  await admin.connect();
  await admin.query('alter system set log_connections = on');
  await admin.query('select pg_reload_conf()');
  const { rows } = await admin.query<{ dir: string }>("select current_setting('data_directory') as dir");
  await admin.end();
  otherSocketDir = path.dirname(rows[0].dir); // test/support/postgres.ts: -k <cluster dir>, data in <cluster dir>/data
  otherLog = path.join(otherSocketDir, 'log');
  neonConfig.webSocketConstructor = WebSocket;
  proxy = await startProxy({ allow: [targetOf(db.url)], maxConnections: CAP });
  configureNeonDriver(neonConfig, db.url, proxy.address);
  monitor = new pg.Client(db.url);
  await monitor.connect();
}, 120_000);

afterAll(async () => {
  await monitor?.end().catch(() => {});
  await proxy?.close();
  await Promise.all([db?.destroy(), other?.destroy()]);
});

/** Connection attempts the other cluster has logged so far. */
function otherConnections(): number {
  return readFileSync(otherLog, 'utf8')
    .split('\n')
    .filter((line) => line.includes('connection received')).length;
}

/** Sessions of the app user on the allowed cluster, other than the monitor's own. */
async function appSessions(): Promise<number> {
  const { rows } = await monitor.query<{ n: number }>(
    `select count(*)::int as n from pg_stat_activity
      where usename = 'app' and backend_type = 'client backend' and pid <> pg_backend_pid()`,
  );
  return rows[0].n;
}

async function postSql(connectionString: string, query = 'select inet_server_port() as port'): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`http://${proxy.address}/sql`, {
    method: 'POST',
    headers: { 'Neon-Connection-String': connectionString, 'Content-Type': 'application/json' },
    body: JSON.stringify({ query, params: [] }),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

function upgrade(address: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://${proxy.address}/v1?address=${encodeURIComponent(address)}`);
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => {});
  });
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('POST /sql reaches only the allowed database', () => {
  // The other cluster's password throughout: a request that got there would succeed.
  const base = () => `postgres://app:${other.password}@127.0.0.1:${db.port}/app`;

  it('the other cluster can be reached directly, and its log shows it (the check below works)', async () => {
    const before = otherConnections();
    const client = new pg.Client(other.url);
    await client.connect();
    await client.end();
    await until('the connection in the log', () => otherConnections() > before);
  });

  it('refuses query parameters that steer pg elsewhere, naming them, and the other cluster never sees a connection', async () => {
    const before = otherConnections();
    const cases: [string, string][] = [
      [`${base()}?port=${other.port}`, 'port'],
      [`${base()}?host=127.0.0.1&port=${other.port}`, 'host'],
      [`${base()}?host=${encodeURIComponent(otherSocketDir)}&port=${other.port}`, 'host'],
      [`${base()}?sslmode=disable&host=${otherSocketDir}&port=${other.port}`, 'host'],
      [`${base()}?hostaddr=127.0.0.1&port=${other.port}`, 'hostaddr'],
      [`${base()}?sslrootcert=/etc/passwd`, 'sslrootcert'],
      [`${base()}?sslrootcert=/no/such/file`, 'sslrootcert'],
      [`${base()}?user=app&password=${other.password}`, 'user'],
      [`${base()}?unknown_parameter=1`, 'unknown_parameter'],
    ];
    for (const [connectionString, parameter] of cases) {
      const { status, json } = await postSql(connectionString);
      expect({ connectionString, status }).toEqual({ connectionString, status: 400 });
      expect(json.message).toContain(`"${parameter}"`);
    }
    await new Promise((r) => setTimeout(r, 200)); // anything logged would be logged by now
    expect(otherConnections()).toBe(before);
  });

  it('refuses Unix sockets and other hosts spelled in the host part', async () => {
    const before = otherConnections();
    const hosts = [
      encodeURIComponent(otherSocketDir), // %2Ftmp%2F…: pg would take it for a socket directory
      `127.0.0.1:${db.port}@127.0.0.1`, // a second @: the host is the part after the last one
      '0.0.0.0',
      '127.0.0.09', // not an IPv4 address: a resolver would ask DNS
    ];
    for (const host of hosts) {
      const connectionString = `postgres://app:${other.password}@${host}:${other.port}/app`;
      const { status, json } = await postSql(connectionString);
      expect({ host, status }).toEqual({ host, status: 400 });
      expect(typeof json.message).toBe('string');
    }
    // In the userinfo, `?host=` is just part of the user name or password.
    const { status } = await postSql(`postgres://app:x%3Fhost%3D${encodeURIComponent(otherSocketDir)}@127.0.0.1:${db.port}/app`);
    expect(status).toBe(400); // the wrong password, for the allowed database
    await new Promise((r) => setTimeout(r, 200));
    expect(otherConnections()).toBe(before);
  });

  it('accepts the parameters Neon accepts (sslmode, options, application_name, …), and neon() with them', async () => {
    const ok = `postgres://app:${db.password}@127.0.0.1:${db.port}/app`;
    for (const query of [
      'sslmode=require',
      'sslmode=require&channel_binding=require',
      'options=-c%20search_path%3Dpublic',
      'application_name=x&connect_timeout=5',
    ]) {
      const { status, json } = await postSql(`${ok}?${query}`);
      expect({ query, status }).toEqual({ query, status: 200 });
      expect(json.rows).toEqual([{ port: db.port }]);
    }
    const sql = neon(`${db.url}?sslmode=require`);
    expect(await sql`select 1 + 1 as two`).toEqual([{ two: 2 }]);
  });

  it('normalises loopback spellings to the address it checked, and still refuses a wrong password on a warm pool', async () => {
    for (const host of ['localhost', '127.1', '2130706433', '[::ffff:127.0.0.1]']) {
      const { status, json } = await postSql(`postgres://app:${db.password}@${host}:${db.port}/app`);
      expect({ host, status }).toEqual({ host, status: 200 });
      expect(json.rows).toEqual([{ port: db.port }]);
    }
    const { status, json } = await postSql(`postgres://app:wrong-${db.password}@127.0.0.1:${db.port}/app`);
    expect(status).toBe(400);
    expect(json.code).toBe('28P01'); // invalid_password
  });
});

describe('the WebSocket relay reaches only the allowed database', () => {
  it('refuses sockets, non-loopback and unresolvable spellings; relays loopback spellings to the canonical address', async () => {
    const before = otherConnections();
    for (const address of [
      `${otherSocketDir}:${db.port}`,
      `0.0.0.0:${db.port}`,
      `127.0.0.09:${db.port}`,
      `0:${db.port}`,
      `127.0.0.1:${other.port}`,
      `[::ffff:10.0.0.1]:${db.port}`,
    ]) {
      expect({ address, status: await upgrade(address) }).toEqual({ address, status: 400 });
    }
    for (const address of [`127.1:${db.port}`, `2130706433:${db.port}`, `[::ffff:127.0.0.1]:${db.port}`, `localhost.:${db.port}`]) {
      expect({ address, status: await upgrade(address) }).toEqual({ address, status: 101 });
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(otherConnections()).toBe(before);
  });
});

describe('what /sql holds open', () => {
  it('strings that differ only in application_name share one pool, and Postgres never sees more sessions than the cap', async () => {
    await until('earlier sessions to end', async () => (await appSessions()) === 0);
    const strings = Array.from({ length: 40 }, (_, i) => `${db.url}?application_name=client-${i}`);
    for (let round = 0; round < 2; round++) {
      const results = await Promise.all(strings.map((s) => postSql(s, 'select pg_sleep(0.05)')));
      expect(results.map((r) => r.status).every((s) => s === 200)).toBe(true);
      expect(await appSessions()).toBeLessThanOrEqual(CAP);
    }
    expect(proxy.stats.httpPools).toBe(1);
  });

  it("/sql connections count against the WebSocket cap: WebSocket sessions take the idle ones' slots", async () => {
    // Fill the pool with idle connections…
    await Promise.all(Array.from({ length: 10 }, () => postSql(db.url, 'select pg_sleep(0.1)')));
    expect(proxy.stats.httpSessions).toBeGreaterThan(0);
    // …then take every slot over WebSockets: idle /sql connections make way.
    const clients = Array.from({ length: CAP }, () => new Client(db.url));
    try {
      await Promise.all(clients.map((c) => c.connect()));
      expect(await appSessions()).toBeLessThanOrEqual(CAP);
      expect(await upgrade(`127.0.0.1:${db.port}`)).toBe(503);
      const { status, json } = await postSql(db.url);
      expect(status).toBe(503);
      expect(json.message).toMatch(/too many open database sessions \(limit 8\)/);
    } finally {
      await Promise.all(clients.map((c) => c.end().catch(() => {})));
    }
    await until('the slots to come back', () => proxy.stats.wsOpen === 0);
    expect((await postSql(db.url)).status).toBe(200);
  });

  it('thousands of distinct connection strings keep the pool map bounded', async () => {
    const strings = [
      ...Array.from({ length: 2_000 }, (_, i) => `${db.url}?application_name=a${i}`),
      // Wrong passwords and unknown databases: pools that never get a connection are dropped.
      ...Array.from({ length: 300 }, (_, i) => `postgres://app:wrong${i}@127.0.0.1:${db.port}/app`),
      ...Array.from({ length: 300 }, (_, i) => `postgres://app:${db.password}@127.0.0.1:${db.port}/nodb${i}`),
    ];
    let maxPools = 0;
    for (let i = 0; i < strings.length; i += 50) {
      await Promise.all(strings.slice(i, i + 50).map((s) => postSql(s, 'select 1')));
      maxPools = Math.max(maxPools, proxy.stats.httpPools);
    }
    expect(maxPools).toBeLessThanOrEqual(CAP);
    expect(proxy.stats.httpPools).toBeLessThanOrEqual(1);
    expect(await appSessions()).toBeLessThanOrEqual(CAP);
  }, 120_000);

  it('keeps at most maxPools pools: the least recently used idle one goes, its connections ended', async () => {
    for (let i = 0; i < 4; i++) await monitor.query(`create database lru${i}`);
    const stats = emptyStats();
    const slots = new SessionSlots(20);
    const pools = new SqlPools({ slots, stats, maxPools: 2 });
    try {
      const target = (database: string) => ({ host: '127.0.0.1', port: db.port, user: 'app', password: db.password, database });
      for (const database of ['lru0', 'lru1', 'lru0', 'lru2', 'lru3']) {
        const lease = await pools.acquire(target(database));
        await lease.client.query('select 1');
        lease.release(false);
        expect(pools.poolCount).toBeLessThanOrEqual(2);
      }
      await until("the evicted pools' connections to end", () => stats.httpSessions === 2 && slots.inUse === 2);
      const { rows } = await monitor.query<{ datname: string }>("select datname from pg_stat_activity where datname like 'lru%' order by datname");
      expect(rows.map((r) => r.datname)).toEqual(['lru2', 'lru3']);
    } finally {
      await pools.close();
    }
    expect(slots.inUse).toBe(0);
  });
});
