// The functions in api/, called as Vercel calls them (a Request in, a
// Response out), against the real database in DATABASE_URL. This file runs
// twice: in Vercel's edge-runtime emulation and inside workerd. Both are
// V8-isolate runtimes; a function that works in only one of them is a bug.

import { neon, neonConfig } from '@neondatabase/serverless';
import { describe, expect, inject, it, vi } from 'vitest';
import nearest from '../api/nearest';
import now from '../api/now';
import tx from '../api/tx';
import { configureNeonDriver } from '../lib/local-dev';

const databaseUrl = inject('databaseUrl');
const password = decodeURIComponent(new URL(databaseUrl).password);

function setEnv(url: string): void {
  process.env.DATABASE_URL = url;
  process.env.NEON_LOCALHOST_PROXY = inject('neonLocalhostProxy');
}

async function call(handler: (r: Request) => Promise<Response>, path: string, init?: RequestInit) {
  const response = await handler(new Request(`https://edge.example${path}`, init));
  const text = await response.text();
  if (password) expect(text).not.toContain(password);
  expect(text).not.toMatch(/\n\s+at /); // no stack traces
  return { status: response.status, headers: response.headers, body: JSON.parse(text) as Record<string, unknown> & unknown[] };
}

function expectRecent(timestamp: unknown): void {
  expect(Math.abs(Date.parse(timestamp as string) - Date.now())).toBeLessThan(60_000);
}

describe('against the database', () => {
  it('GET /api/now reads now() over HTTP', async () => {
    setEnv(databaseUrl);
    const { status, body } = await call(now, '/api/now');
    expect(status).toBe(200);
    expect(body.via).toBe('http');
    expectRecent(body.now);
  });

  it('GET /api/tx runs both statements in one WebSocket transaction', async () => {
    setEnv(databaseUrl);
    const { status, body } = await call(tx, '/api/tx');
    expect(status).toBe(200);
    expect(body).toMatchObject({ sameTransaction: true, via: 'websocket pool' });
    expect(body.txid).toMatch(/^\d+$/);
    expectRecent(body.now);
  });

  it('GET /api/nearest answers from the places table, or says how to create it', async () => {
    setEnv(databaseUrl);
    configureNeonDriver(neonConfig, databaseUrl, inject('neonLocalhostProxy'));
    const [{ exists }] = (await neon(databaseUrl)`select to_regclass('places') is not null as exists`) as { exists: boolean }[];
    const { status, headers, body } = await call(nearest, '/api/nearest?lat=48.8566&lng=2.3522');
    if (exists) {
      expect(status).toBe(200);
      expect(body).toHaveLength(10);
      const distances = (body as { distance_m: number }[]).map((p) => p.distance_m);
      expect(distances).toEqual([...distances].sort((a, b) => a - b));
      expect(headers.get('X-Cell')).toBe('48.86,2.35');
    } else {
      expect(status).toBe(404);
      expect(body.error).toMatch(/no places table.*db:setup/);
      const [{ postgis }] = (await neon(databaseUrl)`select exists (select 1 from pg_available_extensions where name = 'postgis') as postgis`) as {
        postgis: boolean;
      }[];
      if (!postgis) expect(body.error).toMatch(/needs PostGIS.*Neon database or a local Postgres with PostGIS/);
    }
  });

  it('uses the caller location from Vercel geolocation headers', async () => {
    setEnv(databaseUrl);
    const headers = { 'x-vercel-ip-latitude': '35.6895', 'x-vercel-ip-longitude': '139.6917' };
    const { status } = await call(nearest, '/api/nearest', { headers });
    expect([200, 404]).toContain(status); // 404 without a places table; never a 400 here
  });

  for (const path of [
    '/api/nearest',
    '/api/nearest?lat=1e3&lng=0',
    '/api/nearest?lat=north&lng=2',
    `/api/nearest?lat=1&lng=${encodeURIComponent('2) or 1=1 --')}`,
  ]) {
    it(`GET ${path} is a 400`, async () => {
      setEnv(databaseUrl);
      const { status, body } = await call(nearest, path);
      expect(status).toBe(400);
      expect(body.error).toMatch(/lat/);
    });
  }

  it('refuses other methods with 405', async () => {
    const { status } = await call(now, '/api/now', { method: 'POST', body: '{}' });
    expect(status).toBe(405);
  });
});

describe('when the database is down', () => {
  // The real credentials, pointed at a loopback port nothing listens on.
  const down = new URL(databaseUrl);
  down.hostname = '127.0.0.1';
  down.port = '1';

  for (const [name, handler, path] of [
    ['now', now, '/api/now'],
    ['tx', tx, '/api/tx'],
    ['nearest', nearest, '/api/nearest?lat=1&lng=2'],
  ] as const) {
    it(`/api/${name} answers 503 JSON without a stack or secret, and logs why`, async () => {
      setEnv(down.toString());
      // Captured, not printed: the log line is part of what is checked.
      const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
      try {
        const started = Date.now();
        const { status, body } = await call(handler, path);
        expect(status).toBe(503);
        expect(body).toEqual({ error: 'database unavailable' });
        expect(Date.now() - started).toBeLessThan(10_000);
        expect(logged).toHaveBeenCalledWith('database error:', expect.any(String));
      } finally {
        logged.mockRestore();
        setEnv(databaseUrl);
      }
    });
  }

  it('logs no password when DATABASE_URL is malformed (the driver quotes it in its error)', async () => {
    // Port out of range: not a URL, so the driver's error repeats the string whole.
    const secret = 'Sekr3t p@ss/wörd';
    setEnv(`postgres://app:${encodeURIComponent(secret)}@127.0.0.1:99999/app`);
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      for (const [handler, path] of [
        [now, '/api/now'],
        [tx, '/api/tx'],
        [nearest, '/api/nearest?lat=1&lng=2'],
      ] as const) {
        const response = await handler(new Request(`https://edge.example${path}`));
        const text = await response.text();
        expect(response.status, path).toBe(503);
        for (const form of [secret, encodeURIComponent(secret), 'Sekr3t']) expect(text).not.toContain(form);
      }
      const lines = logged.mock.calls.map((args) => args.map(String).join(' ')).join('\n');
      expect(logged).toHaveBeenCalledTimes(3);
      expect(lines).toContain('127.0.0.1:99999'); // the reason is still there
      for (const form of [secret, encodeURIComponent(secret), 'Sekr3t']) expect(lines).not.toContain(form);
    } finally {
      logged.mockRestore();
      setEnv(databaseUrl);
    }
  });

  it('says how to set DATABASE_URL when it is missing', async () => {
    setEnv('');
    const { status, body } = await call(now, '/api/now');
    expect(status).toBe(503);
    expect(body.error).toMatch(/DATABASE_URL is not set/);
    setEnv(databaseUrl);
  });
});
