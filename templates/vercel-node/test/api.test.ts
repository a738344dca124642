// The functions run here in Node, as on Vercel's Node.js runtime, against the
// real database. Between them and the database sits a small TCP relay this
// file controls, so the tests can take the database away (an outage: every
// connection cut, nothing listening) and bring it back, and check that the
// instance's pool answers 503 meanwhile and recovers by itself after.

import net from 'node:net';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';

// attachDatabasePool is inert outside Vercel; record what it is given.
const attached = vi.hoisted(() => [] as Pool[]);
vi.mock('@vercel/functions', async (original) => ({
  ...(await original<typeof import('@vercel/functions')>()),
  attachDatabasePool: (pool: Pool) => attached.push(pool),
}));

/** A TCP relay to the database on a fixed port, which can be cut and restored. */
function relay(target: URL) {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  const up = () =>
    new Promise<void>((resolve, reject) => {
      server = net.createServer((client) => {
        const upstream = net.connect(Number(target.port || 5432), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => {});
        }
        client.pipe(upstream).pipe(client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as net.AddressInfo).port;
        resolve();
      });
    });
  const down = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server!.close(() => resolve());
    });
  return { up, down, port: () => port };
}

const databaseUrl = new URL(inject('databaseUrl'));
const password = decodeURIComponent(databaseUrl.password);
const database = relay(databaseUrl);
let now: typeof import('../api/now');
let tx: typeof import('../api/tx');

beforeAll(async () => {
  await database.up();
  const viaRelay = new URL(databaseUrl);
  viaRelay.hostname = '127.0.0.1';
  viaRelay.port = String(database.port());
  process.env.DATABASE_URL = viaRelay.toString();
  now = await import('../api/now');
  tx = await import('../api/tx');
});
// The pool closed first: connections it still holds, cut by the relay, would each log that they were lost.
afterAll(async () => {
  for (const pool of attached) await pool.end();
  await database.down();
});

async function call(handler: { GET: () => Promise<Response> }): Promise<{ status: number; text: string; body: Record<string, unknown> }> {
  const response = await handler.GET();
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as Record<string, unknown> };
}

function expectRecent(timestamp: unknown): void {
  expect(typeof timestamp).toBe('string');
  expect(Math.abs(Date.parse(timestamp as string) - Date.now())).toBeLessThan(60_000);
}

describe('vercel-node against the database', () => {
  it('GET /api/now reads now() from a pooled connection', async () => {
    const { status, body } = await call(now);
    expect(status).toBe(200);
    expect(body.via).toBe('pg pool');
    expectRecent(body.now);
  });

  it('GET /api/tx runs both statements in one transaction', async () => {
    const first = await call(tx);
    expect(first.status).toBe(200);
    expect(first.body.sameTransaction).toBe(true);
    expect(first.body.txid).toMatch(/^\d+$/);
    const second = await call(tx);
    expect(Number(second.body.txid)).toBeGreaterThan(Number(first.body.txid));
  });

  it('creates one pool for the instance and registers it with attachDatabasePool', async () => {
    await Promise.all([call(now), call(tx), call(now)]);
    expect(attached).toHaveLength(1);
    expect(attached[0]).toHaveProperty('totalCount');
  });

  it('answers 503 without a stack or secret while the database is down, and recovers after', async () => {
    // Kept until the pool has recovered: idle connections cut by the outage report it as they are dropped.
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      await database.down();
      for (const handler of [now, tx]) {
        const { status, text } = await call(handler);
        expect(status).toBe(503);
        expect(JSON.parse(text)).toEqual({ error: 'database unavailable' });
        expect(text).not.toContain('    at ');
        if (password) expect(text).not.toContain(password);
      }
      await database.up();
      // The same instance, the same pool: no restart needed.
      expect((await call(now)).status).toBe(200);
      expect((await call(tx)).body.sameTransaction).toBe(true);
      expect(attached).toHaveLength(1);
      const lines = logged.mock.calls.map((args) => args.map(String).join(' ')).join('\n');
      expect(lines).toContain('database error:');
      if (password) expect(lines).not.toContain(password);
    } finally {
      logged.mockRestore();
    }
  });
});
