// The HTTP half of the proxy: Neon's `POST /sql` endpoint, which `neon()` and
// `Pool` with `poolQueryViaFetch` call. Request and response shapes follow
// Neon's proxy (sql_over_http.rs) closely enough that the driver cannot tell.

import type { IncomingMessage, ServerResponse } from 'node:http';
import net from 'node:net';
import pg from 'pg';
import type { SessionSlots } from './sessions.ts';
import { PoolUnavailable, SqlPools, type Lease } from './sql-pool.ts';
import { sqlTargetOf, TargetError, type SqlTarget } from './sql-target.ts';
import type { ProxyStats } from './stats.ts';
import type { TargetPolicy } from './targets.ts';
import { pgTextToJson } from './pg-text-json.ts';
import { errorView, type LogGroup, type QueryLog } from './query-log.ts';
import { RESET_SESSION } from './session-reset.ts';

// Neon's HttpConfig defaults: max_request_size_bytes and max_response_size_bytes, both 10 MiB.
const MAX_BODY_BYTES = 10 * 1024 * 1024; // Neon answers 413 past its own limit
export const MAX_RESPONSE_BYTES = 10 * 1024 * 1024; // Neon answers 507 past it (sql_over_http.rs, ResponseTooLarge)


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
  /** Per query, overrides Neon-Array-Mode (Neon's QueryData.array_mode). */
  arrayMode?: boolean;
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
  return (
    typeof q.query === 'string' &&
    (q.params === undefined || Array.isArray(q.params)) &&
    (q.arrayMode === undefined || q.arrayMode === null || typeof q.arrayMode === 'boolean')
  );
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

/** Rows as Neon sends them without Neon-Raw-Text-Output (pg-text-json.ts). */
function toJsonRow(row: unknown, fields: pg.FieldDef[], arrayMode: boolean): unknown {
  const convert = (value: unknown, i: number) => (value === null ? null : pgTextToJson(value as string, fields[i].dataTypeID));
  if (arrayMode) return (row as unknown[]).map(convert);
  const out: Record<string, unknown> = {};
  fields.forEach((f, i) => (out[f.name] = convert((row as Record<string, unknown>)[f.name], i)));
  return out;
}

/** The response's rows so far, against Neon's cap: 507 past it, as Neon answers. */
class ResponseBudget {
  private used = 0;
  private readonly max: number;
  constructor(max: number) {
    this.max = max;
  }
  spend(rows: unknown[]): void {
    for (const row of rows) {
      this.used += JSON.stringify(row).length + 1;
      if (this.used > this.max) throw new HttpError(507, `response is too large (max is ${this.max} bytes)`);
    }
  }
}

/** Asks Postgres to cancel what `client` runs now (a CancelRequest on a new connection), as Neon does. */
function cancelQuery(target: SqlTarget, client: pg.Client): void {
  const { processID, secretKey } = client as unknown as { processID: number | null; secretKey: number | null };
  if (processID === null || secretKey === null) return;
  const message = Buffer.alloc(16);
  message.writeInt32BE(16, 0);
  message.writeInt32BE(80877102, 4);
  message.writeInt32BE(processID, 8);
  message.writeInt32BE(secretKey, 12);
  const socket = net.connect(target.port, target.host, () => socket.end(message));
  socket.on('error', () => {});
  socket.setTimeout(5_000, () => socket.destroy());
}

/** True when the session is back to a fresh connection's state (RESET_SESSION); false: end it. */
async function resetSession(client: pg.Client): Promise<boolean> {
  try {
    await client.query(RESET_SESSION);
    return true;
  } catch {
    return false;
  }
}

export interface SqlOverHttpOptions {
  policy: TargetPolicy;
  stats: ProxyStats;
  /** The session cap, shared with the WebSocket relay: every connection the /sql pools hold takes a slot. */
  slots: SessionSlots;
  /** Time a client has to send its whole request body (408 after). */
  bodyTimeoutMs?: number;
  /** Where each request's statements are reported (the explorer). */
  log?: QueryLog;
}

export function createSqlOverHttp({ policy, stats, slots, bodyTimeoutMs = 10_000, log }: SqlOverHttpOptions) {
  const pools = new SqlPools({ slots, stats });

  /** A connection to the request's target; 503 past the cap. */
  async function connect(target: SqlTarget): Promise<Lease> {
    try {
      return await pools.acquire(target);
    } catch (err) {
      if (err instanceof PoolUnavailable) throw new HttpError(err.status, err.message);
      throw err;
    }
  }

  async function run(client: pg.Client, q: SqlQuery, defaultArrayMode: boolean, rawTextOutput: boolean, budget: ResponseBudget, observed?: LogGroup) {
    stats.httpQueries++;
    const statement = observed?.statement(q.query, q.params ?? []);
    const arrayMode = q.arrayMode ?? defaultArrayMode;
    const result = await client.query({
      text: q.query,
      values: (q.params ?? []).map(toParam),
      rowMode: arrayMode ? 'array' : undefined,
      // Always Postgres' text; without Neon-Raw-Text-Output only what Neon turns into JSON is converted.
      types: rawText,
      // Neon always uses the extended protocol: one statement per query.
      queryMode: 'extended',
    } as pg.QueryConfig).catch((err: unknown) => {
      statement?.fail(errorView(err));
      throw err;
    });
    statement?.finish({ command: result.command, rows: result.rowCount ?? undefined });
    const fields = result.fields.map((f) => ({
      name: f.name,
      dataTypeID: f.dataTypeID,
      tableID: f.tableID,
      columnID: f.columnID,
      dataTypeSize: f.dataTypeSize,
      dataTypeModifier: f.dataTypeModifier,
      format: 'text',
    }));
    const rows = rawTextOutput ? result.rows : result.rows.map((row) => toJsonRow(row, result.fields, arrayMode));
    budget.spend(rows);
    return { command: result.command, rowCount: result.rowCount ?? null, rows, fields, rowAsArray: arrayMode };
  }

  function beginStatement(req: IncomingMessage): string {
    const header = req.headers['neon-batch-isolation-level'];
    let sql = 'begin';
    if (header !== undefined) {
      const level = ISOLATION_LEVELS[String(header)];
      if (!level) throw new HttpError(400, 'invalid isolation level'); // Neon: InvalidIsolationLevel, 400
      sql += ` isolation level ${level}`;
    }
    if (req.headers['neon-batch-read-only'] === 'true') sql += ' read only';
    if (req.headers['neon-batch-deferrable'] === 'true') sql += ' deferrable';
    return sql;
  }

  /** Neon echoes the batch's transaction settings in the response headers. */
  function batchHeaders(req: IncomingMessage): Record<string, string> {
    const headers: Record<string, string> = {};
    if (req.headers['neon-batch-read-only'] === 'true') headers['Neon-Batch-Read-Only'] = 'true';
    if (req.headers['neon-batch-deferrable'] === 'true') headers['Neon-Batch-Deferrable'] = 'true';
    const level = req.headers['neon-batch-isolation-level'];
    if (typeof level === 'string') headers['Neon-Batch-Isolation-Level'] = level;
    return headers;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    stats.httpRequests++;
    const connectionString = req.headers['neon-connection-string'];
    if (typeof connectionString !== 'string' || connectionString === '') {
      throw new HttpError(400, 'missing Neon-Connection-String header');
    }
    const target = targetOf(connectionString);
    const batch = beginStatement(req); // a bad isolation level is refused before anything runs
    const payload = parsePayload(await readBody(req, bodyTimeoutMs));
    const arrayMode = req.headers['neon-array-mode'] === 'true';
    const rawTextOutput = req.headers['neon-raw-text-output'] === 'true';
    const budget = new ResponseBudget(MAX_RESPONSE_BYTES);
    const observed = log?.openGroup('http', { user: target.user, database: target.database, batch: payload.batch !== undefined });
    const lease = await connect(target).catch((err: unknown) => {
      observed?.end(err);
      throw err;
    });
    const { client } = lease;
    // Like Neon, a client that goes away takes its query with it: the query is cancelled, and the
    // connection is not reused (a late cancel must not hit the next request's query).
    let cancelled = false;
    const onGone = () => {
      if (res.writableFinished) return;
      cancelled = true;
      cancelQuery(target, client);
    };
    res.once('close', onGone);
    let broken = false;
    try {
      if (payload.single) {
        send(res, 200, await run(client, payload.single, arrayMode, rawTextOutput, budget, observed));
        return;
      }
      await client.query(batch);
      try {
        const results = [];
        for (const q of payload.batch ?? []) results.push(await run(client, q, arrayMode, rawTextOutput, budget, observed));
        await client.query('commit');
        send(res, 200, { results }, batchHeaders(req));
      } catch (err) {
        await client.query('rollback').catch(() => (broken = true));
        throw err;
      }
    } catch (err) {
      // Never hand a dead connection to the next request.
      if (!(err instanceof HttpError) && (!isPostgresError(err) || endsSession(err))) broken = true;
      throw err;
    } finally {
      res.off('close', onGone);
      observed?.end();
      if (cancelled) broken = true;
      if (!broken) broken = !(await resetSession(client));
      lease.release(broken);
    }
  }

  function targetOf(connectionString: string): SqlTarget {
    try {
      return sqlTargetOf(connectionString, policy);
    } catch (err) {
      if (err instanceof TargetError) throw new HttpError(400, err.message);
      throw err;
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
