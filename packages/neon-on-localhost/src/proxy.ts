// A local stand-in for Neon's serverless proxy, in front of any Postgres:
//   ws://127.0.0.1:PORT/v1?address=host:port  WebSocket ⇄ TCP relay (Client, Pool)
//   http://127.0.0.1:PORT/sql                 SQL over HTTP (neon())
//   http://127.0.0.1:PORT/_neon_localhost/stats   counters, for tests and benchmarks
//   http://127.0.0.1:PORT/explorer            what reached the database, live (explorer.ts)
//   http://127.0.0.1:PORT/_neon_localhost/test-databases   per-file test databases, with the run's token
// It listens on loopback only, relays only to allowed targets, and answers
// only to loopback Host names and to pages on this machine (origin-guard.ts).

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { DEFAULTS } from './defaults.ts';
import { SessionSlots } from './sessions.ts';
import { createOriginGuard } from './origin-guard.ts';
import { createSqlOverHttp } from './sql-over-http.ts';
import { createExplorer, EXPLORER_PATH, isExplorerPath } from './explorer.ts';
import { QueryLog } from './query-log.ts';
import { redact } from './redact.ts';
import { emptyStats, statsSnapshot, type ProxyStats } from './stats.ts';
import { startLatencyFront, type LatencyFront } from './latency.ts';
import { TargetPolicy } from './targets.ts';
import { handleTestDatabases, isTestDatabasesPath, type TestDatabasesEndpoint } from './test-database-endpoint.ts';
import { refuseUpgrade, WebSocketRelay } from './ws-relay.ts';

export interface ProxyOptions {
  /** Allowed Postgres targets, `host:port` or `host:*`. */
  allow: readonly string[];
  /** Port to listen on; 0 picks a free one. */
  port?: number;
  /** Loopback address to bind; anything else is refused. */
  host?: string;
  /** Postgres sessions open at once, WebSocket and /sql together (default 50). */
  maxConnections?: number;
  /**
   * Past the cap, how long a new WebSocket session waits for a free slot
   * before it is refused with 503 (default 0: refused at once; `run` and
   * `serve` wait 10 s, see sessionLimitsFromEnv).
   */
  queueTimeoutMs?: number;
  /**
   * Time a client has to send a whole HTTP request, headers and body (default
   * 10 s): a client that never finishes (slowloris) gets 408 and is cut off.
   */
  requestTimeoutMs?: number;
  /**
   * More Host values to answer to, besides localhost, 127.0.0.1 and [::1] at
   * the proxy's own port: `name` (at that port) or `name:port`. Any other Host
   * gets 403: browsers would send it after DNS rebinding.
   */
  allowedHosts?: readonly string[];
  /**
   * More page origins allowed to use the proxy (`http(s)://host[:port]`),
   * besides pages on localhost, 127.0.0.1 and [::1]. Other origins get 403;
   * requests without an Origin (workerd, edge-runtime, Node) are not pages.
   */
  allowedOrigins?: readonly string[];
  /**
   * Emulated distance (latency.ts): every round trip between the driver and
   * the proxy costs this many milliseconds, TCP connect, WebSocket upgrade
   * and HTTP request included. Default 0: loopback speed.
   */
  rttMs?: number;
  /**
   * The explorer page (GET /explorer): `databaseUrl` lets it show the
   * database's tables (read only; the password is never shown), `showValues`
   * shows statements' parameter values (masked by default), `capacity` is how
   * many statements it keeps (default 2,000).
   */
  explorer?: { databaseUrl?: string; showValues?: boolean; capacity?: number };
  /** Per-file test databases, made and dropped at /_neon_localhost/test-databases with the run's token. */
  testDatabases?: TestDatabasesEndpoint;
}

export interface LocalProxy {
  /** `127.0.0.1:PORT`, the value for NEON_LOCALHOST_PROXY. */
  readonly address: string;
  readonly port: number;
  readonly stats: ProxyStats;
  /** The emulated round trip in front of it, in ms (0: none). */
  readonly rttMs: number;
  /** The explorer page's address. */
  readonly explorerUrl: string;
  /** What reached the database: the recent statements, and a feed of them (`run --log-queries` prints it). */
  readonly queries: QueryLog;
  close(): Promise<void>;
}

/**
 * The session limits of `neon-on-localhost run` and `serve` (so of `npm start`
 * and `npm test`): at most NEON_LOCALHOST_MAX_CONNECTIONS sessions (default 50,
 * see defaults.ts); past that, a session waits up to
 * NEON_LOCALHOST_QUEUE_TIMEOUT_MS (default 10 s) for one to end before a 503.
 */
export function sessionLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): { maxConnections: number; queueTimeoutMs: number } {
  const read = (name: string, fallback: number, min: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) throw new Error(`neon-on-localhost: ${name} must be a whole number of at least ${min}, not "${raw}"`);
    return value;
  };
  return {
    maxConnections: read('NEON_LOCALHOST_MAX_CONNECTIONS', DEFAULTS.maxConnections, 1),
    queueTimeoutMs: read('NEON_LOCALHOST_QUEUE_TIMEOUT_MS', DEFAULTS.queueTimeoutMs, 0),
  };
}

export async function startProxy(options: ProxyOptions): Promise<LocalProxy> {
  const host = options.host ?? DEFAULTS.host;
  if (!/^(127(\.\d{1,3}){3}|::1)$/.test(host)) {
    throw new Error(`neon-on-localhost: refusing to listen on ${host}; it binds to loopback addresses only`);
  }
  const maxConnections = options.maxConnections ?? DEFAULTS.maxConnections;
  if (!Number.isInteger(maxConnections) || maxConnections < 1) {
    throw new Error(`neon-on-localhost: the connection limit must be a whole number of at least 1, not ${options.maxConnections}`);
  }
  const policy = new TargetPolicy(options.allow);
  const stats = emptyStats();
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs;
  const slots = new SessionSlots(maxConnections, options.queueTimeoutMs ?? DEFAULTS.apiQueueTimeoutMs); // one cap for /sql and WebSocket sessions
  const databaseUrl = options.explorer?.databaseUrl;
  const log = new QueryLog({ showValues: options.explorer?.showValues, capacity: options.explorer?.capacity, hide: (text) => redact(text, databaseUrl) });
  const sql = createSqlOverHttp({ policy, stats, slots, bodyTimeoutMs: requestTimeoutMs, log });
  const relay = new WebSocketRelay({ policy, stats, slots, log });
  let front: LatencyFront | undefined;
  const explorer = createExplorer({ log, rttMs: () => front?.rttMs ?? 0, databaseUrl });
  const guard = createOriginGuard({
    // Clients address the front when there is one: that is the port their Host names.
    ownPort: () => front?.port ?? (server.address() as AddressInfo | null)?.port ?? 0,
    allowedHosts: options.allowedHosts,
    allowedOrigins: options.allowedOrigins,
  });

  const server = http.createServer(
    // How often Node looks for requests past their time (headers that never end, for upgrades too).
    { connectionsCheckingInterval: Math.min(1_000, requestTimeoutMs) },
    (req, res) => {
      const verdict = guard(req.headers);
      // Answers differ by Origin, so caches must key on it.
      res.setHeader('Vary', 'Origin');
      if (!verdict.ok) {
        stats.refused++;
        res.writeHead(403, { 'Content-Type': 'application/json', Connection: 'close' });
        return void res.end(JSON.stringify({ message: verdict.message }));
      }
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      // The explorer answers its own page only, with no CORS at all.
      if (isExplorerPath(path)) return explorer.handle(req, res, path);
      // Only allowed pages may read the answers, each named back, never '*'.
      if (verdict.corsOrigin) res.setHeader('Access-Control-Allow-Origin', verdict.corsOrigin);
      if (path === '/sql') return void sql.handleRequest(req, res);
      if (options.testDatabases && isTestDatabasesPath(path)) return void handleTestDatabases(req, res, path, options.testDatabases);
      if (path === '/_neon_localhost/stats' && req.method === 'GET') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        return void res.end(JSON.stringify(statsSnapshot(stats)));
      }
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ message: 'not found: use POST /sql or a WebSocket to /v1?address=host:port' }));
    },
  );
  // Headers must arrive within the timeout; the body has its own 408 (sql-over-http.ts), and Node's
  // request timeout is the backstop for anything still unfinished a little later.
  server.headersTimeout = requestTimeoutMs;
  server.requestTimeout = requestTimeoutMs + 5_000;
  // WebSockets are not subject to CORS: the Host and Origin checks are all that keeps web pages out.
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const verdict = guard(req.headers);
    if (verdict.ok) return relay.handleUpgrade(req, socket, head);
    stats.refused++;
    socket.on('error', () => socket.destroy());
    refuseUpgrade(socket, 403, 'Forbidden', `${verdict.message}\n`, 'text/plain; charset=utf-8');
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (socket.writable && err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      setTimeout(() => socket.destroy(), 1_000).unref();
      return;
    }
    socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Behind a latency front, the proxy itself takes any free port and the front the asked-for one.
    server.listen(options.rttMs ? 0 : (options.port ?? 0), host, () => resolve());
  });
  if (options.rttMs) {
    const own = (server.address() as AddressInfo).port;
    front = await startLatencyFront({ target: { host, port: own }, rttMs: options.rttMs, port: options.port ?? 0, host }).catch((err: unknown) => {
      server.close();
      throw err;
    });
  }
  const port = front?.port ?? (server.address() as AddressInfo).port;
  const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    address,
    port,
    stats,
    rttMs: front?.rttMs ?? 0,
    explorerUrl: `http://${address}${EXPLORER_PATH}`,
    queries: log,
    async close() {
      explorer.close();
      // Every WebSocket session too (the HTTP server no longer tracks upgraded sockets), or close() would wait on them.
      relay.close();
      await front?.close();
      server.closeAllConnections();
      await Promise.all([new Promise<void>((resolve) => server.close(() => resolve())), sql.close()]);
    },
  };
}
