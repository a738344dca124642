// A local stand-in for Neon's serverless proxy, in front of any Postgres:
//   ws://127.0.0.1:PORT/v1?address=host:port  WebSocket ⇄ TCP relay (Client, Pool)
//   http://127.0.0.1:PORT/sql                 SQL over HTTP (neon())
//   http://127.0.0.1:PORT/_neon_local/stats   counters, for tests and benchmarks
// It listens on loopback only and relays only to allowed targets.

import http from 'node:http';
import type net from 'node:net';
import type { AddressInfo } from 'node:net';
import { createSqlOverHttp } from './sql-over-http.ts';
import { emptyStats, type ProxyStats } from './stats.ts';
import { TargetPolicy } from './targets.ts';
import { createWebSocketRelay } from './ws-relay.ts';

export interface NeonLocalProxyOptions {
  /** Allowed Postgres targets, `host:port` or `host:*`. */
  allow: readonly string[];
  /** Port to listen on; 0 picks a free one. */
  port?: number;
  /** Loopback address to bind; anything else is refused. */
  host?: string;
  /** Open WebSocket sessions allowed at once. */
  maxConnections?: number;
}

export interface NeonLocalProxy {
  /** `127.0.0.1:PORT`, the value for NEON_LOCAL_PROXY. */
  readonly address: string;
  readonly port: number;
  readonly stats: ProxyStats;
  close(): Promise<void>;
}

export async function startNeonLocalProxy(options: NeonLocalProxyOptions): Promise<NeonLocalProxy> {
  const host = options.host ?? '127.0.0.1';
  if (!/^(127(\.\d{1,3}){3}|::1)$/.test(host)) {
    throw new Error(`neon-local: refusing to listen on ${host}; it binds to loopback addresses only`);
  }
  const policy = new TargetPolicy(options.allow);
  const stats = emptyStats();
  const sockets = new Set<net.Socket>();
  const sql = createSqlOverHttp({ policy, stats });
  const upgrade = createWebSocketRelay({ policy, stats, sockets, maxConnections: options.maxConnections ?? 100 });

  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/sql') return void sql.handleRequest(req, res);
    if (path === '/_neon_local/stats' && req.method === 'GET') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return void res.end(JSON.stringify(stats));
    }
    res.writeHead(404, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ message: 'not found: use POST /sql or a WebSocket to /v1?address=host:port' }));
  });
  server.on('upgrade', upgrade);
  server.on('clientError', (_err, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    address: `${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    stats,
    async close() {
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await Promise.all([new Promise<void>((resolve) => server.close(() => resolve())), sql.close()]);
    },
  };
}
