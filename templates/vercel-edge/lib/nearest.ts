// The query behind /api/nearest: the 10 places nearest to a point, from the
// `places` table a worker-postgis project's `npm run db:setup` loads (PostGIS
// KNN on a GiST index), in raw SQL over HTTP with neon(); and, when that
// table is missing, what to tell the caller. api/nearest.ts turns the answer
// (or the error) into HTTP.

import { neon } from '@neondatabase/serverless';
import type { NearbyPlace, Point } from './places';

/**
 * One parameterised KNN query ($1 = lng, $2 = lat): `<->` on geography walks
 * the GiST index nearest-first and gives the great-circle distance in metres.
 */
const NEAREST_SQL = `
  select id, name, category, country,
         round((location <-> st_setsrid(st_makepoint($1, $2), 4326)::geography)::numeric, 1)::float8 as distance_m
  from places
  order by location <-> st_setsrid(st_makepoint($1, $2), 4326)::geography
  limit 10`;

/** Rows as the API returns them (bigint ids arrive as strings; they fit a number). */
function toPlaces(rows: readonly Record<string, unknown>[]): NearbyPlace[] {
  return rows.map((r) => ({
    id: Number(r.id),
    name: String(r.name),
    category: (r.category as string | null) ?? null,
    country: (r.country as string | null) ?? null,
    distance_m: Number(r.distance_m),
  }));
}

export async function nearestPlaces(databaseUrl: string, point: Point): Promise<NearbyPlace[]> {
  const sql = neon(databaseUrl);
  return toPlaces(await sql.query(NEAREST_SQL, [point.lng, point.lat]));
}

/** Postgres' "undefined_table": the database has no places table. */
export const isMissingTable = (err: unknown): boolean => (err as { code?: string })?.code === '42P01';

/** What to do about a missing places table: loading it needs PostGIS, which not every database has. */
export async function missingPlaces(databaseUrl: string): Promise<string> {
  const load = 'load it with `npm run db:setup` from a worker-postgis project';
  try {
    const sql = neon(databaseUrl);
    const [{ postgis }] = (await sql`select exists (select 1 from pg_available_extensions where name = 'postgis') as postgis`) as { postgis: boolean }[];
    if (postgis) return `this database has no places table: ${load}`;
  } catch {
    return `this database has no places table: ${load}`;
  }
  return `this database has no places table, and cannot have one: it needs PostGIS, which this database (the embedded PGlite one, if DATABASE_URL is not set) does not have. Point DATABASE_URL at a Neon database or a local Postgres with PostGIS, then ${load}`;
}
