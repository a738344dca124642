// A Cloudflare Worker querying Postgres through Neon's serverless driver.
//
//   GET /      select now() with a WebSocket Client (the driver's pg-compatible session)
//   GET /http  the same one-shot query over HTTP with neon(): fewer round trips
//   GET /tx    a Pool transaction with client-side logic between two statements
//
// Workers cannot keep a connection between requests: every Client and Pool is
// created inside the request and closed with ctx.waitUntil(), which lets the
// response go out first.

import { Client, Pool, neon, neonConfig } from '@neondatabase/serverless';
import { configureNeonDriver } from './local-dev.ts';
import { errorMessage } from './redact.ts';
import { transactionDemo } from './transaction.ts';

export interface Env {
  DATABASE_URL: string;
}

// Fail fast when the database is unreachable instead of holding the request.
const CONNECT_TIMEOUT_MS = 5_000;

/** GET / — the example from Neon's announcement of the driver. */
async function nowOverWebSocket(env: Env, ctx: ExecutionContext) {
  const client = new Client({ connectionString: env.DATABASE_URL, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on('error', () => {}); // a dropped socket after the answer is not this request's failure
  await client.connect();
  try {
    const { rows } = await client.query<{ now: Date }>('select now()');
    return { now: rows[0].now, via: 'websocket' };
  } finally {
    ctx.waitUntil(client.end());
  }
}

/** GET /http — one query, one HTTP request: the fastest path for one-shot queries. */
async function nowOverHttp(env: Env) {
  const sql = neon(env.DATABASE_URL);
  const rows = await sql`select now()`;
  return { now: rows[0].now as Date, via: 'http' };
}

/** GET /tx — a session: a Pool transaction (see transaction.ts). */
async function transaction(env: Env, ctx: ExecutionContext) {
  const pool = new Pool({ connectionString: env.DATABASE_URL, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  pool.on('error', () => {});
  try {
    const client = await pool.connect();
    try {
      return { ...(await transactionDemo(client)), via: 'websocket pool' };
    } finally {
      client.release();
    }
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
      console.error('database error:', errorMessage(err, env.DATABASE_URL));
      return json({ error: 'database unavailable' }, 503);
    }
  },
} satisfies ExportedHandler<Env>;
