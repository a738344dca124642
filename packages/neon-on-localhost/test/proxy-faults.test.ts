// The local proxy under faults, against a real PostgreSQL, with real sockets,
// real `ws` clients and the real driver: clients that give up halfway, garbage
// frames, oversized and never-finished HTTP bodies, the database restarting,
// and bursts past the connection cap. After each, the proxy must still serve
// real queries, its open-session count must return to 0, and no Postgres
// session may be left behind.

import { Client, neon, neonConfig } from '@neondatabase/serverless';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { configureNeonDriver } from '../src/driver.ts';
import { startLatencyFront } from '../src/latency.ts';
import { startProxy, type LocalProxy } from '../src/proxy.ts';
import { SQL_APPLICATION_NAME } from '../src/sql-pool.ts';
import { targetOf } from '../src/targets.ts';
import { startPostgres, type TestPostgres } from '../../../test/support/postgres.ts';
import { cleanEnv, REPO_ROOT } from '../../../test/support/cli.ts';

const CAP = 5;
const REQUEST_TIMEOUT_MS = 1_000;

let db: TestPostgres;
let monitor: pg.Client;
let proxy: LocalProxy;

beforeAll(async () => {
  db = await startPostgres();
  neonConfig.webSocketConstructor = WebSocket;
  proxy = await startCappedProxy(CAP);
  monitor = await connectMonitor();
});

afterAll(async () => {
  await monitor?.end().catch(() => {});
  await proxy?.close();
  await db?.destroy();
});

async function startCappedProxy(maxConnections: number, queueTimeoutMs = 0): Promise<LocalProxy> {
  const started = await startProxy({ allow: [targetOf(db.url)], maxConnections, queueTimeoutMs, requestTimeoutMs: REQUEST_TIMEOUT_MS });
  configureNeonDriver(neonConfig, db.url, started.address);
  // Step by step, so connect() itself meets the faults (pipelining: latency and proxy-auth tests).
  neonConfig.pipelineConnect = false;
  return started;
}

async function connectMonitor(): Promise<pg.Client> {
  const client = new pg.Client(db.url);
  client.on('error', () => {}); // the restart test stops the server under it
  await client.connect();
  return client;
}

// The /sql path keeps a pool of idle connections per database and user; they
// show up under their own application_name, so they can be told apart from
// WebSocket sessions.
const HTTP_POOL_NAME = SQL_APPLICATION_NAME;
const httpUrl = () => db.url;

/** Client sessions of the app user, other than the monitor's own and (unless asked) the /sql pool's. */
async function appSessions({ withSqlPool = false } = {}): Promise<number> {
  const { rows } = await monitor.query<{ n: number }>(
    `select count(*)::int as n from pg_stat_activity
      where usename = 'app' and backend_type = 'client backend' and pid <> pg_backend_pid()
        and ($1 or application_name is distinct from $2)`,
    [withSqlPool, HTTP_POOL_NAME],
  );
  return rows[0].n;
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const wsUrl = () => `ws://${proxy.address}/v1?address=127.0.0.1:${db.port}`;

/**
 * The proxy serves real queries over both transports, every slot of the cap
 * is free again (CAP sessions open at once), and nothing is left open.
 */
async function expectHealthy(): Promise<void> {
  await until('the proxy to count no open session', () => proxy.stats.wsOpen === 0);
  const clients = Array.from({ length: CAP }, () => new Client(db.url));
  for (const c of clients) c.on('error', () => {}); // a failed test must not leave unhandled events behind
  try {
    await Promise.all(clients.map((c) => c.connect()));
    const answers = await Promise.all(clients.map((c, i) => c.query('select $1::int as i', [i])));
    expect(answers.map((a) => a.rows[0].i)).toEqual([...Array(CAP).keys()]);
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
  }
  expect(await neon(httpUrl())`select 41 + 1 as answer`).toEqual([{ answer: 42 }]);
  await until('the proxy to count no open session', () => proxy.stats.wsOpen === 0);
}

function openWs(): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl());
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function closed(ws: WebSocket, timeoutMs = 5_000): Promise<{ code: number; reason: string } | 'timeout'> {
  return new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) return resolve({ code: 0, reason: 'already closed' });
    const timer = setTimeout(() => resolve('timeout'), timeoutMs);
    ws.once('close', (code, reason) => {
      clearTimeout(timer);
      resolve({ code, reason: reason.toString() });
    });
  });
}

/** A Postgres StartupMessage for the app user. */
function startupMessage(): Buffer {
  const params = Buffer.from('user\0app\0database\0app\0\0');
  const message = Buffer.alloc(8 + params.length);
  message.writeInt32BE(message.length, 0);
  message.writeInt32BE(196608, 4); // protocol 3.0
  params.copy(message, 8);
  return message;
}

/** Opens a raw TCP connection to the proxy, writes `text`, and gives back what came back when the server hung up (or 'open'). */
function rawHttp(text: string, { closeAfterWrite = false, waitMs = 5_000 } = {}): Promise<{ response: string; closedByServer: boolean; ms: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect(proxy.port, '127.0.0.1');
    let response = '';
    socket.on('data', (c: Buffer) => (response += c.toString('latin1')));
    socket.on('error', () => {});
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ response, closedByServer: false, ms: Date.now() - started });
    }, waitMs);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ response, closedByServer: !closeAfterWrite, ms: Date.now() - started });
    });
    socket.write(text, () => {
      if (closeAfterWrite) socket.destroy();
    });
  });
}

const upgradeHead = (path: string) =>
  `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n\r\n`;

describe('clients that give up mid-handshake', () => {
  it('half an HTTP upgrade, then the TCP connection closes', async () => {
    const head = upgradeHead(`/v1?address=127.0.0.1:${db.port}`);
    await Promise.all(Array.from({ length: 20 }, () => rawHttp(head.slice(0, head.length / 2), { closeAfterWrite: true })));
    await expectHealthy();
  });

  it('a whole upgrade request, closed before the 101 is read (a burst of 30 against a cap of 5)', async () => {
    const head = upgradeHead(`/v1?address=127.0.0.1:${db.port}`);
    const seen = () => proxy.stats.wsConnections + proxy.stats.refused;
    const before = seen();
    await Promise.all(Array.from({ length: 30 }, () => rawHttp(head, { closeAfterWrite: true })));
    await until('the proxy to have handled all 30', () => seen() - before === 30);
    await expectHealthy();
    await until('Postgres to drop the sessions', async () => (await appSessions()) === 0);
  });

  it('a WebSocket that closes (or is torn down) right after it opens', async () => {
    for (let round = 0; round < 3; round++) {
      const sockets = await Promise.all(Array.from({ length: CAP }, () => openWs()));
      sockets.forEach((ws, i) => (i % 2 ? ws.terminate() : ws.close()));
      await until('the slots to be free', () => proxy.stats.wsOpen === 0);
    }
    await expectHealthy();
    await until('Postgres to drop the sessions', async () => (await appSessions()) === 0);
  });

  it('a partial Postgres startup message, then the WebSocket closes', async () => {
    for (const cut of [1, 4, 7, 12]) {
      const ws = await openWs();
      ws.send(startupMessage().subarray(0, cut));
      await new Promise((r) => setTimeout(r, 20));
      ws.close();
      await closed(ws);
    }
    await expectHealthy();
    await until('Postgres to drop the sessions', async () => (await appSessions()) === 0);
  });
});

describe('garbage on an open WebSocket', () => {
  it('random binary frames: the session ends, and nothing else is affected', async () => {
    const bystander = new Client(db.url); // a real session, open throughout
    bystander.on('error', () => {});
    await bystander.connect();
    try {
      for (let round = 0; round < 5; round++) {
        const ws = await openWs();
        for (let i = 0; i < 10; i++) ws.send(randomBytes(1 + Math.floor(Math.random() * 4096)));
        const result = await closed(ws, 1_000); // usually refused at once; if the bytes look like a start, we hang up
        if (result === 'timeout') ws.close();
        await closed(ws);
      }
      // The proxy reads the startup message itself (it authenticates, like Neon's): garbage never reaches Postgres.
      const invalid = await openWs();
      invalid.send(Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 3, 0, 0])); // an impossible startup length
      expect(await closed(invalid)).toEqual({ code: 1002, reason: 'invalid length of startup packet' });
      const wrongProtocol = await openWs();
      wrongProtocol.send(Buffer.from([0, 0, 0, 8, 0, 9, 0, 0])); // protocol 9.0
      expect(await closed(wrongProtocol)).toEqual({ code: 1002, reason: 'unsupported frontend protocol' });
      expect((await bystander.query('select 7 as seven')).rows).toEqual([{ seven: 7 }]);
    } finally {
      await bystander.end();
    }
    await expectHealthy();
    await until('Postgres to drop the sessions', async () => (await appSessions()) === 0);
  });

  it('text frames: closed with 1003, never relayed as protocol bytes', async () => {
    const ws = await openWs();
    ws.send('select 1; drop table if exists nothing;');
    expect(await closed(ws)).toEqual({ code: 1003, reason: 'binary frames only' });
    await expectHealthy();
  });
});

describe('abusive HTTP requests to /sql', () => {
  const sqlHeaders = () => ({ 'Neon-Connection-String': httpUrl(), 'Content-Type': 'application/json' });

  it('a 20 MB body gets 413 and the proxy keeps serving', async () => {
    const body = JSON.stringify({ query: 'select length($1) as n', params: ['x'.repeat(20 * 1024 * 1024)] });
    const response = await fetch(`http://${proxy.address}/sql`, { method: 'POST', body, headers: sqlHeaders() });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ message: 'request body too large (limit 10485760 bytes)' });
    await expectHealthy();
  });

  it('bodies that never finish (slowloris) get 408 and are cut off within the timeout', async () => {
    const partial = `POST /sql HTTP/1.1\r\nHost: 127.0.0.1\r\nNeon-Connection-String: ${httpUrl()}\r\nContent-Length: 1000\r\n\r\n{"query": "sel`;
    const results = await Promise.all(Array.from({ length: 20 }, () => rawHttp(partial)));
    for (const r of results) {
      expect(r.closedByServer).toBe(true);
      expect(r.ms).toBeLessThan(REQUEST_TIMEOUT_MS + 2_000);
      expect(r.response).toMatch(/^HTTP\/1\.1 408 /);
      expect(r.response).toContain(`request body not received within ${REQUEST_TIMEOUT_MS} ms`);
    }
    await expectHealthy();
  });

  it('headers that never finish get 408 too, WebSocket upgrades included', async () => {
    const results = await Promise.all([
      rawHttp(`POST /sql HTTP/1.1\r\nHost: 127.0.0.1\r\nNeon-Connection-`),
      rawHttp(upgradeHead(`/v1?address=127.0.0.1:${db.port}`).replace('\r\n\r\n', '\r\nX-Slow: ')),
    ]);
    for (const r of results) {
      expect(r.closedByServer).toBe(true);
      expect(r.response).toMatch(/^HTTP\/1\.1 408 /);
      expect(r.ms).toBeLessThan(REQUEST_TIMEOUT_MS + 2_500);
    }
    await expectHealthy();
  });
});

describe('the database restarts', () => {
  it('in-flight sessions fail cleanly; new WebSocket sessions and /sql queries work again', async () => {
    const sql = neon(httpUrl());
    // Fill the HTTP path's pool with idle connections that the restart will kill.
    await Promise.all(Array.from({ length: 10 }, () => sql`select pg_sleep(0.05)`));
    const session = new Client(db.url);
    session.on('error', () => {}); // the driver also reports the lost connection as an event
    await session.connect();
    const wsInFlight = session.query('select pg_sleep(30)').then(
      () => 'finished',
      (err: Error) => err.message,
    );
    const httpInFlight = sql`select pg_sleep(30)`.then(
      () => 'finished',
      (err: { code?: string; message: string }) => `${err.code}: ${err.message}`,
    );
    await until('both queries to run', async () => {
      const { rows } = await monitor.query<{ n: number }>(
        "select count(*)::int as n from pg_stat_activity where query like 'select pg_sleep(30)%' and state = 'active'",
      );
      return rows[0].n === 2;
    });

    const stopped = Date.now();
    await db.stop();
    expect(await wsInFlight).toMatch(/terminating connection due to administrator command|Connection terminated/);
    expect(await httpInFlight).toMatch(/^57P01: terminating connection due to administrator command/);
    expect(Date.now() - stopped).toBeLessThan(5_000);
    await until('the proxy to count no open session', () => proxy.stats.wsOpen === 0);

    // While it is down: prompt, clean failures, and no session held open.
    const down = new Client({ connectionString: db.url, connectionTimeoutMillis: 5_000 });
    down.on('error', () => {});
    await expect(down.connect()).rejects.toThrow(`neon-on-localhost: could not connect to the database (ECONNREFUSED) (127.0.0.1:${db.port})`);
    await expect(sql`select 1`).rejects.toThrow(/could not connect to the database: connect ECONNREFUSED/);
    await until('the proxy to count no open session', () => proxy.stats.wsOpen === 0);

    await db.start();
    monitor = await connectMonitor();
    // Straight away: every pooled connection the restart killed must be gone, not handed out.
    const again = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => sql`select ${i}::int as i`));
    expect(again.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(await sql.transaction([sql`select 1 as a`, sql`select 2 as b`])).toEqual([[{ a: 1 }], [{ b: 2 }]]);
    await expectHealthy();
  }, 30_000);
});

describe('closing the proxy', () => {
  it('ends every session at once: idle before authenticating, open, and waiting for a slot', async () => {
    const closing = await startCappedProxy(2, 10_000);
    try {
      const idle = new WebSocket(`ws://${closing.address}/v1?address=127.0.0.1:${db.port}`); // sends nothing
      await new Promise((resolve) => idle.once('open', resolve));
      const open = new Client(db.url);
      open.on('error', () => {});
      await open.connect();
      const waiting = new WebSocket(`ws://${closing.address}/v1?address=127.0.0.1:${db.port}`);
      waiting.on('error', () => {});
      await until('the third session to queue', () => closing.stats.wsQueued === 1);
      const idleClosed = closed(idle);

      const started = Date.now();
      await closing.close();
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(await idleClosed).not.toBe('timeout');
      await until('the waiting one to be dropped', () => waiting.readyState === WebSocket.CLOSED);
      await expect(open.query('select 1')).rejects.toThrow();
      await until('the slots to be given back', () => closing.stats.wsOpen === 0 && closing.stats.wsQueued === 0);
      await until('Postgres to drop the sessions', async () => (await appSessions({ withSqlPool: true })) === 0);
    } finally {
      configureNeonDriver(neonConfig, db.url, proxy.address);
      // Step by step, so connect() itself meets the faults (pipelining: latency and proxy-auth tests).
      neonConfig.pipelineConnect = false;
    }
  });
});

describe('the connection cap', () => {
  let capped: LocalProxy;
  const LIMIT = 3;

  beforeAll(async () => {
    await proxy.close(); // its pooled /sql connections go; only this test's sessions remain
    await until('Postgres to drop the HTTP pool', async () => (await appSessions({ withSqlPool: true })) === 0);
    capped = await startCappedProxy(LIMIT);
  });
  afterAll(async () => {
    await capped?.close();
    proxy = await startCappedProxy(CAP); // for any later test
  });

  function upgradeTo(address: string, port = db.port): Promise<{ status: number; body: string; ws?: WebSocket }> {
    return new Promise((resolve) => {
      const ws = new WebSocket(`ws://${address}/v1?address=127.0.0.1:${port}`);
      ws.once('open', () => resolve({ status: 101, body: '', ws }));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      ws.on('error', () => {});
    });
  }

  it('refuses past the cap with a clear 503, and refused sessions never reach Postgres', async () => {
    const holders = Array.from({ length: LIMIT }, () => new Client(db.url));
    await Promise.all(holders.map((c) => c.connect()));
    expect(await appSessions({ withSqlPool: true })).toBe(LIMIT);

    const refused = await Promise.all(Array.from({ length: 10 }, () => upgradeTo(capped.address)));
    for (const r of refused) r.ws?.close();
    for (const r of refused) {
      expect(r.status).toBe(503);
      expect(r.body).toBe(
        `neon-on-localhost: too many open database sessions (limit ${LIMIT}): end() idle Clients and Pools, or raise the limit (NEON_LOCALHOST_MAX_CONNECTIONS, or --max-connections)`,
      );
    }
    // The driver sees a failed connect, promptly.
    const extra = new Client({ connectionString: db.url, connectionTimeoutMillis: 5_000 });
    extra.on('error', () => {});
    await expect(extra.connect()).rejects.toThrow();
    expect(await appSessions({ withSqlPool: true })).toBe(LIMIT);
    expect(capped.stats.wsOpen).toBe(LIMIT);

    await Promise.all(holders.map((c) => c.end()));
    await until('the slots to be free', () => capped.stats.wsOpen === 0);
    await until('Postgres to drop the sessions', async () => (await appSessions({ withSqlPool: true })) === 0);
  });

  it('is exact under a burst: of 15 sessions opened at once, 3 open and 12 are refused', async () => {
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, capped.stats.wsOpen)), 1);
    const clients = Array.from({ length: 15 }, () => new Client({ connectionString: db.url, connectionTimeoutMillis: 5_000 }));
    for (const c of clients) c.on('error', () => {});
    const results = await Promise.allSettled(clients.map((c) => c.connect()));
    const admitted = clients.filter((_, i) => results[i].status === 'fulfilled');
    try {
      expect(admitted).toHaveLength(LIMIT);
      expect(await appSessions({ withSqlPool: true })).toBe(LIMIT);
      expect(capped.stats.wsOpen).toBe(LIMIT);
    } finally {
      clearInterval(sampler);
      await Promise.all(admitted.map((c) => c.end()));
    }
    expect(peak).toBeLessThanOrEqual(LIMIT);
    await until('the slots to be free', () => capped.stats.wsOpen === 0);
    await until('Postgres to drop the sessions', async () => (await appSessions({ withSqlPool: true })) === 0);
  });

  it('holds a slot until Postgres has let the session go, so Postgres never sees more than the cap', async () => {
    // Clients that leave in the middle of a query: Postgres only notices once the query ends.
    const leavers = Array.from({ length: LIMIT }, () => new Client(db.url));
    for (const c of leavers) c.on('error', () => {});
    await Promise.all(leavers.map((c) => c.connect()));
    const sleeping = leavers.map((c) => c.query('select pg_sleep(2.5)').catch(() => {}));
    await until('the queries to run', async () => {
      const { rows } = await monitor.query<{ n: number }>(
        "select count(*)::int as n from pg_stat_activity where query = 'select pg_sleep(2.5)' and state = 'active'",
      );
      return rows[0].n === LIMIT;
    });
    await Promise.all(leavers.map((c) => c.end()));
    void Promise.all(sleeping);

    let peak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, await appSessions({ withSqlPool: true }));
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const refusedBefore = capped.stats.refused;
    const newcomers = Array.from({ length: LIMIT }, () => new Client({ connectionString: db.url, connectionTimeoutMillis: 5_000 }));
    for (const c of newcomers) c.on('error', () => {});
    const results = await Promise.allSettled(newcomers.map((c) => c.connect()));
    await Promise.all(newcomers.filter((_, i) => results[i].status === 'fulfilled').map((c) => c.end()));
    // Their slots were still held: refused, not let through to a Postgres already at the cap.
    expect(results.map((r) => r.status)).toEqual(Array(LIMIT).fill('rejected'));
    expect(capped.stats.refused - refusedBefore).toBe(LIMIT);
    await until('the old sessions to end in Postgres', async () => (await appSessions({ withSqlPool: true })) === 0);
    sampling = false;
    await sampler;
    expect(peak).toBeLessThanOrEqual(LIMIT);
    await until('the slots to be free', () => capped.stats.wsOpen === 0);
    const after = new Client(db.url);
    await after.connect();
    await after.end();
  });

  it('with a queue (npm start), a session past the cap waits for a slot, and is refused only when none comes free', async () => {
    const queued = await startCappedProxy(2, 1_500);
    try {
      const holders = [new Client(db.url), new Client(db.url)];
      await Promise.all(holders.map((c) => c.connect()));
      const waiter = new Client({ connectionString: db.url, connectionTimeoutMillis: 10_000 });
      const waited = waiter.connect();
      await until('the third session to queue', () => queued.stats.wsQueued === 1);
      await new Promise((r) => setTimeout(r, 300));
      expect(await appSessions({ withSqlPool: true })).toBe(2); // it has not reached Postgres
      await holders[0].end();
      await waited; // it got the slot the first one gave back
      expect((await waiter.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
      expect(queued.stats).toMatchObject({ wsOpen: 2, wsQueued: 0 });

      const started = Date.now();
      const refused = await upgradeTo(queued.address);
      expect(refused.status).toBe(503);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
      expect(refused.body).toBe(
        'neon-on-localhost: too many open database sessions (limit 2, none came free within 1500 ms): end() idle Clients and Pools, ' +
          'or raise the limit (NEON_LOCALHOST_MAX_CONNECTIONS, or --max-connections)',
      );
      await Promise.all([holders[1].end(), waiter.end()]);
      await until('the slots to be free', () => queued.stats.wsOpen === 0);
      expect(queued.stats.wsQueued).toBe(0);
    } finally {
      await queued.close();
      configureNeonDriver(neonConfig, db.url, capped.address);
      // Step by step, so connect() itself meets the faults (pipelining: latency and proxy-auth tests).
      neonConfig.pipelineConnect = false;
    }
  });

  it('counts a /sql connection whose answer has been sent as idle while the proxy resets it: a WebSocket opened at once gets its slot', async () => {
    // Postgres a 400 ms round trip from the proxy: resetting the answered request's connection takes that long.
    const far = await startLatencyFront({ target: { host: '127.0.0.1', port: db.port }, rttMs: 400 });
    const farUrl = db.url.replace(`:${db.port}/`, `:${far.port}/`);
    const one = await startProxy({ allow: [targetOf(farUrl)], maxConnections: 1, queueTimeoutMs: 0, requestTimeoutMs: 10_000 });
    try {
      configureNeonDriver(neonConfig, farUrl, one.address);
      expect(await neon(farUrl)`select 1 as one`).toEqual([{ one: 1 }]);
      const opened = await upgradeTo(one.address, far.port);
      expect(opened.status, opened.body).toBe(101);
      opened.ws?.terminate();
    } finally {
      await one.close();
      await far.close();
      configureNeonDriver(neonConfig, db.url, capped.address);
      neonConfig.pipelineConnect = false;
    }
  });

  it('serves rssBytes with its counters', async () => {
    const stats = (await (await fetch(`http://${capped.address}/_neon_localhost/stats`)).json()) as Record<string, number>;
    expect(stats.rssBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(stats.rssBytes).toBeLessThan(4 * 1024 * 1024 * 1024);
    expect(stats).toMatchObject({ wsOpen: 0, wsConnections: LIMIT * 3 + 1 });
  });
});

// Issue 22, item 6: eight concurrent queries of about 1 GB each used to exhaust the proxy's heap
// ("Reached heap limit"), and one alone got its 507 only after all of it was buffered.
describe('results far past the response limit', () => {
  it('eight concurrent 1 GB results are stopped while they are read: 507 or 503, and the proxy (192 MB of heap) keeps serving', async () => {
    const child = spawn(
      process.execPath,
      [
        '--max-old-space-size=192',
        '--experimental-strip-types',
        '--no-warnings',
        `${REPO_ROOT}packages/neon-on-localhost/src/cli.ts`,
        'serve',
        '--port',
        '0',
        '--allow',
        targetOf(db.url),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv() },
    );
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    try {
      await until('the proxy to listen', () => /listening on (\S+)/.test(output) || child.exitCode !== null, 30_000);
      const address = /listening on (\S+)/.exec(output)?.[1];
      expect(address, output).toBeDefined();
      const post = (query: string) =>
        fetch(`http://${address}/sql`, {
          method: 'POST',
          body: JSON.stringify({ query, params: [] }),
          headers: { 'Neon-Connection-String': db.url, 'Neon-Raw-Text-Output': 'true', 'Neon-Array-Mode': 'true' },
          signal: AbortSignal.timeout(30_000),
        });
      const started = Date.now();
      const answers = await Promise.all(
        Array.from({ length: 8 }, async () => {
          const response = await post(`select repeat('x', 1000000) from generate_series(1, 1000)`);
          return { status: response.status, body: (await response.json()) as { message: string } };
        }),
      );
      for (const { status, body } of answers) {
        expect([507, 503], body.message).toContain(status);
        if (status === 507) expect(body.message).toBe('response is too large (max is 10485760 bytes)');
      }
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(child.exitCode, output).toBeNull();
      const ok = await post('select 1 as one');
      expect(await ok.json()).toMatchObject({ rows: [['1']] });
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
    }
    expect(output).not.toMatch(/heap limit|out of memory/i);
  }, 90_000);
});
