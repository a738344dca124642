// A project's own local server (the Vercel templates' `npm start`, dev/server.ts)
// on the proxy's rules (origin-guard.ts): it answers only to loopback Host
// names at its own port, refuses pages from other origins, and adds no CORS
// header, so a web page the developer visits cannot read its answers, DNS
// rebinding included. NEON_LOCALHOST_ALLOWED_HOSTS / _ORIGINS allow more, as
// for the proxy. The default port, when taken, gives way to a free one (said
// in the Ready line); a port asked for (--port, PORT) is kept or refused. Each
// request is logged with its status and time. WebSocket upgrades pass the
// same checks, then go to `upgrade` (closed when there is none).
//
//   import { startDevServer } from 'neon-on-localhost/dev-server';
//   const dev = await startDevServer(handler, { port: values.port, defaultPort: 3000, ip: values.ip });

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { allowListsFromEnv, createOriginGuard } from './origin-guard.ts';

export interface DevServerOptions {
  /** The port asked for (--port or PORT), as typed; undefined for the default. */
  port?: string;
  /** The usual port: when it is taken, any free one does. */
  defaultPort: number;
  /** The address to listen on, 127.0.0.1 unless the developer chose another. */
  ip: string;
  /** Who answers, in refusals and messages. */
  name?: string;
  /** How the developer chooses the port, in messages. */
  portSetting?: string;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /** False when what is behind logs requests itself: then only refusals are logged. */
  logRequests?: boolean;
  upgrade?: (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;
}

export interface DevServer {
  readonly server: http.Server;
  readonly port: number;
  /** `http://IP:PORT` */
  readonly url: string;
  /** Set when the default port was taken: the sentence that says so. */
  readonly moved?: string;
  close(): void;
}

/** A problem the developer fixes (a port, an allow-list): one line, no stack. */
export class DevServerError extends Error {}

export async function startDevServer(handler: http.RequestListener, options: DevServerOptions): Promise<DevServer> {
  const name = options.name ?? 'npm start';
  const portSetting = options.portSetting ?? '--port or PORT';
  const log = options.log ?? ((line: string) => console.log(line));
  const asked = options.port === undefined ? undefined : portNumber(options.port, portSetting);
  let guard: ReturnType<typeof createOriginGuard>;
  try {
    guard = createOriginGuard({ ownPort: () => (server.address() as AddressInfo | null)?.port ?? 0, ...allowListsFromEnv(options.env), server: name });
  } catch (err) {
    throw new DevServerError((err as Error).message);
  }
  const server = http.createServer((req, res) => {
    const started = performance.now();
    const verdict = guard(req.headers);
    res.once('finish', () => {
      if (verdict.ok && options.logRequests === false) return;
      const ms = Math.round(performance.now() - started);
      log(`${req.method} ${req.url} ${res.statusCode} ${res.statusMessage} (${ms}ms)${verdict.ok ? '' : `: ${verdict.message}`}`);
    });
    if (verdict.ok) return handler(req, res);
    // No CORS header: a page elsewhere cannot even read the refusal.
    res.writeHead(403, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', Connection: 'close' });
    res.end(JSON.stringify({ error: verdict.message }));
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const verdict = guard(req.headers);
    if (verdict.ok && options.upgrade) return options.upgrade(req, socket, head);
    if (!verdict.ok) log(`${req.method} ${req.url} (WebSocket) 403 Forbidden: ${verdict.message}`);
    const body = verdict.ok ? '' : `${verdict.message}\n`;
    const status = verdict.ok ? '501 Not Implemented' : '403 Forbidden';
    socket.end(
      `HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  const wanted = asked ?? options.defaultPort;
  let moved: string | undefined;
  try {
    await listen(server, wanted, options.ip);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || asked !== undefined)
      throw listenError(err as NodeJS.ErrnoException, wanted, options.ip, portSetting);
    await listen(server, 0, options.ip).catch((again: NodeJS.ErrnoException) => Promise.reject(listenError(again, 0, options.ip, portSetting)));
    moved = `port ${wanted} is in use, so ${name} took ${(server.address() as AddressInfo).port} instead (${portSetting} chooses one)`;
  }
  const port = (server.address() as AddressInfo).port;
  const host = options.ip.includes(':') ? `[${options.ip}]` : options.ip;
  return {
    server,
    port,
    url: `http://${host}:${port}`,
    moved,
    close() {
      server.close();
      server.closeAllConnections();
    },
  };
}

function portNumber(raw: string, portSetting: string): number {
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 1 || port > 65535) throw new DevServerError(`${portSetting} must be a port number from 1 to 65535, not "${raw}"`);
  return port;
}

function listen(server: http.Server, port: number, ip: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, ip, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function listenError(err: NodeJS.ErrnoException, port: number, ip: string, portSetting: string): Error {
  if (err.code === 'EADDRINUSE') return new DevServerError(`port ${port} is in use: stop what holds it, or choose another with ${portSetting}`);
  if (err.code === 'EADDRNOTAVAIL') return new DevServerError(`${ip} is not an address of this machine: leave out --ip for 127.0.0.1`);
  if (err.code === 'EACCES') return new DevServerError(`port ${port} needs privileges: choose one above 1023 with ${portSetting}`);
  return err;
}
