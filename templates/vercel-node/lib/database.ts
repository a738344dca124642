// One pg Pool per function instance. With Fluid compute an instance serves
// many requests at once and lives between them, so connections are reused;
// attachDatabasePool tells Vercel about the pool, so a suspended instance
// first lets idle connections close instead of leaking them. On Vercel use
// Neon's pooled (-pooler) connection string: many instances, one PgBouncer.

import { attachDatabasePool } from '@vercel/functions';
import pg from 'pg';
import { errorMessage } from './redact.js';

// Fail fast when the database is unreachable instead of holding the request.
const CONNECT_TIMEOUT_MS = 5_000;

let pool: pg.Pool | undefined;

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers: { 'Cache-Control': 'no-store', ...headers } });
}

/** This instance's pool, created on first use; or the 503 to return without DATABASE_URL. */
export function database(): pg.Pool | Response {
  const url = process.env.DATABASE_URL;
  if (!url) {
    return json({ error: 'DATABASE_URL is not set: add it to .env.local locally, or run `npx vercel env add DATABASE_URL production`' }, 503);
  }
  if (!pool) {
    pool = new pg.Pool({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    // An idle connection dropped by the server (restart, outage) is removed from
    // the pool by pg; without a listener the error would end the process.
    pool.on('error', (err) => console.error('idle database connection lost:', errorMessage(err, url)));
    attachDatabasePool(pool);
  }
  return pool;
}

/** Logs why for the operator (redacted: the driver's messages may quote
 * DATABASE_URL); tells the caller only that the database is unavailable. */
export function databaseUnavailable(err: unknown): Response {
  console.error('database error:', errorMessage(err, process.env.DATABASE_URL));
  return json({ error: 'database unavailable' }, 503);
}
