// A Cloudflare Worker (Hono) querying Postgres with node-postgres (pg) through
// a Hyperdrive binding: Cloudflare's and Neon's recommendation for TCP drivers.
//
//   GET /    select now()
//   GET /tx  a transaction with client-side logic between two statements
//
// Hyperdrive keeps a pool of connections to the database near it and hands the
// Worker a connection string that reaches that pool; connecting is cheap, so a
// Client is made per request and closed with ctx.waitUntil() once the response
// has gone. Locally the binding's connection string is your database itself.

import { Hono, type Context } from 'hono';
import { Client } from 'pg';
import { errorMessage } from './redact.ts';
import { transactionDemo } from './transaction.ts';

export interface Env {
  HYPERDRIVE: Hyperdrive;
}

type App = { Bindings: Env };

// Fail fast when the database is unreachable instead of holding the request.
const CONNECT_TIMEOUT_MS = 5_000;

/** Runs `work` with a Client of its own; the Client is closed after the response by waitUntil. */
async function withClient<T>(c: Context<App>, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: c.env.HYPERDRIVE.connectionString, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on('error', () => {}); // a dropped socket after the answer is not this request's failure
  try {
    await client.connect();
    return await work(client);
  } finally {
    c.executionCtx.waitUntil(client.end().catch(() => {}));
  }
}

function json(c: Context<App>, body: unknown, status: 200 | 404 | 405 | 503 = 200): Response {
  c.header('Cache-Control', 'no-store');
  return c.json(body, status);
}

const app = new Hono<App>();
const routes = ['/', '/tx'];

app.use('*', async (c, next) => {
  if (routes.includes(c.req.path) && c.req.method !== 'GET' && c.req.method !== 'HEAD') {
    c.header('Allow', 'GET');
    return json(c, { error: 'method not allowed: use GET' }, 405);
  }
  if (!c.env.HYPERDRIVE?.connectionString) {
    return json(c, { error: 'the HYPERDRIVE binding has no connection string: see the README (wrangler hyperdrive create)' }, 503);
  }
  await next();
});

app.get('/', async (c) => {
  const { rows } = await withClient(c, (client) => client.query<{ now: Date }>('select now()'));
  return json(c, { now: rows[0].now, via: 'hyperdrive' });
});

app.get('/tx', async (c) => json(c, { ...(await withClient(c, transactionDemo)), via: 'hyperdrive' }));

app.notFound((c) => json(c, { error: 'not found', routes }, 404));

app.onError((err, c) => {
  // Log the reason for the operator (without the password, which the
  // driver's messages may quote); answer the caller without stack or secrets.
  console.error('database error:', errorMessage(err, c.env.HYPERDRIVE?.connectionString));
  return json(c, { error: 'database unavailable' }, 503);
});

export default app satisfies ExportedHandler<Env>;
