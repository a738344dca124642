// These tests run inside workerd, the runtime of Cloudflare Workers, and send
// real requests to the Worker, which queries the real database through the
// HYPERDRIVE binding (locally a plain TCP connection to DATABASE_URL).

import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { describe, expect, inject, it, vi } from 'vitest';
import worker from '../src/index.ts';

async function get(path: string, init?: RequestInit): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await exports.default.fetch(`https://example.com${path}`, init);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The Worker called directly with a binding of our own (a stand-in for a broken Hyperdrive). */
async function getWith(connectionString: string, path: string): Promise<{ status: number; text: string }> {
  const ctx = createExecutionContext();
  const bindings = { HYPERDRIVE: { connectionString } as Hyperdrive };
  const response = await worker.fetch(new Request(`https://example.com${path}`), bindings, ctx);
  const text = await response.text();
  await waitOnExecutionContext(ctx);
  return { status: response.status, text };
}

function expectRecent(timestamp: unknown): void {
  expect(typeof timestamp).toBe('string');
  const skew = Math.abs(Date.parse(timestamp as string) - Date.now());
  expect(skew).toBeLessThan(60_000); // the database's clock, read just now
}

describe('worker-hyperdrive against the database', () => {
  it('the binding stands in for the database this run uses', () => {
    // Locally the binding's address is a name workerd routes to DATABASE_URL's host and port.
    const local = new URL(env.HYPERDRIVE.connectionString);
    const expected = new URL(inject('databaseUrl'));
    expect(local.hostname).toMatch(/\.hyperdrive\.local$/);
    expect([local.username, local.pathname]).toEqual([expected.username, expected.pathname]);
  });

  it('GET / reads now() through Hyperdrive', async () => {
    const { status, body } = await get('/');
    expect(status).toBe(200);
    expect(body.via).toBe('hyperdrive');
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

  it('answers unknown paths with a JSON 404 and other methods with 405', async () => {
    const missing = await get('/nope');
    expect(missing.status).toBe(404);
    expect(missing.body.routes).toEqual(['/', '/tx']);
    const posted = await get('/', { method: 'POST' });
    expect(posted.status).toBe(405);
  });
});

describe('when the database is unreachable', () => {
  // The real credentials, pointed at a loopback port nothing listens on.
  const databaseUrl = inject('databaseUrl');
  const down = new URL(databaseUrl);
  down.hostname = '127.0.0.1';
  down.port = '1';
  const password = decodeURIComponent(new URL(databaseUrl).password);

  /** The Worker's console.error lines while `work` runs, kept out of the test run's output. */
  async function errorsLoggedBy<T>(work: () => Promise<T>): Promise<{ result: T; lines: string }> {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const result = await work();
      return { result, lines: logged.mock.calls.map((args) => args.map(String).join(' ')).join('\n') };
    } finally {
      logged.mockRestore();
    }
  }

  for (const path of ['/', '/tx']) {
    it(`GET ${path} answers 503 JSON without a stack or secret, and logs why`, async () => {
      const { result, lines } = await errorsLoggedBy(() => getWith(down.toString(), path));
      expect(result.status).toBe(503);
      expect(JSON.parse(result.text)).toEqual({ error: 'database unavailable' });
      if (password) expect(result.text).not.toContain(password);
      expect(result.text).not.toContain('    at ');
      expect(lines).toContain('database error:');
    });
  }

  it('logs the reason without the password', async () => {
    const secret = 'Sekr3t p@ss/wörd';
    const wrong = new URL(down);
    wrong.password = encodeURIComponent(secret);
    const { result, lines } = await errorsLoggedBy(() => getWith(wrong.toString(), '/'));
    expect(result.status).toBe(503);
    expect(lines).toContain('database error:');
    for (const form of [secret, encodeURIComponent(secret), 'Sekr3t']) expect(lines).not.toContain(form);
  });
});
