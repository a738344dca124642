// A stand-in for Neon's claimable-database service (neon.new), speaking its
// two calls on loopback and recording them:
//   POST /api/v1/database/{uuid}?referrer=…  → 201, the database is created
//   GET  /api/v1/database/{uuid}             → {"connection_string", "expires_at"}
// Each database comes from `create` (a fresh database in a test PostgreSQL
// cluster, or any URL for unit tests). `fault` makes it fail as a real
// service can (or a hostile one would): 500s, no answer, an answer that is not
// JSON, one that drips in a byte at a time, one far too large, a reason phrase
// holding terminal escapes.

import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import type { TestPostgres } from './postgres.ts';

export type Fault =
  | 'post-500'
  | 'get-500'
  | 'post-hang'
  | 'get-hang'
  | 'malformed-json'
  | 'no-connection-string'
  | 'get-drip'
  | 'get-huge'
  | 'get-huge-declared'
  | 'post-500-escapes';

/** The reason phrase of 'post-500-escapes': sets the window title, turns text red (C0 and C1 forms). */
export const ESCAPING_REASON = '\x1b]0;pwned\x07\x1b[31mRed\x9b0m';
/** What 'get-huge' sends at most (the old client read it all). */
export const HUGE_BYTES = 64 * 1024 * 1024;

export interface RecordedCall {
  method: string;
  path: string;
  query: Record<string, string>;
  body: string;
}

export interface NeonNewStandin {
  /** http://127.0.0.1:PORT, for NEON_NEW_BASE_URL. */
  readonly base: string;
  readonly calls: RecordedCall[];
  /** The connection strings handed out, by database uuid. */
  readonly databases: Map<string, string>;
  /** Body bytes written for 'get-huge' before the client stopped reading. */
  readonly hugeBytesSent: number;
  fault: Fault | undefined;
  close(): Promise<void>;
}

const LIFETIME_MS = 72 * 60 * 60 * 1000;

export async function startNeonNewStandin(create: (id: string) => Promise<string>): Promise<NeonNewStandin> {
  const calls: RecordedCall[] = [];
  const databases = new Map<string, string>();
  const expiries = new Map<string, string>();
  const hanging = new Set<http.ServerResponse>();
  const state = { fault: undefined as Fault | undefined, hugeBytesSent: 0 };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://standin');
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      if (url.pathname === '/') {
        res.writeHead(200).end(); // the CLI's reachability check
        return;
      }
      calls.push({ method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), body });
      const match = /^\/api\/v1\/database\/([0-9a-f-]{36})$/.exec(url.pathname);
      if (!match) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
        return;
      }
      const id = match[1];
      const fault = state.fault;
      const hang = () => {
        hanging.add(res);
        res.once('close', () => hanging.delete(res));
      };
      if (req.method === 'POST') {
        if (fault === 'post-500') return void res.writeHead(500).end('{"error":"internal"}');
        // Node refuses to write such a reason phrase itself (fetch accepts it): written raw.
        if (fault === 'post-500-escapes') return void res.socket?.end(`HTTP/1.1 500 ${ESCAPING_REASON}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
        if (fault === 'post-hang') return hang();
        create(id).then(
          (connectionString) => {
            databases.set(id, connectionString);
            expiries.set(id, new Date(Date.now() + LIFETIME_MS).toISOString());
            res.writeHead(201, { 'content-type': 'application/json' }).end('{}');
          },
          (err: Error) => res.writeHead(500).end(JSON.stringify({ error: err.message })),
        );
        return;
      }
      if (req.method === 'GET') {
        const connectionString = databases.get(id);
        if (!connectionString) return void res.writeHead(404).end('{"error":"no such database"}');
        if (fault === 'get-500') return void res.writeHead(500).end('{"error":"internal"}');
        if (fault === 'get-hang') return hang();
        if (fault === 'get-huge-declared') return void res.writeHead(200, { 'content-length': String(800 * 1024 * 1024) }).flushHeaders();
        res.writeHead(200, { 'content-type': 'application/json' });
        if (fault === 'malformed-json') return void res.end(`{"connection_string": "${connectionString}"`);
        if (fault === 'no-connection-string') return void res.end('{"status":"creating"}');
        if (fault === 'get-drip') return drip(res, JSON.stringify({ connection_string: connectionString }));
        if (fault === 'get-huge') return flood(res, (n) => (state.hugeBytesSent = n));
        res.end(JSON.stringify({ connection_string: connectionString, expires_at: expiries.get(id) }));
        return;
      }
      res.writeHead(405).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    calls,
    databases,
    get hugeBytesSent() {
      return state.hugeBytesSent;
    },
    get fault() {
      return state.fault;
    },
    set fault(value) {
      state.fault = value;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A byte every 50 ms: the answer is complete only long after any deadline. */
function drip(res: http.ServerResponse, text: string): void {
  let i = 0;
  const timer = setInterval(() => (i < text.length ? res.write(text[i++]) : res.end()), 50);
  res.once('close', () => clearInterval(timer));
}

/** Whitespace (valid JSON padding) in 64 KB chunks, as fast as the client reads, up to HUGE_BYTES. */
function flood(res: http.ServerResponse, sent: (bytes: number) => void): void {
  const chunk = Buffer.alloc(64 * 1024, ' ');
  let bytes = 0;
  const more = () => {
    while (bytes < HUGE_BYTES && !res.destroyed) {
      bytes += chunk.length;
      sent(bytes);
      if (!res.write(chunk)) return void res.once('drain', more);
    }
    res.end();
  };
  more();
}

/** Databases as Neon hands them out: a fresh database per call in the test cluster, each with its own owner and password. */
export function databasesIn(db: TestPostgres): (id: string) => Promise<string> {
  return async (id) => {
    const name = `neondb_${id.replace(/-/g, '').slice(0, 12)}`;
    const password = randomBytes(12).toString('hex');
    const admin = new pg.Client(db.url);
    await admin.connect();
    try {
      // A superuser, unlike Neon's owner role: PostGIS is then creatable as it is on Neon.
      await admin.query(`create role ${name} login superuser password '${password}'`);
      await admin.query(`create database ${name} owner ${name}`);
    } finally {
      await admin.end();
    }
    return `postgresql://${name}:${password}@127.0.0.1:${db.port}/${name}`;
  };
}
