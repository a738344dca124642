// The 10 places nearest to the caller, from PostGIS, cached at the edge.
//
//   GET /  or  GET /nearest[?lat=&lng=]   nearest places, via HTTP neon(), cached per 0.01° cell:
//                                         JSON, or a page with a map for a browser (Accept: text/html)
//   GET /nearest/ws[?lat=&lng=]           the same query over a WebSocket Client, uncached (for comparison)
//
// The caller's point is rounded to 0.01° (~1 km) first, so everyone in a cell
// shares one cache entry: a repeat request never reaches the database.

import { Client, neon, neonConfig } from '@neondatabase/serverless';
import { Hono, type Context } from 'hono';
import { configureNeonDriver } from 'neon-on-localhost/driver';
import { errorMessage } from 'neon-on-localhost/redact';
import { renderMapPage } from './map-page.ts';
import { ATTRIBUTION, cellKey, cellOf, locate, NEAREST_SQL, nearestParams, placeCoordinates, toPlaces, type NearbyPlace, type Point } from './places.ts';

export type { NearbyPlace };

export interface Env {
  DATABASE_URL: string;
}

const CACHE_SECONDS = 3600;

/** HTTP: one request carries the query and its answer. For a one-shot query
 * this is the fewest round trips: no WebSocket upgrade, no startup or auth
 * exchange, and Neon keeps the database connection warm on its side. */
async function nearestOverHttp(env: Env, cell: Point): Promise<Record<string, unknown>[]> {
  const sql = neon(env.DATABASE_URL);
  return sql.query(NEAREST_SQL, nearestParams(cell));
}

/** WebSocket: a whole Postgres session for one query; kept to compare against. */
async function nearestOverWebSocket(env: Env, ctx: { waitUntil(promise: Promise<unknown>): void }, cell: Point): Promise<NearbyPlace[]> {
  const client = new Client({ connectionString: env.DATABASE_URL, connectionTimeoutMillis: 5_000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return toPlaces((await client.query(NEAREST_SQL, nearestParams(cell))).rows);
  } finally {
    ctx.waitUntil(client.end());
  }
}

const app = new Hono<{ Bindings: Env }>();

function cellFor(c: Context<{ Bindings: Env }>): Point | Response {
  const cf = (c.req.raw as Request & { cf?: { latitude?: unknown; longitude?: unknown } }).cf;
  const point = locate({ lat: c.req.query('lat'), lng: c.req.query('lng') }, cf);
  if ('error' in point) return c.json({ error: point.error }, 400, { 'Cache-Control': 'no-store' });
  return cellOf(point);
}

function databaseError(c: Context<{ Bindings: Env }>, err: unknown): Response {
  // Redacted: the driver's own messages may quote DATABASE_URL, password included.
  console.error('database error:', errorMessage(err, c.env.DATABASE_URL));
  return c.json({ error: 'database unavailable' }, 503, { 'Cache-Control': 'no-store' });
}

/** A browser asks for a page (its Accept names text/html); API clients (curl's and fetch's *\/*) get JSON. */
const wantsPage = (c: Context<{ Bindings: Env }>) => /\btext\/html\b/i.test(c.req.header('Accept') ?? '');

/** The answer as JSON, or as a page with a map; both vary by Accept, for the caches on the way. */
async function answer(cell: Point, rows: Record<string, unknown>[], page: boolean): Promise<Response> {
  const headers = {
    'Cache-Control': `public, max-age=${CACHE_SECONDS}`,
    'X-Cell': cellKey(cell),
    'X-Attribution': ATTRIBUTION,
    Vary: 'Accept',
  };
  const places = toPlaces(rows);
  if (!page) return Response.json(places, { headers });
  return new Response(await renderMapPage(cell, places, placeCoordinates(rows), ATTRIBUTION), {
    headers: { ...headers, 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'" },
  });
}

async function nearest(c: Context<{ Bindings: Env }>): Promise<Response> {
  const cell = cellFor(c);
  if (cell instanceof Response) return cell;
  const page = wantsPage(c);
  // The key holds the rounded point and the kind of answer (JSON or page), nothing else from
  // the request, so other query parameters can neither split nor poison the cache.
  const cacheKey = new Request(new URL(`/__nearest/${cellKey(cell)}${page ? '/page' : ''}`, c.req.url));
  const cache = caches.default;
  const cached = await cache.match(cacheKey);
  if (cached) {
    const hit = new Response(cached.body, cached);
    hit.headers.set('X-Cache', 'HIT');
    return hit;
  }
  configureNeonDriver(neonConfig, c.env);
  let rows: Record<string, unknown>[];
  try {
    rows = await nearestOverHttp(c.env, cell);
  } catch (err) {
    return databaseError(c, err); // never cached
  }
  const response = await answer(cell, rows, page);
  c.executionCtx.waitUntil(cache.put(cacheKey, response.clone()));
  response.headers.set('X-Cache', 'MISS');
  return response;
}

app.get('/', nearest);
app.get('/nearest', nearest);
app.get('/nearest/ws', async (c) => {
  const cell = cellFor(c);
  if (cell instanceof Response) return cell;
  configureNeonDriver(neonConfig, c.env);
  try {
    const places = await nearestOverWebSocket(c.env, c.executionCtx, cell);
    return c.json(places, 200, { 'Cache-Control': 'no-store', 'X-Cell': cellKey(cell), 'X-Cache': 'BYPASS', 'X-Attribution': ATTRIBUTION });
  } catch (err) {
    return databaseError(c, err);
  }
});
app.notFound((c) => c.json({ error: 'not found', routes: ['/', '/nearest', '/nearest/ws'] }, 404));
app.onError((err, c) => {
  console.error('unexpected error:', errorMessage(err, c.env.DATABASE_URL));
  return c.json({ error: 'internal error' }, 500, { 'Cache-Control': 'no-store' });
});

export default app;
