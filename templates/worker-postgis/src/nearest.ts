// The query: the 10 places nearest to a point, from PostGIS, in raw SQL
// through Neon's serverless driver. Only the query lives here; src/index.ts
// turns its answer (or its error) into HTTP.

import { Client, neon } from '@neondatabase/serverless';
import type { LocatedPlace, Point } from './places.ts';

/**
 * One parameterised KNN query ($1 = lng, $2 = lat): `<->` on geography walks
 * the GiST index nearest-first and gives the great-circle distance in metres.
 * Each place's own position comes along for the map page.
 */
export const NEAREST_SQL = `
  select id, name, category, country,
         round((location <-> st_setsrid(st_makepoint($1, $2), 4326)::geography)::numeric, 1)::float8 as distance_m,
         st_x(location::geometry) as lng, st_y(location::geometry) as lat
  from places
  order by location <-> st_setsrid(st_makepoint($1, $2), 4326)::geography
  limit 10`;

export const nearestParams = (point: Point): [number, number] => [point.lng, point.lat];

/** Rows as the app uses them (bigint ids arrive as strings; they fit a number). */
function toPlaces(rows: readonly Record<string, unknown>[]): LocatedPlace[] {
  return rows.map((r) => ({
    id: Number(r.id),
    name: String(r.name),
    category: (r.category as string | null) ?? null,
    country: (r.country as string | null) ?? null,
    distance_m: Number(r.distance_m),
    lng: Number(r.lng),
    lat: Number(r.lat),
  }));
}

/** HTTP: one request carries the query and its answer. For a one-shot query
 * this is the fewest round trips: no WebSocket upgrade, no startup or auth
 * exchange, and Neon keeps the database connection warm on its side. */
export async function nearestOverHttp(databaseUrl: string, point: Point): Promise<LocatedPlace[]> {
  const sql = neon(databaseUrl);
  return toPlaces(await sql.query(NEAREST_SQL, nearestParams(point)));
}

/** WebSocket: a whole Postgres session for one query; kept to compare against.
 * The Client is closed by `waitUntil`, after the response has gone. */
export async function nearestOverWebSocket(databaseUrl: string, waitUntil: (promise: Promise<unknown>) => void, point: Point): Promise<LocatedPlace[]> {
  const client = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
  client.on('error', () => {}); // a dropped socket after the answer is not this request's failure
  await client.connect();
  try {
    return toPlaces((await client.query(NEAREST_SQL, nearestParams(point))).rows);
  } finally {
    waitUntil(client.end());
  }
}
