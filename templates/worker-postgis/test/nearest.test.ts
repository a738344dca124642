// Inside workerd, against the real PostGIS that `npm run db:setup` filled:
// the Worker's answers are checked against a brute-force scan of the table.

import { neon, neonConfig } from '@neondatabase/serverless';
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { configureNeonDriver } from '../src/local-dev.ts';
import worker, { type NearbyPlace } from '../src/index.ts';

const databaseUrl = inject('databaseUrl');
const proxy = inject('neonLocalhostProxy');
configureNeonDriver(neonConfig, databaseUrl, proxy);
const sql = neon(databaseUrl);

async function nearest(query: string, init?: RequestInit) {
  const response = await exports.default.fetch(`https://places.example${query}`, init);
  const body = (await response.json()) as NearbyPlace[] & { error?: string };
  return { response, body };
}

/** Every row measured: the 11 nearest by a full scan, the answer the index must reproduce (and one beyond it, to see a tie at the tenth). */
async function bruteForce(lat: number, lng: number): Promise<{ id: number; distance_m: number }[]> {
  // st_distance in ORDER BY is never index-assisted (only <-> is). Rounded after the
  // sort, for the 11 only: rounding every row first took most of the scan's time.
  const rows = await sql.query(
    `select id, round(distance::numeric, 1)::float8 as distance_m
     from (select id, st_distance(location, st_setsrid(st_makepoint($1, $2), 4326)::geography, false) as distance
           from places order by distance, id limit 11) nearest
     order by 2, id`,
    [lng, lat],
  );
  return (rows as { id: string; distance_m: number }[]).map((r) => ({ id: Number(r.id), distance_m: r.distance_m }));
}

/** Queries that reached the database, counted by the local proxy (undefined against Neon). */
async function databaseQueries(): Promise<number | undefined> {
  if (!proxy) return undefined;
  const stats = (await (await fetch(`http://${proxy}/_neon_localhost/stats`)).json()) as { httpQueries: number };
  return stats.httpQueries;
}

// A seeded generator: the same "random" points every run.
function points(count: number, seed: number): [number, number][] {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: count }, () => [Math.round((next() * 180 - 90) * 100) / 100, Math.round((next() * 360 - 180) * 100) / 100]);
}

describe('GET /nearest', () => {
  let total = 0;
  beforeAll(async () => {
    total = ((await sql`select count(*)::int as n from places`) as { n: number }[])[0].n;
  });

  it('returns exactly 10 places in ascending distance, in the documented shape', async () => {
    expect(total).toBeGreaterThan(10);
    const { response, body } = await nearest('/nearest?lat=48.8566&lng=2.3522');
    expect(response.status).toBe(200);
    expect(body).toHaveLength(10);
    for (const place of body) {
      expect(Object.keys(place).sort()).toEqual(['category', 'country', 'distance_m', 'id', 'name']);
      expect(typeof place.id).toBe('number');
      expect(typeof place.distance_m).toBe('number');
    }
    const distances = body.map((p) => p.distance_m);
    expect(distances).toEqual([...distances].sort((a, b) => a - b));
    expect(response.headers.get('X-Cell')).toBe('48.86,2.35');
    expect(response.headers.get('X-Attribution')).toMatch(/CC BY 4\.0/);
  });

  const cases: [string, number, number][] = [
    ...points(20, 42).map(([lat, lng]) => [`random ${lat},${lng}`, lat, lng] as [string, number, number]),
    ['west of the antimeridian', -17.71, 179.99],
    ['east of the antimeridian', -17.71, -179.99],
    ['on the antimeridian, Chukotka', 65.0, 180],
    ['north pole', 90, 0],
    ['near the north pole', 89.99, -45.5],
    ['south pole', -90, 0],
    ['null island', 0, 0],
  ];
  for (const [name, lat, lng] of cases) {
    it(`matches a brute-force scan: ${name}`, async () => {
      const { response, body } = await nearest(`/nearest?lat=${lat}&lng=${lng}`);
      expect(response.status).toBe(200);
      // One place beyond the ten: a tie at the tenth place may be broken either way.
      const scan = await bruteForce(lat, lng);
      const expected = scan.slice(0, 10);
      expect(body.map((p) => p.distance_m)).toEqual(expected.map((p) => p.distance_m));
      // Ids agree except where equal distances may come in either order.
      const tied = new Set(scan.filter((p, i, all) => all.some((q, j) => j !== i && q.distance_m === p.distance_m)).map((p) => p.distance_m));
      const ids = (list: { id: number; distance_m: number }[]) => list.filter((p) => !tied.has(p.distance_m)).map((p) => p.id);
      expect(ids(body)).toEqual(ids(expected));
    });
  }

  it('uses the GiST index (EXPLAIN)', async () => {
    const plan = (await sql.query(
      `explain select id from places
       order by location <-> st_setsrid(st_makepoint($1, $2), 4326)::geography limit 10`,
      [2.35, 48.86],
    )) as { 'QUERY PLAN': string }[];
    const text = plan.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).toMatch(/Index Scan using places_location_idx/);
    expect(text).not.toMatch(/Seq Scan/);
  });
});

describe('the edge cache', () => {
  it('answers a second point in the same 0.01° cell from the cache, without the database', async () => {
    const first = await nearest('/nearest?lat=51.5072&lng=-0.1276');
    expect(first.response.headers.get('X-Cache')).toBe('MISS');
    // Let the cache.put finish (it runs in waitUntil).
    await new Promise((r) => setTimeout(r, 50));
    const before = await databaseQueries();
    const second = await nearest('/nearest?lat=51.5051&lng=-0.1301&utm=anything');
    expect(second.response.headers.get('X-Cache')).toBe('HIT');
    expect(second.body).toEqual(first.body);
    if (before !== undefined) expect(await databaseQueries()).toBe(before);
  });

  it('asks the database for a different cell', async () => {
    await nearest('/nearest?lat=40.7128&lng=-74.006');
    const before = await databaseQueries();
    const other = await nearest('/nearest?lat=40.7328&lng=-74.006');
    expect(other.response.headers.get('X-Cache')).toBe('MISS');
    expect(other.response.headers.get('X-Cell')).toBe('40.73,-74.01');
    if (before !== undefined) expect(await databaseQueries()).toBe(before + 1);
  });

  it('keys the cache on the rounded point only', async () => {
    const first = await nearest('/nearest?lat=35.6895&lng=139.6917&x=1');
    await new Promise((r) => setTimeout(r, 50));
    const second = await nearest('/?lng=139.69&lat=35.69&x=2&cachebust=3');
    expect(first.response.headers.get('X-Cache')).toBe('MISS');
    expect(second.response.headers.get('X-Cache')).toBe('HIT');
  });

  it('never caches an error', async () => {
    const env = { DATABASE_URL: 'postgres://nobody:wrong@127.0.0.1:1/none', NEON_LOCALHOST_PROXY: proxy };
    const ctx = createExecutionContext();
    // The 503's log line is expected: captured, so a passing run prints nothing.
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const failed = await worker.fetch(new Request('https://places.example/nearest?lat=-33.8688&lng=151.2093'), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(logged).toHaveBeenCalledWith('database error:', expect.any(String));
    logged.mockRestore();
    expect(failed.status).toBe(503);
    expect(await failed.json()).toEqual({ error: 'database unavailable' });
    expect(failed.headers.get('Cache-Control')).toBe('no-store');
    const retried = await nearest('/nearest?lat=-33.8688&lng=151.2093');
    expect(retried.response.status).toBe(200);
    expect(retried.response.headers.get('X-Cache')).toBe('MISS');
  });

  it('logs no password when DATABASE_URL is malformed (the driver quotes it in its error)', async () => {
    // Port out of range: not a URL, so the driver's error repeats the string whole.
    const secret = 'Sekr3t p@ss/wörd';
    const env = { DATABASE_URL: `postgres://app:${encodeURIComponent(secret)}@127.0.0.1:99999/app`, NEON_LOCALHOST_PROXY: proxy };
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      // A cell no other test asks for, so the cache cannot answer first.
      for (const path of ['/nearest?lat=-41.29&lng=174.78', '/nearest/ws?lat=-41.29&lng=174.78']) {
        const ctx = createExecutionContext();
        const response = await worker.fetch(new Request(`https://places.example${path}`), env, ctx);
        const text = await response.text();
        await waitOnExecutionContext(ctx);
        expect(response.status, path).toBe(503);
        for (const form of [secret, encodeURIComponent(secret), 'Sekr3t']) expect(text).not.toContain(form);
      }
      const lines = logged.mock.calls.map((args) => args.map(String).join(' ')).join('\n');
      expect(logged).toHaveBeenCalledTimes(2);
      expect(lines).toContain('127.0.0.1:99999'); // the reason is still there
      for (const form of [secret, encodeURIComponent(secret), 'Sekr3t']) expect(lines).not.toContain(form);
    } finally {
      logged.mockRestore();
    }
  });
});

describe('a page with a map for a browser (Accept: text/html), JSON for everyone else', () => {
  const browser = { headers: { Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' } };

  it('shows the 10 places of the JSON answer, by name and distance, on an SVG map with the attributions', async () => {
    const json = await nearest('/?lat=41.9028&lng=12.4964');
    const response = await exports.default.fetch('https://places.example/?lat=41.9028&lng=12.4964', browser);
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('Vary')).toBe('Accept');
    expect(response.headers.get('Content-Security-Policy')).toBe("default-src 'none'; style-src 'unsafe-inline'");
    const page = await response.text();
    expect(page).toMatch(/<svg class="map"[^>]*>[\s\S]*<path class="land" d="M[\s\S]*<\/svg>/);
    const escape = (text: string) =>
      text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
    const names = [...page.matchAll(/<span class="name">([^<]*)<\/span>/g)].map((m) => m[1]);
    expect(names).toEqual(json.body.map((p) => escape(p.name)));
    expect(page).not.toContain('<script');
    expect(page).toContain('GeoNames');
    expect(page).toContain('Natural Earth (public domain)');
  });

  it('keeps the page and the JSON apart in the cache: each is cached, neither is served for the other', async () => {
    const env = { DATABASE_URL: databaseUrl, NEON_LOCALHOST_PROXY: proxy };
    /** One request, and its cache.put (in waitUntil) finished before the next. */
    const get = async (path: string, init?: RequestInit) => {
      const ctx = createExecutionContext();
      const response = await worker.fetch(new Request(`https://places.example${path}`, init), env, ctx);
      const body = await response.text();
      await waitOnExecutionContext(ctx);
      return { response, body };
    };
    const page = await get('/?lat=-34.6037&lng=-58.3816', browser);
    expect(page.response.headers.get('X-Cache')).toBe('MISS');
    const json = await get('/?lat=-34.6037&lng=-58.3816');
    expect(json.response.headers.get('X-Cache')).toBe('MISS');
    expect(json.response.headers.get('Content-Type')).toBe('application/json');
    expect(json.response.headers.get('Vary')).toBe('Accept');
    const pageAgain = await get('/nearest?lat=-34.60&lng=-58.38', browser);
    expect(pageAgain.response.headers.get('X-Cache')).toBe('HIT');
    expect(pageAgain.response.headers.get('Content-Type')).toBe('text/html; charset=utf-8');
    expect(pageAgain.body).toBe(page.body);
    const jsonAgain = await get('/nearest?lat=-34.60&lng=-58.38');
    expect(jsonAgain.response.headers.get('X-Cache')).toBe('HIT');
    expect(jsonAgain.body).toBe(json.body);
  });
});

describe('bad input is a 400, never a 500', () => {
  const bad = [
    '/nearest',
    '/nearest?lat=48.8',
    '/nearest?lng=2.3',
    '/nearest?lat=abc&lng=2',
    '/nearest?lat=1e1&lng=2',
    '/nearest?lat=Infinity&lng=2',
    '/nearest?lat=0x10&lng=2',
    '/nearest?lat=91&lng=0',
    '/nearest?lat=-90.01&lng=0',
    '/nearest?lat=0&lng=180.5',
    `/nearest?lat=${encodeURIComponent('1; drop table places; --')}&lng=2`,
    `/nearest?lat=1&lng=${encodeURIComponent('2) or 1=1 --')}`,
    '/nearest/ws?lat=1000&lng=0',
  ];
  for (const path of bad) {
    it(path, async () => {
      const { response, body } = await nearest(path);
      expect(response.status).toBe(400);
      expect(body.error).toMatch(/lat.*lng|lng.*lat|location/);
      expect(response.headers.get('Cache-Control')).toBe('no-store');
    });
  }

  it('the table survives the injection attempts', async () => {
    expect(((await sql`select count(*)::int as n from places`) as { n: number }[])[0].n).toBeGreaterThan(10);
  });
});

describe('an unknown path', () => {
  it('is a 404 naming the routes, never cached', async () => {
    const response = await exports.default.fetch('https://places.example/nowhere');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'not found', routes: ['/', '/nearest', '/nearest/ws'] });
    expect(response.headers.get('Cache-Control')).toBe('no-store');
  });
});

describe('GET /nearest/ws (WebSocket, for comparison)', () => {
  it('gives the same answer as the HTTP path', async () => {
    const viaHttp = await nearest('/nearest?lat=-22.9068&lng=-43.1729');
    const viaWs = await nearest('/nearest/ws?lat=-22.9068&lng=-43.1729');
    expect(viaWs.response.headers.get('X-Cache')).toBe('BYPASS');
    expect(viaWs.body).toEqual(viaHttp.body);
  });
});
