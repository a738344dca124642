// `neon-on-localhost run wrangler dev` keeps wrangler's address for a front
// with the proxy's Host/Origin rules (wrangler answers any Host itself).
// Here a stand-in plays wrangler on the inner port: real HTTP and WebSocket
// traffic goes through the front, and a rebinding page's never reaches it.
// The real wrangler and workerd are probed in test/e2e-worker-raw.test.ts.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { addressArgs, configuredAddress, startWranglerFront, type WranglerFront } from '../src/wrangler-front.ts';
import { requestWith } from '../../../test/support/dev-server.ts';
import { freePort } from '../../../test/support/postgres.ts';

describe('the address wrangler dev was asked for', () => {
  it('takes --port and --ip out of its arguments (both forms) and keeps the rest, --config included', () => {
    expect(addressArgs(['dev', '--port', '9000', '--ip=0.0.0.0', '--var', 'A:b', '-c', 'other.jsonc'])).toEqual({
      port: '9000',
      ip: '0.0.0.0',
      config: 'other.jsonc',
      rest: ['dev', '--var', 'A:b', '--config', 'other.jsonc'],
    });
    expect(addressArgs(['dev', '--port=9001'])).toEqual({ port: '9001', rest: ['dev'] });
  });

  it('reads dev.port and dev.ip from wrangler.jsonc (comments and all), wrangler.toml, or --config', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'wrangler-front-'));
    try {
      expect(configuredAddress(dir)).toEqual({});
      writeFileSync(path.join(dir, 'wrangler.jsonc'), '{\n  // local\n  "name": "x",\n  "dev": { "port": 9123, "ip": "localhost", },\n}\n');
      expect(configuredAddress(dir)).toEqual({ port: '9123', ip: 'localhost' });
      writeFileSync(path.join(dir, 'other.toml'), 'name = "x"\n\n[dev]\nport = 9124\n');
      expect(configuredAddress(dir, 'other.toml')).toEqual({ port: '9124', ip: undefined });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the front', () => {
  let front: WranglerFront | undefined;
  let wrangler: http.Server | undefined;
  const seen: string[] = [];
  afterEach(async () => {
    front?.close();
    await new Promise((r) => (wrangler ? wrangler.close(r) : r(undefined)));
    wrangler?.closeAllConnections();
    seen.length = 0;
  });

  /** The front on a free port, and a stand-in wrangler behind it: echoes each request, and each WebSocket message. */
  async function start(): Promise<{ port: number }> {
    const port = await freePort();
    front = await startWranglerFront(['dev', '--port', String(port)], tmpdir(), {});
    wrangler = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url} Host=${req.headers.host}`);
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => {
        res.writeHead(201, 'Made', { 'Content-Type': 'application/json', 'X-From': 'wrangler' });
        res.write('{"part":1,');
        setTimeout(() => res.end(`"host":${JSON.stringify(req.headers.host)},"body":${JSON.stringify(body)}}`), 20);
      });
    });
    const sockets = new WebSocketServer({ server: wrangler });
    sockets.on('connection', (ws, req) => {
      seen.push(`WS ${req.url} Host=${req.headers.host}`);
      ws.on('message', (m) => ws.send(`echo ${m}`));
    });
    await new Promise<void>((resolve) => wrangler!.listen(front!.innerPort, '127.0.0.1', resolve));
    return { port };
  }

  const send = (port: number, headers: Record<string, string>, method = 'GET', body?: string) =>
    requestWith(`http://127.0.0.1:${port}`, '/tx?x=1', headers, { method, body });

  it('starts wrangler on a free loopback port behind it: its --port and --ip become the inner ones', async () => {
    const { port } = await start();
    expect(front!.front.port).toBe(port);
    expect(front!.innerPort).not.toBe(port);
    expect(front!.args).toEqual(['dev', '--ip', '127.0.0.1', '--port', String(front!.innerPort)]);
  });

  it("listens at dev.port from the project's wrangler config when the command names no port", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'wrangler-front-'));
    try {
      const port = await freePort();
      writeFileSync(path.join(dir, 'wrangler.jsonc'), `{ "dev": { "port": ${port} } }\n`);
      front = await startWranglerFront(['dev'], dir, {});
      expect(front.front.port).toBe(port);
      expect(front.args).toEqual(['dev', '--ip', '127.0.0.1', '--port', String(front.innerPort)]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("takes a free port and says which when wrangler's default 8787 is taken and none was asked for", async () => {
    // Hold 8787; if something else holds it already, it is taken all the same.
    const holder = http.createServer();
    await new Promise<void>((resolve) => holder.once('error', () => resolve()).listen(8787, '127.0.0.1', () => resolve()));
    const dir = mkdtempSync(path.join(tmpdir(), 'wrangler-front-'));
    try {
      front = await startWranglerFront(['dev'], dir, {});
      expect(front.front.port).not.toBe(8787);
      expect(front.front.moved).toBe(`port 8787 is in use, so wrangler dev took ${front.front.port} instead (--port chooses one)`);
    } finally {
      holder.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('passes requests through unchanged, Host included, streaming the answer with its status and headers', async () => {
    const { port } = await start();
    const got = await send(port, { Host: `localhost:${port}`, 'Content-Type': 'text/plain' }, 'POST', 'hello');
    expect(got).toMatchObject({ status: 201, message: 'Made', body: `{"part":1,"host":"localhost:${port}","body":"hello"}` });
    expect(got.headers['x-from']).toBe('wrangler');
    expect(seen).toEqual([`POST /tx?x=1 Host=localhost:${port}`]);
  });

  it('refuses a foreign Host or Origin before wrangler sees the request', async () => {
    const { port } = await start();
    for (const headers of [{ Host: `evil.example:${port}` }, { Host: `127.0.0.1:${port}`, Origin: 'https://evil.example' }] as Record<string, string>[]) {
      const got = await send(port, headers);
      expect(got.status).toBe(403);
      expect(JSON.parse(got.body).error).toMatch(/^neon-on-localhost: refused (Host|Origin) .*wrangler dev/);
    }
    expect(seen).toEqual([]);
  });

  it('relays a WebSocket both ways, and refuses one from a foreign page before wrangler sees it', async () => {
    const { port } = await start();
    const ws = new WebSocket(`ws://127.0.0.1:${port}/live`, { headers: { Origin: `http://localhost:${port}` } });
    const echoed = await new Promise<string>((resolve, reject) => {
      ws.once('open', () => ws.send('ping'));
      ws.once('message', (m) => resolve(String(m)));
      ws.once('error', reject);
    });
    ws.close();
    expect(echoed).toBe('echo ping');
    const refused = await new Promise<number>((resolve) => {
      const evil = new WebSocket(`ws://127.0.0.1:${port}/live`, { headers: { Host: `evil.example:${port}` } });
      evil.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      evil.once('error', () => resolve(-1));
    });
    expect(refused).toBe(403);
    expect(seen).toEqual([`WS /live Host=127.0.0.1:${port}`]);
  });

  it('says so when wrangler does not answer (still starting, or stopped): 502, one line', async () => {
    const port = await freePort();
    front = await startWranglerFront(['dev', '--port', String(port)], tmpdir(), {});
    const got = await send(port, { Host: `127.0.0.1:${port}` });
    expect(got.status).toBe(502);
    expect(JSON.parse(got.body).error).toMatch(/^wrangler dev did not answer \(ECONNREFUSED\)/);
  });
});
