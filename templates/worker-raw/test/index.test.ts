// These tests run inside workerd, the runtime of Cloudflare Workers, and send
// real requests to the Worker, which queries the real database named by
// DATABASE_URL (through the local proxy when that database is on this machine).

import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { exports } from 'cloudflare:workers';
import { describe, expect, inject, it, vi } from 'vitest';
import worker from '../src/index.ts';

async function get(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await exports.default.fetch(`https://example.com${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function expectRecent(timestamp: unknown): void {
  expect(typeof timestamp).toBe('string');
  const skew = Math.abs(Date.parse(timestamp as string) - Date.now());
  expect(skew).toBeLessThan(60_000); // the database's clock, read just now
}

describe('worker-raw against the database', () => {
  it('GET / reads now() over a WebSocket Client', async () => {
    const { status, body } = await get('/');
    expect(status).toBe(200);
    expect(body.via).toBe('websocket');
    expectRecent(body.now);
  });

  it('GET /http reads now() over HTTP with neon()', async () => {
    const { status, body } = await get('/http');
    expect(status).toBe(200);
    expect(body.via).toBe('http');
    expectRecent(body.now);
  });

  it('GET /tx runs both statements in one transaction', async () => {
    const first = await get('/tx');
    expect(first.status).toBe(200);
    expect(first.body.sameTransaction).toBe(true);
    expect(first.body.txid).toMatch(/^\d+$/);
    expectRecent(first.body.now);
    const second = await get('/tx');
    expect(Number(second.body.txid)).toBeGreaterThan(Number(first.body.txid));
  });

  it('answers unknown paths with a JSON 404 that lists the routes', async () => {
    const { status, body } = await get('/nope');
    expect(status).toBe(404);
    expect(body.routes).toEqual(expect.arrayContaining(['/', '/http', '/tx']));
  });
});

describe('when the database is unreachable', () => {
  // The real credentials, pointed at a loopback port nothing listens on.
  const databaseUrl = inject('databaseUrl');
  const down = new URL(databaseUrl);
  down.hostname = '127.0.0.1';
  down.port = '1';
  const password = decodeURIComponent(new URL(databaseUrl).password);

  for (const path of ['/', '/http', '/tx']) {
    it(`GET ${path} answers 503 JSON without a stack or secret, and logs why`, async () => {
      // Captured, not printed: the log line is part of what is checked.
      const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
      try {
        const ctx = createExecutionContext();
        const env = { DATABASE_URL: down.toString(), NEON_LOCALHOST_PROXY: inject('neonLocalhostProxy') };
        const response = await worker.fetch(new Request(`https://example.com${path}`), env, ctx);
        const text = await response.text();
        await waitOnExecutionContext(ctx);
        expect(response.status).toBe(503);
        expect(JSON.parse(text)).toEqual({ error: 'database unavailable' });
        if (password) expect(text).not.toContain(password);
        expect(text).not.toContain('    at ');
        expect(logged).toHaveBeenCalledWith('database error:', expect.any(String));
      } finally {
        logged.mockRestore();
      }
    });
  }

  it('logs no password when DATABASE_URL is malformed (the driver quotes it in its error)', async () => {
    // Port out of range: not a URL, so the driver's error repeats the string whole.
    const secret = 'Sekr3t p@ss/wörd';
    const malformed = `postgres://app:${encodeURIComponent(secret)}@127.0.0.1:99999/app`;
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      for (const path of ['/', '/http', '/tx']) {
        const ctx = createExecutionContext();
        const env = { DATABASE_URL: malformed, NEON_LOCALHOST_PROXY: inject('neonLocalhostProxy') };
        const response = await worker.fetch(new Request(`https://example.com${path}`), env, ctx);
        const text = await response.text();
        await waitOnExecutionContext(ctx);
        expect(response.status, path).toBe(503);
        for (const form of [secret, encodeURIComponent(secret), 'Sekr3t']) expect(text).not.toContain(form);
      }
      const lines = logged.mock.calls.map((args) => args.map(String).join(' '));
      expect(lines.length).toBeGreaterThanOrEqual(3);
      expect(lines.join('\n')).toContain('127.0.0.1:99999'); // the reason is still there
      for (const form of [secret, encodeURIComponent(secret), 'Sekr3t']) expect(lines.join('\n')).not.toContain(form);
    } finally {
      logged.mockRestore();
    }
  });
});
