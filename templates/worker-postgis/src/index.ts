// The 10 places nearest to the caller, from PostGIS, cached at the edge.
//
//   GET /  or  GET /nearest[?lat=&lng=]   nearest places, via HTTP neon(), cached per 0.01° cell:
//                                         JSON, or a page with a map for a browser (Accept: text/html)
//   GET /nearest/ws[?lat=&lng=]           the same query over a WebSocket Client, uncached (for comparison)
//
// The caller's point is rounded to 0.01° (~1 km) first, so everyone in a cell
// shares one cache entry: a repeat request never reaches the database. This
// file is the HTTP side; the query itself is in nearest.ts.

import { neonConfig } from '@neondatabase/serverless';
import { Hono, type Context } from 'hono';
import { configureNeonDriver } from './local-dev.ts';
import { renderMapPage } from './map-page.ts';
import { nearestOverHttp, nearestOverWebSocket } from './nearest.ts';
import { ATTRIBUTION, cellKey, cellOf, locate, withoutPosition, type LocatedPlace, type NearbyPlace, type Point } from './places.ts';
import { errorMessage } from './redact.ts';

export type { NearbyPlace };

export interface Env {
  DATABASE_URL: string;
}

const CACHE_SECONDS = 3600;

const app = new Hono<{ Bindings: Env }>();

// On this machine the driver talks to the local proxy; anywhere else this does nothing.
app.use('*', async (c, next) => {
  configureNeonDriver(neonConfig, c.env);
  await next();
});

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
async function answer(cell: Point, located: LocatedPlace[], page: boolean): Promise<Response> {
  const headers = {
    'Cache-Control': `public, max-age=${CACHE_SECONDS}`,
    'X-Cell': cellKey(cell),
    'X-Attribution': ATTRIBUTION,
    Vary: 'Accept',
  };
  const places = located.map(withoutPosition);
  if (!page) return Response.json(places, { headers });
  const coordinates = located.map((p): [number, number] => [p.lng, p.lat]);
  return new Response(await renderMapPage(cell, places, coordinates, ATTRIBUTION), {
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
  let located: LocatedPlace[];
  try {
    located = await nearestOverHttp(c.env.DATABASE_URL, cell);
  } catch (err) {
    return databaseError(c, err); // never cached
  }
  const response = await answer(cell, located, page);
  c.executionCtx.waitUntil(cache.put(cacheKey, response.clone()));
  response.headers.set('X-Cache', 'MISS');
  return response;
}

app.get('/', nearest);
app.get('/nearest', nearest);
app.get('/nearest/ws', async (c) => {
  const cell = cellFor(c);
  if (cell instanceof Response) return cell;
  try {
    const located = await nearestOverWebSocket(c.env.DATABASE_URL, (promise) => c.executionCtx.waitUntil(promise), cell);
    return c.json(located.map(withoutPosition), 200, {
      'Cache-Control': 'no-store',
      'X-Cell': cellKey(cell),
      'X-Cache': 'BYPASS',
      'X-Attribution': ATTRIBUTION,
    });
  } catch (err) {
    return databaseError(c, err);
  }
});
app.notFound((c) => c.json({ error: 'not found', routes: ['/', '/nearest', '/nearest/ws'] }, 404, { 'Cache-Control': 'no-store' }));
app.onError((err, c) => {
  console.error('unexpected error:', errorMessage(err, c.env.DATABASE_URL));
  return c.json({ error: 'internal error' }, 500, { 'Cache-Control': 'no-store' });
});

export default app;
