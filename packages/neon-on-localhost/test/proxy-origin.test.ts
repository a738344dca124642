// Web pages must not reach the developer's database through the local proxy.
// Browsers let any page open ws://127.0.0.1:PORT (WebSockets are not subject
// to CORS) and, with DNS rebinding, send requests under the attacker's own
// name. So the proxy answers only to loopback Host names at its own port and
// to pages on this machine (origin-guard.ts), like Vite and webpack-dev-server.
// Real HTTP and WebSocket requests against a started proxy and a real
// PostgreSQL; the real driver for the full login-and-query attack.

import http from 'node:http';
import { Client, neonConfig } from '@neondatabase/serverless';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { configureNeonDriver } from '../src/driver.ts';
import { startProxy, type LocalProxy } from '../src/proxy.ts';
import { targetOf } from '../src/targets.ts';
import { cleanEnv, REPO_ROOT, run } from '../../../test/support/cli.ts';
import { startPostgres, type TestPostgres } from '../../../test/support/postgres.ts';

const EXTRA_ORIGIN = 'http://studio.example:8443';
const EXTRA_HOST = 'devbox.example';

let db: TestPostgres;
let proxy: LocalProxy;
let port: number;

beforeAll(async () => {
  db = await startPostgres();
  proxy = await startProxy({ allow: [targetOf(db.url)], allowedOrigins: [EXTRA_ORIGIN], allowedHosts: [EXTRA_HOST] });
  port = proxy.port;
}, 60_000);

afterAll(async () => {
  await proxy?.close();
  await db?.destroy();
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One HTTP request to the proxy with exactly these Host and Origin headers (undefined: not sent). */
function request(
  method: string,
  path: string,
  { host = `127.0.0.1:${port}`, origin, body, headers = {} }: { host?: string; origin?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const all: Record<string, string> = { Host: host, ...headers };
    if (origin !== undefined) all.Origin = origin;
    const req = http.request({ host: '127.0.0.1', port, method, path, headers: all, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const sqlRequest = (opts: { host?: string; origin?: string } = {}) =>
  request('POST', '/sql', {
    ...opts,
    body: JSON.stringify({ query: 'select 41 + 1 as n', params: [] }),
    headers: { 'Content-Type': 'application/json', 'Neon-Connection-String': db.url },
  });

/** A WebSocket upgrade to /v1 for the database: 101 when accepted (then closed at once), or the refusal. */
function upgrade({ host = `127.0.0.1:${port}`, origin }: { host?: string; origin?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {
      Host: host,
      Connection: 'Upgrade',
      Upgrade: 'websocket',
      'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    };
    if (origin !== undefined) headers.Origin = origin;
    const req = http.request({ host: '127.0.0.1', port, path: `/v1?address=${targetOf(db.url)}`, headers, agent: false });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '' });
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Backends of the app user other than the asking one: what the proxy has opened. */
async function appSessions(): Promise<number> {
  const client = new pg.Client(db.url);
  await client.connect();
  try {
    const { rows } = await client.query(
      "select count(*)::int as n from pg_stat_activity where usename = 'app' and backend_type = 'client backend' and pid <> pg_backend_pid()",
    );
    return rows[0].n as number;
  } finally {
    await client.end();
  }
}

const hostileHosts = () =>
  [
    'evil.example:PORT',
    'EVIL.EXAMPLE:PORT',
    '127.0.0.1.nip.io:PORT',
    'localhost.evil.example:PORT',
    'localhost.:PORT',
    '127.0.0.1.:PORT',
    '127.1:PORT',
    '0x7f.0.0.1:PORT',
    '127.0.0.256:PORT',
    '0.0.0.0:PORT',
    '[::ffff:127.0.0.1]:PORT',
    `localhost:OTHER`,
    `${EXTRA_HOST}:OTHER`,
  ].map((h) => h.replaceAll('OTHER', String(port + 1)).replaceAll('PORT', String(port)));

const HOSTILE_ORIGINS = [
  'https://evil.example',
  'null',
  'http://localhost.evil.example',
  'http://127.0.0.1.evil.example',
  'http://127.0.0.1.nip.io:3000',
  'http://LOCALHOST:3000',
  'http://localhost:3000/',
  'file://',
  'chrome-extension://abcdefghijklmnop',
  'http://studio.example:9999',
  'https://studio.example:8443',
  '',
];

describe('hostile pages and DNS rebinding (before anything else touched the database)', () => {
  it('every hostile Host gets 403 on /v1, /sql, stats, preflight and unknown paths', async () => {
    for (const host of hostileHosts()) {
      for (const answer of [
        await upgrade({ host }),
        await sqlRequest({ host }),
        await request('GET', '/_neon_localhost/stats', { host }),
        await request('OPTIONS', '/sql', { host, origin: 'http://localhost:5173' }),
        await request('GET', '/nothing-here', { host }),
      ]) {
        expect(answer.status, `Host ${JSON.stringify(host)}`).toBe(403);
        expect(answer.body).toContain('NEON_LOCALHOST_ALLOWED_HOSTS');
        expect(answer.headers['access-control-allow-origin']).toBeUndefined();
      }
    }
  });

  it('every hostile Origin gets 403, with a loopback Host too', async () => {
    for (const origin of HOSTILE_ORIGINS) {
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
        for (const answer of [
          await upgrade({ host, origin }),
          await sqlRequest({ host, origin }),
          await request('GET', '/_neon_localhost/stats', { host, origin }),
          await request('OPTIONS', '/sql', { host, origin }),
          await request('GET', '/nothing-here', { host, origin }),
        ]) {
          expect(answer.status, `Origin ${JSON.stringify(origin)}`).toBe(403);
          expect(answer.body).toContain('NEON_LOCALHOST_ALLOWED_ORIGINS');
          expect(answer.headers['access-control-allow-origin']).toBeUndefined();
        }
      }
    }
  });

  it('the reported attack (driver login from https://evil.example, Host evil.example) never reaches Postgres', async () => {
    neonConfig.webSocketConstructor = class extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { origin: 'https://evil.example', headers: { Host: `evil.example:${port}` } });
      }
    };
    configureNeonDriver(neonConfig, db.url, proxy.address);
    const client = new Client({ connectionString: db.url.replace(/:[^:@/]+@/, ':made-up@'), connectionTimeoutMillis: 5_000 });
    client.on('error', () => {});
    await expect(client.connect()).rejects.toThrow(/403/);
  });

  it('nothing was relayed: the counters are zero and Postgres saw no session', async () => {
    expect(proxy.stats).toMatchObject({ wsConnections: 0, wsOpen: 0, wsMessagesIn: 0, httpRequests: 0, httpQueries: 0 });
    expect(proxy.stats.refused).toBeGreaterThan(100);
    expect(await appSessions()).toBe(0);
  });
});

describe('this machine keeps working', () => {
  it('no Origin (workerd, edge-runtime, Node, curl): served, and no CORS header', async () => {
    const sql = await sqlRequest();
    expect(sql.status, sql.body).toBe(200);
    expect(JSON.parse(sql.body).rows).toEqual([{ n: 42 }]);
    expect(sql.headers['access-control-allow-origin']).toBeUndefined();
    expect(sql.headers.vary).toMatch(/Origin/);
    expect((await upgrade()).status).toBe(101);
    expect((await request('GET', '/_neon_localhost/stats')).status).toBe(200);
    expect((await request('GET', '/nothing-here')).status).toBe(404);
  });

  it('loopback Host spellings at the proxy port, and the configured host', async () => {
    // Without a port too: raw clients may leave it out, and a loopback name cannot be rebound.
    for (const host of [
      'localhost',
      '127.0.0.1',
      `localhost:${port}`,
      `LOCALHOST:${port}`,
      `127.0.0.1:${port}`,
      `127.0.0.2:${port}`,
      `[::1]:${port}`,
      `${EXTRA_HOST}:${port}`,
    ]) {
      expect((await sqlRequest({ host })).status, host).toBe(200);
      expect((await upgrade({ host })).status, host).toBe(101);
    }
  });

  it('pages on this machine and the configured origin get their own origin back, never *', async () => {
    for (const origin of ['http://localhost:5173', 'http://127.0.0.1:8787', 'https://localhost', 'http://[::1]:3000', 'http://127.0.0.2', EXTRA_ORIGIN]) {
      const sql = await sqlRequest({ origin });
      expect(sql.status, origin).toBe(200);
      expect(sql.headers['access-control-allow-origin']).toBe(origin);
      expect(sql.headers.vary).toMatch(/Origin/);
      const preflight = await request('OPTIONS', '/sql', { origin, headers: { 'Access-Control-Request-Method': 'POST' } });
      expect(preflight.status).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe(origin);
      expect((await upgrade({ origin })).status, origin).toBe(101);
    }
  });

  it('the driver logs in and queries from a loopback page', async () => {
    neonConfig.webSocketConstructor = class extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { origin: 'http://localhost:5173' });
      }
    };
    configureNeonDriver(neonConfig, db.url, proxy.address);
    const client = new Client(db.url);
    await client.connect();
    expect((await client.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
    await client.end();
  });
});

describe('the setting, from the environment and the command line', () => {
  const cli = `${REPO_ROOT}packages/neon-on-localhost/src/cli.ts`;
  const node = ['--experimental-strip-types', '--no-warnings', cli, 'serve', '--port', '0'];

  it('NEON_LOCALHOST_ALLOWED_ORIGINS / _HOSTS are read; --allowed-origin replaces them', async () => {
    // The proxy prints its address, answers two requests, then is stopped.
    const probe = async (args: string[], env: NodeJS.ProcessEnv, headers: { host?: string; origin: string }): Promise<number> => {
      const { spawn } = await import('node:child_process');
      const child = spawn(process.execPath, [...node, '--allow', targetOf(db.url), ...args], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'inherit'] });
      try {
        const address = await new Promise<string>((resolve, reject) => {
          let out = '';
          child.stdout.on('data', (c: Buffer) => {
            out += c;
            const m = /listening on (\S+)/.exec(out);
            if (m) resolve(m[1]);
          });
          child.once('exit', (code) => reject(new Error(`neon-on-localhost serve exited with ${code}`)));
        });
        const childPort = Number(address.split(':').pop());
        return await new Promise<number>((resolve, reject) => {
          const req = http.request(
            {
              host: '127.0.0.1',
              port: childPort,
              path: '/_neon_localhost/stats',
              headers: { Host: (headers.host ?? 'localhost:PORT').replace('PORT', String(childPort)), Origin: headers.origin },
              agent: false,
            },
            (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            },
          );
          req.on('error', reject);
          req.end();
        });
      } finally {
        child.kill('SIGTERM');
      }
    };
    const env = { NEON_LOCALHOST_ALLOWED_ORIGINS: 'http://a.example:3000, https://b.example', NEON_LOCALHOST_ALLOWED_HOSTS: 'tunnel.example' };
    expect(await probe([], env, { origin: 'https://b.example' })).toBe(200);
    expect(await probe([], env, { origin: 'https://c.example' })).toBe(403);
    expect(await probe([], env, { host: 'tunnel.example:PORT', origin: 'http://a.example:3000' })).toBe(200);
    expect(await probe(['--allowed-origin', 'https://c.example'], env, { origin: 'https://c.example' })).toBe(200);
    expect(await probe(['--allowed-origin', 'https://c.example'], env, { origin: 'https://b.example' })).toBe(403);
  }, 60_000);

  it.each([
    [['--allowed-origin', 'null'], {}],
    [['--allowed-origin', '*'], {}],
    [[], { NEON_LOCALHOST_ALLOWED_ORIGINS: 'localhost:3000' }],
    [['--allowed-host', '*.example'], {}],
    [[], { NEON_LOCALHOST_ALLOWED_HOSTS: 'http://x.example' }],
  ])('a bad entry (%j %j) stops it with one line naming the setting', async (args, env) => {
    const result = await run(process.execPath, [...node, '--allow', targetOf(db.url), ...args], { cwd: REPO_ROOT, env: cleanEnv(env), timeoutMs: 30_000 });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/NEON_LOCALHOST_ALLOWED_(ORIGINS|HOSTS) \(or --allowed-(origin|host)\)/);
  });
});
