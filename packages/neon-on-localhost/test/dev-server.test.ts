// The Vercel templates' `npm start` serves the project's functions, database
// answers included, on 127.0.0.1. A web page the developer visits can send it
// requests, and with DNS rebinding read the answers under its own name. So it
// follows the local proxy's rules (origin-guard.ts), rule by rule here, with
// real HTTP requests carrying exactly the Host and Origin a browser would.

import type http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DevServerError, startDevServer, type DevServer, type DevServerOptions } from '../src/dev-server.ts';
import { requestWith, type Answer } from '../../../test/support/dev-server.ts';
import { freePort } from '../../../test/support/postgres.ts';

const DATA = JSON.stringify({ rows: [{ secret: 'a database answer' }] });
const answer: http.RequestListener = (_req, res) => {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(DATA);
};

let dev: DevServer | undefined;
let logged: string[] = [];
afterEach(() => {
  dev?.close();
  dev = undefined;
  logged = [];
});

async function start(options: Partial<DevServerOptions> = {}): Promise<DevServer> {
  dev = await startDevServer(answer, {
    port: String(await freePort()),
    defaultPort: 3000,
    ip: '127.0.0.1',
    env: {},
    log: (line) => logged.push(line),
    ...options,
  });
  return dev;
}

/** A request with exactly this Host (and Origin, when given), as a browser would send it. */
function request(
  port: number,
  { host = `127.0.0.1:${port}`, origin, method = 'GET' }: { host?: string; origin?: string; method?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { Host: host };
  if (origin !== undefined) headers.Origin = origin;
  return requestWith(`http://127.0.0.1:${port}`, '/api/tx', headers, { method });
}

function expectRefused(got: Answer, reason: RegExp): void {
  expect(got.status).toBe(403);
  expect(got.body).not.toContain('a database answer');
  expect(got.headers['access-control-allow-origin']).toBeUndefined();
  expect(JSON.parse(got.body).error).toMatch(reason);
}

describe('npm start of the Vercel templates (neon-on-localhost/dev-server)', () => {
  it('answers requests naming it by a loopback name at its own port: localhost, 127.0.0.1, [::1], or no port', async () => {
    const { port } = await start();
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'localhost', `LOCALHOST:${port}`]) {
      const got = await request(port, { host });
      expect(got.status, host).toBe(200);
      expect(got.body).toBe(DATA);
    }
  });

  it('refuses any other Host name, as a DNS-rebinding page sends it: 403, no data', async () => {
    const { port } = await start();
    for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1.nip.io:${port}`, `localhost.evil.example:${port}`, `127.1:${port}`]) {
      expectRefused(
        await request(port, { host }),
        /refused Host .*npm start answers only to localhost, 127\.0\.0\.1 or \[::1\].*NEON_LOCALHOST_ALLOWED_HOSTS$/,
      );
    }
  });

  it('refuses a loopback name at another port (the request was meant for another server)', async () => {
    const { port } = await start();
    expectRefused(await request(port, { host: `localhost:${port + 1}` }), /refused Host/);
  });

  it('refuses a page from another origin, and the null origin, even under a loopback Host', async () => {
    const { port } = await start();
    for (const origin of ['https://evil.example', `http://evil.example:${port}`, 'null', 'file://']) {
      expectRefused(
        await request(port, { origin }),
        /refused Origin .*only pages on this machine .* may use npm start; allow more with NEON_LOCALHOST_ALLOWED_ORIGINS$/,
      );
    }
  });

  it('lets pages on this machine in (another local port, such as a Vite app on 5173)', async () => {
    const { port } = await start();
    for (const origin of ['http://localhost:5173', `http://127.0.0.1:${port}`, 'http://[::1]:8080']) {
      const got = await request(port, { origin });
      expect(got.status, origin).toBe(200);
      expect(got.body).toBe(DATA);
    }
  });

  it('adds no CORS header of its own, never a wildcard: a preflight from a foreign page is refused', async () => {
    const { port } = await start();
    const preflight = await request(port, { method: 'OPTIONS', origin: 'https://evil.example' });
    expectRefused(preflight, /refused Origin/);
    const local = await request(port, { origin: 'http://localhost:5173' });
    expect(local.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('NEON_LOCALHOST_ALLOWED_HOSTS and _ORIGINS allow a custom local name and its pages, as for the proxy', async () => {
    const { port } = await start({ env: { NEON_LOCALHOST_ALLOWED_HOSTS: 'devbox.local', NEON_LOCALHOST_ALLOWED_ORIGINS: 'http://devbox.local:5173' } });
    expect((await request(port, { host: `devbox.local:${port}`, origin: 'http://devbox.local:5173' })).status).toBe(200);
    expectRefused(await request(port, { host: `other.local:${port}` }), /refused Host/);
    expectRefused(await request(port, { origin: 'http://devbox.local:9999' }), /refused Origin/);
  });

  it('a bad allow-list entry stops it before it listens, in one line naming the variable', async () => {
    const err = await start({ env: { NEON_LOCALHOST_ALLOWED_HOSTS: 'http://devbox.local' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DevServerError);
    expect((err as Error).message).toBe(
      'neon-on-localhost: invalid allowed host "http://devbox.local" in NEON_LOCALHOST_ALLOWED_HOSTS: expected a host name or name:port, e.g. my-laptop.local',
    );
  });

  it('logs each request with its status and time, and why a request was refused', async () => {
    const { port } = await start();
    await request(port);
    await request(port, { host: 'evil.example' });
    await new Promise((r) => setTimeout(r, 50));
    expect(logged[0]).toMatch(/^GET \/api\/tx 200 OK \(\d+ms\)$/);
    expect(logged[1]).toMatch(/^GET \/api\/tx 403 Forbidden \(\d+ms\): neon-on-localhost: refused Host "evil\.example"/);
  });
});

describe('its port', () => {
  async function holding<T>(port: number, body: () => Promise<T>): Promise<T> {
    const blocker = net.createServer();
    await new Promise<void>((resolve, reject) => blocker.once('error', reject).listen(port, '127.0.0.1', resolve));
    try {
      return await body();
    } finally {
      blocker.close();
    }
  }

  it('the usual port taken: takes a free one and says so', async () => {
    const busy = await freePort();
    await holding(busy, async () => {
      const { port, moved, url } = await start({ port: undefined, defaultPort: busy });
      expect(port).not.toBe(busy);
      expect(url).toBe(`http://127.0.0.1:${port}`);
      expect(moved).toBe(`port ${busy} is in use, so npm start took ${port} instead (--port or PORT chooses one)`);
      expect((await request(port)).status).toBe(200);
    });
  });

  it('a port asked for and taken: one line saying so, and no other port', async () => {
    const busy = await freePort();
    await holding(busy, async () => {
      const err = await start({ port: String(busy) }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DevServerError);
      expect((err as Error).message).toBe(`port ${busy} is in use: stop what holds it, or choose another with --port or PORT`);
    });
  });

  it('a --port that is not a port number: one line', async () => {
    for (const port of ['abc', '70000', '-1', '']) {
      const err = await start({ port }).catch((e: unknown) => e);
      expect((err as Error).message, port).toBe(`--port or PORT must be a port number from 1 to 65535, not "${port}"`);
    }
  });
});
