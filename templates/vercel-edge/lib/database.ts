// What every function needs: DATABASE_URL, the driver pointed at the local
// proxy when that URL is on this machine, and JSON answers that never carry a
// stack trace or a connection string.

import { neonConfig } from '@neondatabase/serverless';
import { configureNeonDriver } from './local-dev';
import { errorMessage } from './redact';

// Vercel sets process.env in both runtimes; so do workerd (nodejs_compat) and
// the local edge-runtime server.
function env(): Record<string, string | undefined> {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers: { 'Cache-Control': 'no-store', ...headers } });
}

/** DATABASE_URL, with the driver configured for it; or the 503 to return. */
export function connectionString(): string | Response {
  const url = env().DATABASE_URL;
  if (!url) {
    return json({ error: 'DATABASE_URL is not set: add it to .env.local locally, or run `npx vercel env add DATABASE_URL production`' }, 503);
  }
  configureNeonDriver(neonConfig, env());
  return url;
}

/** Logs why for the operator (redacted: the driver's own messages may quote
 * DATABASE_URL, password included); tells the caller only that the database is unavailable. */
export function databaseUnavailable(err: unknown): Response {
  console.error('database error:', errorMessage(err, env().DATABASE_URL));
  return json({ error: 'database unavailable' }, 503);
}

export function onlyGet(request: Request): Response | undefined {
  return request.method === 'GET' ? undefined : json({ error: 'method not allowed: use GET' }, 405, { Allow: 'GET' });
}

/** For a function that takes only GET and needs the database: DATABASE_URL, or the response to return. */
export function databaseForGet(request: Request): string | Response {
  return onlyGet(request) ?? connectionString();
}

// Fail fast when the database is unreachable instead of holding the request.
export const CONNECT_TIMEOUT_MS = 5_000;
