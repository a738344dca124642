// The HTTP half of the proxy: Neon's `POST /sql` endpoint, which `neon()` and
// `Pool` with `poolQueryViaFetch` call. Request and response shapes follow
// Neon's proxy (sql_over_http.rs) closely enough that the driver cannot tell.

import type { EventEmitter } from 'node:events';
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
import { endsSession } from './pg-errors.ts';

// Neon's HttpConfig defaults: max_request_size_bytes and max_response_size_bytes, both 10 MiB.
const MAX_BODY_BYTES = 10 * 1024 * 1024; // Neon answers 413 past its own limit
export const MAX_RESPONSE_BYTES = 10 * 1024 * 1024; // Neon answers 507 past it (sql_over_http.rs, ResponseTooLarge)
/**
 * Rows held at once by all /sql requests together (each holds at most
 * MAX_RESPONSE_BYTES): past it a request gets 503 rather than the proxy
 * running out of memory. Stated in the README.
 */
export const MAX_HELD_RESPONSE_BYTES = 64 * 1024 * 1024;
// Bytes read from Postgres for one request before it is stopped whatever the rows come to: a single
// huge row is read whole before it can be measured, so the socket is watched too. Text on the wire is
// never much bigger than its JSON (empty strings: 4 bytes against 3), hence the margin.
const MAX_WIRE_BYTES = 2 * MAX_RESPONSE_BYTES;
// Postgres arrays have at most 6 dimensions (MAXDIM); JSON objects are sent as text, to this depth.
const MAX_PARAM_DEPTH = 64;

/** What /sql refuses of Postgres' COPY: Neon's /sql has no COPY sub-protocol. */
export const COPY_REFUSED =
  "COPY ... FROM STDIN and COPY ... TO STDOUT are not supported over HTTP (Neon's /sql has no COPY sub-protocol): use INSERT or SELECT, or a Client or Pool over WebSocket";

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
  'severity',
  'code',
  'detail',
  'hint',
  'position',
  'internalPosition',
  'internalQuery',
  'where',
  'schema',
  'table',
  'column',
  'dataType',
  'constraint',
  'file',
  'line',
  'routine',
] as const;

interface SqlQuery {
  query: string;
  params?: unknown[];
  /** Per query, overrides Neon-Array-Mode (Neon's QueryData.array_mode). */
  arrayMode?: boolean;
}

class HttpError extends Error {
  readonly status: number;
  /** Postgres error fields to answer with (Neon's error shape), when it stands for one. */
  readonly fields: Record<string, string> | undefined;
  constructor(status: number, message: string, fields?: Record<string, string>) {
    super(message);
    this.status = status;
    this.fields = fields;
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
    const timer = setTimeout(() => done(new HttpError(408, `request body not received within ${timeoutMs} ms`)), timeoutMs);
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
  } catch (err) {
    if (err instanceof RangeError) throw new HttpError(400, 'request body is nested too deeply');
    throw new HttpError(400, 'request body is not valid JSON');
  }
  if (isQuery(json)) {
    checkParams(json, 'params');
    return { single: json };
  }
  const queries = (json as { queries?: unknown } | null)?.queries;
  if (Array.isArray(queries) && queries.every(isQuery)) {
    queries.forEach((q, i) => checkParams(q, `queries[${i}].params`));
    return { batch: queries };
  }
  throw new HttpError(400, 'request body must be {"query": string, "params": [...]} or {"queries": [...]}');
}

/**
 * Refuses parameters nested deeper than Postgres can take (arrays: 6
 * dimensions) or than is sane for a JSON value, before anything recurses into
 * them: 400 naming the parameter.
 */
function checkParams(q: SqlQuery, where: string): void {
  (q.params ?? []).forEach((param, i) => {
    const depth = { array: 0, any: 0 };
    // Iterative, so no depth can overflow the stack here.
    const stack: Array<[unknown, number, boolean]> = [[param, 0, true]];
    while (stack.length) {
      const [value, level, arrayPath] = stack.pop()!;
      if (typeof value !== 'object' || value === null) continue;
      const isArray = Array.isArray(value);
      depth.any = Math.max(depth.any, level + 1);
      if (isArray && arrayPath) depth.array = Math.max(depth.array, level + 1);
      if (depth.any > MAX_PARAM_DEPTH) {
        throw new HttpError(400, `${where}[${i}] is nested more than ${MAX_PARAM_DEPTH} levels deep`);
      }
      for (const child of Object.values(value)) stack.push([child, level + 1, isArray && arrayPath]);
    }
    if (depth.array > 6) {
      throw new HttpError(400, `${where}[${i}] is an array nested ${depth.array} levels deep: Postgres arrays have at most 6 dimensions`);
    }
  });
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

/** Rows as Neon sends them without Neon-Raw-Text-Output (pg-text-json.ts). */
function toJsonRow(row: unknown, fields: pg.FieldDef[], arrayMode: boolean): unknown {
  const convert = (value: unknown, i: number) => (value === null ? null : pgTextToJson(value as string, fields[i].dataTypeID));
  if (arrayMode) return (row as unknown[]).map(convert);
  const out: Record<string, unknown> = {};
  fields.forEach((f, i) => (out[f.name] = convert((row as Record<string, unknown>)[f.name], i)));
  return out;
}

/** Bytes of rows held by all /sql requests now, against MAX_HELD_RESPONSE_BYTES. */
class HeldRows {
  used = 0;
  readonly max: number;
  constructor(max: number) {
    this.max = max;
  }
}

/** One response's rows so far: Neon's cap per response (507), and the proxy's across responses (503). */
class ResponseBudget {
  private used = 0;
  private readonly max: number;
  private readonly held: HeldRows;
  constructor(max: number, held: HeldRows) {
    this.max = max;
    this.held = held;
  }
  /** Counts `row` (as it will be in the JSON); an HttpError when it does not fit. */
  spend(row: unknown): HttpError | undefined {
    const size = JSON.stringify(row).length + 1;
    if (this.used + size > this.max) return new HttpError(507, `response is too large (max is ${this.max} bytes)`);
    if (this.held.used + size > this.held.max) {
      return new HttpError(
        503,
        `neon-on-localhost: /sql responses in progress already hold ${this.held.max} bytes of rows, its limit across requests: retry, or fetch fewer rows at once`,
      );
    }
    this.used += size;
    this.held.used += size;
    return undefined;
  }
  /** The request is over: its rows no longer count. */
  release(): void {
    this.held.used -= this.used;
    this.used = 0;
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

/** The parts of pg's connection that /sql watches (not in pg's types). */
interface PgConnection extends EventEmitter {
  stream: net.Socket;
  sync(): void;
}
const connectionOf = (client: pg.Client) => (client as unknown as { connection: PgConnection }).connection;

/**
 * One request's use of its connection, while it runs: what Postgres sends is
 * watched (bytes read, COPY), and the request can be stopped early, with the
 * answer it then gets.
 */
class Inflight {
  /** Answered instead of the statement's own outcome. */
  reason: HttpError | undefined;
  /** The connection must not go back to the pool. */
  broken = false;
  private readonly target: SqlTarget;
  private readonly client: pg.Client;
  private wireBytes = 0;

  constructor(target: SqlTarget, client: pg.Client) {
    this.target = target;
    this.client = client;
  }

  watch(): void {
    const connection = connectionOf(this.client);
    connection.stream.on('data', this.onData);
    connection.on('copyInResponse', this.onCopyIn);
    connection.on('copyOutResponse', this.onCopyOut);
  }

  unwatch(): void {
    const connection = connectionOf(this.client);
    connection.stream.off('data', this.onData);
    connection.off('copyInResponse', this.onCopyIn);
    connection.off('copyOutResponse', this.onCopyOut);
  }

  /** Cancels the statement and drops the connection now: nothing more is read from it. */
  drop(reason?: HttpError): void {
    this.reason ??= reason;
    if (this.broken && connectionOf(this.client).stream.destroyed) return;
    this.broken = true;
    cancelQuery(this.target, this.client);
    connectionOf(this.client).stream.destroy();
  }

  private readonly onData = (chunk: Buffer): void => {
    this.wireBytes += chunk.length;
    if (this.wireBytes > MAX_WIRE_BYTES) this.drop(new HttpError(507, `response is too large (max is ${MAX_RESPONSE_BYTES} bytes)`));
  };

  // COPY FROM STDIN: pg answers CopyFail by itself, but under the extended protocol Postgres then
  // waits for a Sync that pg already sent (ignored during COPY): send one more, and the statement
  // fails at once, leaving the connection usable.
  private readonly onCopyIn = (): void => {
    this.reason ??= copyRefused();
    connectionOf(this.client).sync();
  };

  // COPY TO STDOUT: pg would drop the data and report success with no rows; stop it instead.
  private readonly onCopyOut = (): void => {
    this.reason ??= copyRefused();
    this.broken = true; // the cancel may land after the statement: never on the next request's
    cancelQuery(this.target, this.client);
  };
}

/** A Postgres-shaped 400, so the driver throws a NeonDbError with code 0A000 (feature not supported). */
function copyRefused(): HttpError {
  return new HttpError(400, COPY_REFUSED, { severity: 'ERROR', code: '0A000' });
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
  const held = new HeldRows(MAX_HELD_RESPONSE_BYTES);

  /** A connection to the request's target; 503 past the cap. */
  async function connect(target: SqlTarget): Promise<Lease> {
    try {
      return await pools.acquire(target);
    } catch (err) {
      if (err instanceof PoolUnavailable) throw new HttpError(err.status, err.message);
      throw err;
    }
  }

  /** One statement, its rows counted as they arrive (and converted unless Neon-Raw-Text-Output). */
  async function run(
    client: pg.Client,
    q: SqlQuery,
    defaultArrayMode: boolean,
    rawTextOutput: boolean,
    budget: ResponseBudget,
    inflight: Inflight,
    observed?: LogGroup,
  ) {
    stats.httpQueries++;
    const statement = observed?.statement(q.query, q.params ?? []);
    const arrayMode = q.arrayMode ?? defaultArrayMode;
    const rows: unknown[] = [];
    const query = new pg.Query({
      text: q.query,
      values: (q.params ?? []).map(toParam),
      rowMode: arrayMode ? 'array' : undefined,
      // Always Postgres' text; without Neon-Raw-Text-Output only what Neon turns into JSON is converted.
      types: rawText,
      // Neon always uses the extended protocol: one statement per query.
      queryMode: 'extended',
    } as pg.QueryConfig);
    // With a row listener pg keeps no rows itself: each is measured, and kept only if it fits.
    query.on('row', (row: unknown, result?: pg.ResultBuilder) => {
      if (inflight.reason) return;
      const out = rawTextOutput ? row : toJsonRow(row, result?.fields ?? [], arrayMode);
      const refused = budget.spend(out);
      if (refused) inflight.drop(refused);
      else rows.push(out);
    });
    const result = await new Promise<pg.ResultBuilder>((resolve, reject) => {
      query.on('end', resolve);
      query.on('error', reject);
      client.query(query);
    }).catch((err: unknown) => {
      const failure = inflight.reason ?? err;
      statement?.fail(errorView(failure));
      throw failure;
    });
    if (inflight.reason) {
      statement?.fail(errorView(inflight.reason));
      throw inflight.reason;
    }
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
    const budget = new ResponseBudget(MAX_RESPONSE_BYTES, held);
    const observed = log?.openGroup('http', { user: target.user, database: target.database, batch: payload.batch !== undefined });
    const lease = await connect(target).catch((err: unknown) => {
      budget.release();
      observed?.end(err);
      throw err;
    });
    const { client } = lease;
    const inflight = new Inflight(target, client);
    // Like Neon, a client that goes away takes its query with it: the query is cancelled and the
    // connection dropped at once, so its session slot comes back now and a late cancel never hits
    // the next request's query.
    const onGone = () => {
      if (!res.writableFinished) inflight.drop();
    };
    res.once('close', onGone);
    inflight.watch();
    try {
      if (payload.single) {
        send(res, 200, await run(client, payload.single, arrayMode, rawTextOutput, budget, inflight, observed));
        return;
      }
      await client.query(batch);
      try {
        const results = [];
        for (const q of payload.batch ?? []) results.push(await run(client, q, arrayMode, rawTextOutput, budget, inflight, observed));
        await client.query('commit');
        send(res, 200, { results }, batchHeaders(req));
      } catch (err) {
        await client.query('rollback').catch(() => (inflight.broken = true));
        throw err;
      }
    } catch (err) {
      // Never hand a dead connection to the next request.
      if (!(err instanceof HttpError) && (!isPostgresError(err) || endsSession(err))) inflight.broken = true;
      throw inflight.reason ?? err;
    } finally {
      res.off('close', onGone);
      observed?.end();
      inflight.unwatch();
      budget.release();
      lease.answered();
      let broken = inflight.broken;
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
          send(res, err.status, err.fields ? errorBody(Object.assign(err, err.fields)) : { message: err.message }, hangUp ? { Connection: 'close' } : {});
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
