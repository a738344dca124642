// A Cloudflare Worker querying Postgres with Drizzle ORM on Neon's serverless driver.
//
//   GET /      select now() on a WebSocket Client (neon-serverless: a session)
//   GET /http  the same one-shot query over HTTP (neon-http): fewer round trips
//   GET /tx    db.transaction() on a Pool, with client-side logic between two statements
//
// Workers cannot keep a connection between requests: every Client and Pool is
// created inside the request and closed with ctx.waitUntil(), which lets the
// response go out first. The tables are in src/db/schema.ts.

import { Client, Pool, neonConfig } from '@neondatabase/serverless';
import { sql } from 'drizzle-orm';
import { driverError, httpDb, sessionDb } from './db/index.ts';
import { configureNeonDriver } from './local-dev.ts';
import { errorMessage } from './redact.ts';
import { transactionDemo } from './transaction.ts';

export interface Env {
  DATABASE_URL: string;
}

// Fail fast when the database is unreachable instead of holding the request.
const CONNECT_TIMEOUT_MS = 5_000;

/** GET / — select now() on a session of its own: a WebSocket Client. */
async function nowOverWebSocket(env: Env, ctx: ExecutionContext) {
  const client = new Client({ connectionString: env.DATABASE_URL, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on('error', () => {}); // a dropped socket after the answer is not this request's failure
  await client.connect();
  try {
    const { rows } = await sessionDb(client).execute<{ now: string }>(sql`select now()`);
    // Drizzle hands timestamps over as Postgres writes them; as a Date the answer is an ISO string.
    return { now: new Date(rows[0].now), via: 'websocket' };
  } finally {
    ctx.waitUntil(client.end());
  }
}

/** GET /http — one query, one HTTP request: the fastest path for one-shot queries. */
async function nowOverHttp(env: Env) {
  const { rows } = await httpDb(env.DATABASE_URL).execute<{ now: string }>(sql`select now()`);
  return { now: new Date(rows[0].now), via: 'http' };
}

/** GET /tx — a session: db.transaction() on a Pool's connection (see transaction.ts). */
async function transaction(env: Env, ctx: ExecutionContext) {
  const pool = new Pool({ connectionString: env.DATABASE_URL, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  pool.on('error', () => {});
  try {
    return { ...(await sessionDb(pool).transaction(transactionDemo)), via: 'websocket pool' };
  } finally {
    ctx.waitUntil(pool.end());
  }
}

function json(body: unknown, status = 200): Response {
  return Response.json(body, { status, headers: { 'Cache-Control': 'no-store' } });
}

const routes: Record<string, (env: Env, ctx: ExecutionContext) => Promise<unknown>> = {
  '/': nowOverWebSocket,
  '/http': nowOverHttp,
  '/tx': transaction,
};

export default {
  async fetch(request, env, ctx): Promise<Response> {
    const route = routes[new URL(request.url).pathname];
    if (!route) return json({ error: 'not found', routes: Object.keys(routes) }, 404);
    if (request.method !== 'GET') return json({ error: 'method not allowed: use GET' }, 405);
    if (!env.DATABASE_URL) {
      return json({ error: 'DATABASE_URL is not set: add it to .dev.vars locally, or run `wrangler secret put DATABASE_URL`' }, 503);
    }
    // On this machine the driver talks to the local proxy; anywhere else this does nothing.
    configureNeonDriver(neonConfig, env);
    try {
      return json(await route(env, ctx));
    } catch (err) {
      // Log the reason for the operator (without the password, which the
      // driver's own messages may quote); answer the caller without stack or secrets.
      console.error('database error:', errorMessage(driverError(err), env.DATABASE_URL));
      return json({ error: 'database unavailable' }, 503);
    }
  },
} satisfies ExportedHandler<Env>;
