// The ways an application reaches Postgres, behind one small interface so that
// the conformance scenarios run unchanged against each:
//
//   pg-tcp         node-postgres straight to PostgreSQL: the reference
//   neon-ws        the Neon driver's Client/Pool through the proxy's WebSocket relay
//   neon-http      the Neon driver's neon() through the proxy's /sql
//   embedded-ws    the same as neon-ws, in front of the embedded database (PGlite)
//   embedded-http  the same as neon-http, in front of the embedded database
//
// Results are compared as the drivers hand them to the application (parsed
// values), normalised only where the JavaScript class of a value is not the
// database's business (see normalise()).

import { Client as NeonClient, neon, Pool as NeonPool } from '@neondatabase/serverless';
import pg from 'pg';

export type TargetName = 'pg-tcp' | 'neon-ws' | 'neon-http' | 'embedded-ws' | 'embedded-http';

export interface Field {
  name: string;
  dataTypeID: number;
}
export interface Result {
  rows: Record<string, unknown>[];
  fields: Field[];
}
export interface BatchOptions {
  isolationLevel?: 'ReadUncommitted' | 'ReadCommitted' | 'RepeatableRead' | 'Serializable';
  readOnly?: boolean;
  deferrable?: boolean;
}
export type Statement = [text: string, params?: unknown[]];

/** A connection that holds a session (pg and the WebSocket); HTTP has none. */
export interface Session {
  query(text: string, params?: unknown[]): Promise<Result>;
  /** Listens on `channel`; notifications go to `onNotify`. */
  onNotification(each: (n: { channel: string; payload?: string }) => void): void;
  onNotice(each: (n: { message?: string; code?: string; severity?: string }) => void): void;
  /** Asks the server to cancel what this session runs now (a CancelRequest on a new connection). */
  cancel(): void;
  end(): Promise<void>;
}

export interface Target {
  readonly name: TargetName;
  readonly url: string;
  readonly embedded: boolean;
  query(text: string, params?: unknown[], signal?: AbortSignal): Promise<Result>;
  /** One transaction: all statements or none, with the given characteristics. */
  batch(statements: Statement[], options?: BatchOptions): Promise<Result[]>;
  /** A session, or undefined over HTTP. */
  session(): Promise<Session | undefined>;
  /** `n` queries at once through the target's pool (or concurrent HTTP requests). */
  concurrently<T>(n: number, text: string, params: (i: number) => unknown[], pick: (r: Result) => T): Promise<T[]>;
  close(): Promise<void>;
}

const levelSql: Record<NonNullable<BatchOptions['isolationLevel']>, string> = {
  ReadUncommitted: 'read uncommitted',
  ReadCommitted: 'read committed',
  RepeatableRead: 'repeatable read',
  Serializable: 'serializable',
};

/** BEGIN with the characteristics neon()'s transaction() asks /sql for. */
export function beginSql(options: BatchOptions = {}): string {
  const parts = ['begin'];
  if (options.isolationLevel) parts.push(`isolation level ${levelSql[options.isolationLevel]}`);
  if (options.readOnly !== undefined) parts.push(options.readOnly ? 'read only' : 'read write');
  if (options.deferrable !== undefined) parts.push(options.deferrable ? 'deferrable' : 'not deferrable');
  return parts.join(' ');
}

type PgLikeClient = pg.Client;
type PgLikeResult = { rows: Record<string, unknown>[]; fields: { name: string; dataTypeID: number }[] };

const toResult = (r: PgLikeResult): Result => ({ rows: r.rows, fields: r.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })) });

/** A session over a pg-compatible client (node-postgres or the Neon driver's Client). */
function pgSession(client: PgLikeClient, canceller: () => { cancel(c: unknown, q: unknown): void }): Session {
  return {
    query: async (text, params) => toResult((await client.query(text, params)) as unknown as PgLikeResult),
    onNotification: (each) => client.on('notification', each),
    onNotice: (each) => client.on('notice', each as (n: unknown) => void),
    cancel: () => {
      const active = (client as unknown as { activeQuery: unknown }).activeQuery;
      canceller().cancel(client, active);
    },
    end: () => client.end(),
  };
}

async function batchOnSession(session: Session, statements: Statement[], options?: BatchOptions): Promise<Result[]> {
  await session.query(beginSql(options));
  try {
    const results: Result[] = [];
    for (const [text, params] of statements) results.push(await session.query(text, params));
    await session.query('commit');
    return results;
  } catch (err) {
    await session.query('rollback');
    throw err;
  }
}

function sessionTarget(
  name: TargetName,
  url: string,
  embedded: boolean,
  makeClient: () => PgLikeClient,
  makePool: (max: number) => { query(text: string, params: unknown[]): Promise<unknown>; end(): Promise<void> },
): Target {
  const open = async () => {
    const client = makeClient();
    await client.connect();
    return pgSession(client, () => makeClient() as unknown as { cancel(c: unknown, q: unknown): void });
  };
  const withSession = async <T>(run: (s: Session) => Promise<T>): Promise<T> => {
    const s = await open();
    try {
      return await run(s);
    } finally {
      await s.end();
    }
  };
  return {
    name,
    url,
    embedded,
    query: (text, params) => withSession((s) => s.query(text, params)),
    batch: (statements, options) => withSession((s) => batchOnSession(s, statements, options)),
    session: open,
    async concurrently(n, text, params, pick) {
      const pool = makePool(n);
      try {
        return await Promise.all(Array.from({ length: n }, async (_, i) => pick(toResult((await pool.query(text, params(i))) as PgLikeResult))));
      } finally {
        await pool.end();
      }
    },
    close: async () => {},
  };
}

function httpTarget(name: TargetName, url: string, embedded: boolean): Target {
  const sql = neon(url, { fullResults: true });
  return {
    name,
    url,
    embedded,
    query: async (text, params = [], signal) =>
      toResult((await sql.query(text, params, signal ? { fetchOptions: { signal } } : {})) as unknown as PgLikeResult),
    async batch(statements, options) {
      const results = await sql.transaction(
        statements.map(([text, params = []]) => sql.query(text, params)),
        options,
      );
      return (results as unknown as PgLikeResult[]).map(toResult);
    },
    session: async () => undefined,
    concurrently: (n, text, params, pick) =>
      Promise.all(Array.from({ length: n }, async (_, i) => pick(toResult((await sql.query(text, params(i))) as unknown as PgLikeResult)))),
    close: async () => {},
  };
}

/** The target `name` reaching `url` (the same kind of client, another database, user or setting). */
export function makeTarget(name: TargetName, url: string): Target {
  const embedded = name.startsWith('embedded');
  if (name.endsWith('http')) return httpTarget(name, url, embedded);
  if (name === 'pg-tcp')
    return sessionTarget(
      name,
      url,
      false,
      () => new pg.Client(url),
      (max) => new pg.Pool({ connectionString: url, max }),
    );
  return sessionTarget(
    name,
    url,
    embedded,
    () => new NeonClient(url) as unknown as PgLikeClient,
    (max) => new NeonPool({ connectionString: url, max }),
  );
}

export function makeTargets(postgresUrl: string, embeddedUrl: string): Record<TargetName, Target> {
  const names: TargetName[] = ['pg-tcp', 'neon-ws', 'neon-http', 'embedded-ws', 'embedded-http'];
  return Object.fromEntries(names.map((name) => [name, makeTarget(name, name.startsWith('embedded') ? embeddedUrl : postgresUrl)])) as Record<
    TargetName,
    Target
  >;
}

/**
 * A value as the application sees it, with the JavaScript class made part of
 * it (a Date and its ISO string must not compare equal), and bytes as hex
 * whether the driver handed a Buffer or a Uint8Array.
 */
export function normalise(value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (value instanceof Date) return { Date: Number.isNaN(value.getTime()) ? 'Invalid' : value.toISOString() };
  if (value instanceof Uint8Array) return { bytes: Buffer.from(value).toString('hex') };
  if (Array.isArray(value)) return value.map(normalise);
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
    if (proto && proto !== Object.prototype) out.class = proto.constructor?.name;
    for (const [k, v] of Object.entries(value)) out[k] = normalise(v);
    return out;
  }
  return value;
}

/** The fields of a Postgres error the application can read, as strings (or undefined). */
export const ERROR_FIELDS = ['code', 'message', 'severity', 'detail', 'hint', 'position', 'schema', 'table', 'column', 'dataType', 'constraint'] as const;

export function errorFields(err: unknown): Record<string, unknown> {
  const e = err as Record<string, unknown>;
  return Object.fromEntries(ERROR_FIELDS.map((k) => [k, e[k] ?? undefined]));
}

export async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}
