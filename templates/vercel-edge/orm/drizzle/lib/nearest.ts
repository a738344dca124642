// The query behind /api/nearest: the 10 places nearest to a point, from the
// `places` table a worker-postgis project's `npm run db:setup` loads (PostGIS
// KNN on a GiST index), through Drizzle over HTTP (neon-http); and, when that
// table is missing, what to tell the caller. api/nearest.ts turns the answer
// (or the error) into HTTP.
//
// `places` is declared here, not in lib/db/schema.ts: this project only reads
// it, and drizzle-kit, which reads schema.ts, must never generate a migration
// that creates it (worker-postgis' db:setup does, with PostGIS).

import { sql } from 'drizzle-orm';
import { bigint, customType, pgTable, text } from 'drizzle-orm/pg-core';
import { driverError, httpDb } from './db';
import type { NearbyPlace, Point } from './places';

/** PostGIS geography(Point, 4326), read as its hex EWKB text; ordered with sql`…`. */
const geographyPoint = customType<{ data: string; driverData: string }>({ dataType: () => 'geography(Point,4326)' });

const places = pgTable('places', {
  id: bigint({ mode: 'number' }).primaryKey(),
  name: text().notNull(),
  category: text(),
  country: text(),
  location: geographyPoint().notNull(),
});

export async function nearestPlaces(databaseUrl: string, point: Point): Promise<NearbyPlace[]> {
  // `<->` on geography walks the GiST index nearest-first (KNN) and gives the
  // great-circle distance in metres; the coordinates are parameters.
  const here = sql`st_setsrid(st_makepoint(${point.lng}, ${point.lat}), 4326)::geography`;
  try {
    return await httpDb(databaseUrl)
      .select({
        id: places.id,
        name: places.name,
        category: places.category,
        country: places.country,
        distance_m: sql<number>`round((${places.location} <-> ${here})::numeric, 1)::float8`,
      })
      .from(places)
      .orderBy(sql`${places.location} <-> ${here}`)
      .limit(10);
  } catch (err) {
    throw driverError(err);
  }
}

/** Postgres' "undefined_table": the database has no places table. */
export const isMissingTable = (err: unknown): boolean => (err as { code?: string })?.code === '42P01';

/** What to do about a missing places table: loading it needs PostGIS, which not every database has. */
export async function missingPlaces(databaseUrl: string): Promise<string> {
  const load = 'load it with `npm run db:setup` from a worker-postgis project';
  try {
    const { rows } = await httpDb(databaseUrl).execute<{ postgis: boolean }>(
      sql`select exists (select 1 from pg_available_extensions where name = 'postgis') as postgis`,
    );
    if (rows[0].postgis) return `this database has no places table: ${load}`;
  } catch {
    return `this database has no places table: ${load}`;
  }
  return `this database has no places table, and cannot have one: it needs PostGIS, which this database (the embedded PGlite one, if DATABASE_URL is not set) does not have. Point DATABASE_URL at a Neon database or a local Postgres with PostGIS, then ${load}`;
}
