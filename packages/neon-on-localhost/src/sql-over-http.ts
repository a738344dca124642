// The HTTP half of the proxy: Neon's `POST /sql` endpoint, which `neon()` and
// `Pool` with `poolQueryViaFetch` call. Request and response shapes follow
// Neon's proxy (sql_over_http.rs) closely enough that the driver cannot tell.

import type { IncomingMessage, ServerResponse } from 'node:http';
import pg from 'pg';
import type { SessionSlots } from './sessions.ts';
import { PoolUnavailable, SqlPools, type Lease } from './sql-pool.ts';
import { sqlTargetOf, TargetError } from './sql-target.ts';
import type { ProxyStats } from './stats.ts';
import type { TargetPolicy } from './targets.ts';

const MAX_BODY_BYTES = 10 * 1024 * 1024; // Neon answers 413 past its own limit

// Neon-Raw-Text-Output: every value stays the text Postgres sent.
const rawText = { getTypeParser: () => (value: string) => value };

const ISOLATION_LEVELS: Record<string, string> = {
  ReadUncommitted: 'read uncommitted',
  ReadCommitted: 'read committed',
  RepeatableRead: 'repeatable read',
  Serializable: 'serializable',
};

// The fields of a Postgres error that Neon returns, in Neon's order.
const ERROR_FIELDS = [
  'severity', 'code', 'detail', 'hint', 'position', 'internalPosition', 'internalQuery', 'where',
  'schema', 'table', 'column', 'dataType', 'constraint', 'file', 'line', 'routine',
] as const;

interface SqlQuery {
  query: string;
  params?: unknown[];
}

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

// Access-Control-Allow-Origin is set by proxy.ts, for allowed pages only (origin-guard.ts).
function corsHeaders(): Record<string, string> {
  return {
    'Access-Control-Allow-Methods': 'POST, OPTIONS',
    'Access-Control-Allow-Headers':
      'Authorization, Content-Type, Neon-Connection-String, Neon-Raw-Text-Output, Neon-Array-Mode, ' +
      'Neon-Batch-Isolation-Level, Neon-Batch-Read-Only, Neon-Batch-Deferrable, Neon-Pool-Opt-In',
    'Access-Control-Max-Age': '86400',
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed || res.writableEnded) return; // the client is gone
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...corsHeaders(),
    ...headers,
  });
  res.end(text);
}

/**
 * The request body, at most MAX_BODY_BYTES (413 past that) and within
 * `timeoutMs` (408 after that: a client that never finishes its body must not
 * hold a connection and a request forever).
 */
function readBody(req: IncomingMessage, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (err?: Error) => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      if (err) {
        // Whatever else comes is discarded (and bounded by the server's request timeout).
        req.resume();
        reject(err);
      } else resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) return done(new HttpError(413, `request body too large (limit ${MAX_BODY_BYTES} bytes)`));
      chunks.push(chunk);
    };
    const onEnd = () => done();
    const onError = (err: Error) => done(err);
    const onClose = () => done(new HttpError(400, 'request body incomplete: the client went away'));
    const timer = setTimeout(
      () => done(new HttpError(408, `request body not received within ${timeoutMs} ms`)),
      timeoutMs,
    );
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function isQuery(value: unknown): value is SqlQuery {
  if (typeof value !== 'object' || value === null) return false;
  const q = value as Record<string, unknown>;
  return typeof q.query === 'string' && (q.params === undefined || Array.isArray(q.params));
}

function parsePayload(text: string): { single?: SqlQuery; batch?: SqlQuery[] } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'request body is not valid JSON');
  }
  if (isQuery(json)) return { single: json };
  const queries = (json as { queries?: unknown } | null)?.queries;
  if (Array.isArray(queries) && queries.every(isQuery)) return { batch: queries };
  throw new HttpError(400, 'request body must be {"query": string, "params": [...]} or {"queries": [...]}');
}

// Neon accepts parameters as strings/null (what the driver sends) and also as
// raw JSON values; objects are sent to Postgres as their JSON text.
function toParam(value: unknown): unknown {
  if (value === null || typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map(toParam);
  return JSON.stringify(value);
}

function errorBody(err: unknown): Record<string, unknown> {
  const e = err as Record<string, unknown>;
  const body: Record<string, unknown> = { message: err instanceof Error ? err.message : String(err) };
  for (const field of ERROR_FIELDS) body[field] = e[field] ?? null;
  return body;
}

function isPostgresError(err: unknown): boolean {
  return err instanceof pg.DatabaseError;
}

/** A Postgres error after which the server closes the session (shutdown, terminated backend). */
function endsSession(err: unknown): boolean {
  const e = err as { severity?: string; code?: string };
  return e.severity === 'FATAL' || e.severity === 'PANIC' || /^(57P|08)/.test(e.code ?? '');
}

export interface SqlOverHttpOptions {
  policy: TargetPolicy;
  stats: ProxyStats;
  /** The session cap, shared with the WebSocket relay: every connection the /sql pools hold takes a slot. */
  slots: SessionSlots;
  /** Time a client has to send its whole request body (408 after). */
  bodyTimeoutMs?: number;
}

export function createSqlOverHttp({ policy, stats, slots, bodyTimeoutMs = 10_000 }: SqlOverHttpOptions) {
  const pools = new SqlPools({ slots, stats });

  /** A connection for the request's connection string; 4xx for a string that is refused, 503 past the cap. */
  async function connect(connectionString: string): Promise<Lease> {
    try {
      return await pools.acquire(sqlTargetOf(connectionString, policy));
    } catch (err) {
      if (err instanceof TargetError) throw new HttpError(400, err.message);
      if (err instanceof PoolUnavailable) throw new HttpError(err.status, err.message);
      throw err;
    }
  }

  async function run(client: pg.Client, q: SqlQuery, arrayMode: boolean, rawTextOutput: boolean) {
    stats.httpQueries++;
    const result = await client.query({
      text: q.query,
      values: (q.params ?? []).map(toParam),
      rowMode: arrayMode ? 'array' : undefined,
      types: rawTextOutput ? rawText : undefined,
      // Neon always uses the extended protocol: one statement per query.
      queryMode: 'extended',
    } as pg.QueryConfig);
    return {
      command: result.command,
      rowCount: result.rowCount ?? null,
      rows: result.rows,
      fields: result.fields.map((f) => ({
        name: f.name,
        dataTypeID: f.dataTypeID,
        tableID: f.tableID,
        columnID: f.columnID,
        dataTypeSize: f.dataTypeSize,
        dataTypeModifier: f.dataTypeModifier,
        format: f.format,
      })),
      rowAsArray: arrayMode,
    };
  }

  function beginStatement(req: IncomingMessage): string {
    const level = ISOLATION_LEVELS[String(req.headers['neon-batch-isolation-level'] ?? '')];
    let sql = 'begin';
    if (level) sql += ` isolation level ${level}`;
    if (req.headers['neon-batch-read-only'] === 'true') sql += ' read only';
    if (req.headers['neon-batch-deferrable'] === 'true') sql += ' deferrable';
    return sql;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    stats.httpRequests++;
    const connectionString = req.headers['neon-connection-string'];
    if (typeof connectionString !== 'string' || connectionString === '') {
      throw new HttpError(400, 'missing Neon-Connection-String header');
    }
    const payload = parsePayload(await readBody(req, bodyTimeoutMs));
    const arrayMode = req.headers['neon-array-mode'] === 'true';
    const rawTextOutput = req.headers['neon-raw-text-output'] === 'true';
    const lease = await connect(connectionString);
    const { client } = lease;
    let broken = false;
    try {
      if (payload.single) {
        send(res, 200, await run(client, payload.single, arrayMode, rawTextOutput));
        return;
      }
      await client.query(beginStatement(req));
      try {
        const results = [];
        for (const q of payload.batch ?? []) results.push(await run(client, q, arrayMode, rawTextOutput));
        await client.query('commit');
        send(res, 200, { results });
      } catch (err) {
        await client.query('rollback').catch(() => (broken = true));
        throw err;
      }
    } catch (err) {
      // Never hand a dead connection to the next request.
      if (!isPostgresError(err) || endsSession(err)) broken = true;
      throw err;
    } finally {
      lease.release(broken);
    }
  }

  return {
    async handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
      if (req.method === 'OPTIONS') {
        res.writeHead(204, corsHeaders());
        res.end();
        return;
      }
      if (req.method !== 'POST') {
        stats.refused++;
        send(res, 405, { message: 'use POST /sql' });
        return;
      }
      try {
        await handle(req, res);
      } catch (err) {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        if (err instanceof HttpError) {
          stats.refused++;
          // After a timeout the rest of the body may never come: answer, then hang up.
          const hangUp = err.status === 408;
          if (hangUp) res.once('finish', () => req.socket.destroy());
          send(res, err.status, { message: err.message }, hangUp ? { Connection: 'close' } : {});
        } else if (isPostgresError(err)) {
          send(res, 400, errorBody(err));
        } else {
          // Could not reach or talk to Postgres at all.
          send(res, 500, { message: `could not connect to the database: ${err instanceof Error ? err.message : String(err)}` });
        }
      }
    },
    async close(): Promise<void> {
      await pools.close();
    },
  };
}
