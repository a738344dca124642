// Emulated distance (NEON_LOCALHOST_RTT_MS / --rtt-ms): every round trip
// between the driver and the proxy costs the chosen time, TCP connect,
// WebSocket upgrade and HTTP request included; and the driver's pipelined
// connect, on locally as on Neon, makes a first WebSocket query 1 turn.
// Real Postgres, the real driver. Times are only ever checked from below
// (a delay cannot be skipped), never against a tight upper bound.

import { Client, neon, neonConfig } from '@neondatabase/serverless';
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { configureNeonDriver } from '../src/driver.ts';
import { rttFromEnv, startLatencyFront } from '../src/latency.ts';
import { nodeArgsFor } from '../src/node-script.ts';
import { startProxy, type LocalProxy } from '../src/proxy.ts';
import { spawnProxy } from '../src/spawn-proxy.ts';
import { targetOf } from '../src/targets.ts';
import { startPostgres, type TestPostgres } from '../../../test/support/postgres.ts';

const RTT = 200;
let db: TestPostgres;
let far: LocalProxy;

beforeAll(async () => {
  neonConfig.webSocketConstructor = WebSocket;
  db = await startPostgres();
  far = await startProxy({ allow: [targetOf(db.url)], rttMs: RTT });
});

afterAll(async () => {
  await far?.close();
  await db?.destroy();
});

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

async function firstQuery(pipelineConnect: 'password' | false): Promise<{ ms: number; turns: number }> {
  configureNeonDriver(neonConfig, db.url, far.address);
  const before = far.stats.wsTurns;
  const client = new Client(db.url);
  client.neonConfig.pipelineConnect = pipelineConnect;
  const { ms, value } = await timed(async () => {
    await client.connect();
    return (await client.query('select 41 + 1 as n')).rows;
  });
  await client.end();
  expect(value).toEqual([{ n: 42 }]);
  return { ms, turns: far.stats.wsTurns - before };
}

describe('emulated distance in front of the proxy', () => {
  it('pipelined (the default now): 1 turn, so TCP + upgrade + 1 = at least 3 round trips', async () => {
    configureNeonDriver(neonConfig, db.url, far.address);
    expect(neonConfig.pipelineConnect).toBe('password');
    const { ms, turns } = await firstQuery('password');
    expect(turns).toBe(1);
    expect(ms).toBeGreaterThanOrEqual(3 * RTT * 0.95);
  });

  it('step by step: 3 turns, so at least 5 round trips', async () => {
    const { ms, turns } = await firstQuery(false);
    expect(turns).toBe(3);
    expect(ms).toBeGreaterThanOrEqual(5 * RTT * 0.95);
  });

  it('HTTP neon(): one request, at least one round trip, and the Host check still passes at the front', async () => {
    configureNeonDriver(neonConfig, db.url, far.address);
    const before = far.stats.httpRequests;
    const { ms, value } = await timed(() => neon(db.url)`select 1 as one`);
    expect(value).toEqual([{ one: 1 }]);
    expect(far.stats.httpRequests - before).toBe(1);
    expect(ms).toBeGreaterThanOrEqual(RTT * 0.95);
  });

  it('a wrong password, pipelined: the first query fails with Postgres’ own error, nothing uncaught', async () => {
    configureNeonDriver(neonConfig, db.url, far.address);
    const url = new URL(db.url);
    url.password = 'not-the-password';
    const client = new Client(url.toString());
    await client.connect();
    await expect(client.query('select 1')).rejects.toMatchObject({ code: '28P01', message: 'password authentication failed for user "app"' });
    await client.end().catch(() => {});
  });
});

describe('the latency front itself', () => {
  it('charges the TCP handshake to the first bytes, then one round trip per exchange, and keeps large data intact', async () => {
    const echo = net.createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    const front = await startLatencyFront({ target: { host: '127.0.0.1', port: (echo.address() as net.AddressInfo).port }, rttMs: 100 });
    try {
      const socket = net.connect(front.port, '127.0.0.1');
      await new Promise((r) => socket.once('connect', r));
      const exchange = (payload: Buffer) =>
        timed(
          () =>
            new Promise<Buffer>((resolve) => {
              const parts: Buffer[] = [];
              let got = 0;
              const onData = (c: Buffer) => {
                parts.push(c);
                got += c.length;
                if (got < payload.length) return;
                socket.off('data', onData);
                resolve(Buffer.concat(parts));
              };
              socket.on('data', onData);
              socket.write(payload);
            }),
        );
      const first = await exchange(Buffer.from('hello'));
      expect(first.value.toString()).toBe('hello');
      expect(first.ms).toBeGreaterThanOrEqual(2 * 100 * 0.95); // the handshake's round trip, then the exchange's
      const second = await exchange(Buffer.from('again'));
      expect(second.ms).toBeGreaterThanOrEqual(100 * 0.95);
      // 4 MiB each way: more than the front holds before it stops reading, in order and whole.
      const big = Buffer.alloc(4 * 1024 * 1024);
      for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
      expect((await exchange(big)).value.equals(big)).toBe(true);
      socket.end();
      await new Promise((r) => socket.once('close', r));
    } finally {
      await front.close();
      await new Promise((r) => echo.close(r));
    }
  });

  it('reads NEON_LOCALHOST_RTT_MS, 0 or unset meaning none, and names the setting on bad input', () => {
    expect(rttFromEnv({})).toBe(0);
    expect(rttFromEnv({ NEON_LOCALHOST_RTT_MS: '50' })).toBe(50);
    expect(rttFromEnv({ NEON_LOCALHOST_RTT_MS: '50' }, '10')).toBe(10);
    expect(() => rttFromEnv({ NEON_LOCALHOST_RTT_MS: 'far' })).toThrow(
      'neon-on-localhost: NEON_LOCALHOST_RTT_MS must be a round-trip time in milliseconds from 0 to 60000, not "far"',
    );
    expect(() => rttFromEnv({}, '-5')).toThrow('--rtt-ms must be');
  });

  it('NEON_LOCALHOST_RTT_MS reaches the proxy that `npm test` (the vitest setup) and `serve` start', async () => {
    const saved = process.env.NEON_LOCALHOST_RTT_MS;
    process.env.NEON_LOCALHOST_RTT_MS = String(RTT);
    const proxy = await spawnProxy([targetOf(db.url)]).finally(() => {
      if (saved === undefined) delete process.env.NEON_LOCALHOST_RTT_MS;
      else process.env.NEON_LOCALHOST_RTT_MS = saved;
    });
    try {
      // A new connection: the TCP handshake's round trip, then the request's.
      const { ms, value } = await timed(
        () =>
          new Promise<number | undefined>((resolve, reject) => {
            http.get(`http://${proxy.address}/_neon_localhost/stats`, { agent: false }, (res) => resolve(res.resume().statusCode)).on('error', reject);
          }),
      );
      expect(value).toBe(200);
      expect(ms).toBeGreaterThanOrEqual(2 * RTT * 0.95);
    } finally {
      await proxy.stop();
    }
  });

  it('`serve --rtt-ms` with a bad value stops with one line and a non-zero exit', () => {
    const result = spawnSync(
      process.execPath,
      [...nodeArgsFor(new URL('../src/spawn-proxy.ts', import.meta.url).href, 'serve'), '--allow', '127.0.0.1:5432', '--port', '0', '--rtt-ms', 'soon'],
      {
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim()).toBe('neon-on-localhost: --rtt-ms must be a round-trip time in milliseconds from 0 to 60000, not "soon"');
  });
});
