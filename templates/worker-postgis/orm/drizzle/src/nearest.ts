// The query: the 10 places nearest to a point, from PostGIS, through Drizzle
// on Neon's serverless driver. Drizzle builds the select from the places
// table in src/db/schema.ts; the KNN parts it has no words for (`<->`, the
// point) are Drizzle's sql`…`, with the coordinates as parameters. Only the
// query lives here; src/index.ts turns its answer (or its error) into HTTP.

import { Client } from '@neondatabase/serverless';
import { sql } from 'drizzle-orm';
import { driverError, httpDb, schema, sessionDb } from './db/index.ts';
import type { LocatedPlace, Point } from './places.ts';

const { places } = schema;

/**
 * `<->` on geography walks the GiST index nearest-first (KNN) and gives the
 * great-circle distance in metres: the order and the distance of the answer.
 */
function knn(point: Point) {
  const here = sql`st_setsrid(st_makepoint(${point.lng}, ${point.lat}), 4326)::geography`;
  return {
    fields: {
      id: places.id,
      name: places.name,
      category: places.category,
      country: places.country,
      distance_m: sql<number>`round((${places.location} <-> ${here})::numeric, 1)::float8`,
      // The place's own position, for the map page.
      lng: sql<number>`st_x(${places.location}::geometry)`,
      lat: sql<number>`st_y(${places.location}::geometry)`,
    },
    nearestFirst: sql`${places.location} <-> ${here}`,
  };
}

/** HTTP (neon-http): one request carries the query and its answer. For a
 * one-shot query this is the fewest round trips: no WebSocket upgrade, no
 * startup or auth exchange, and Neon keeps the database connection warm. */
export async function nearestOverHttp(databaseUrl: string, point: Point): Promise<LocatedPlace[]> {
  const { fields, nearestFirst } = knn(point);
  try {
    return await httpDb(databaseUrl).select(fields).from(places).orderBy(nearestFirst).limit(10);
  } catch (err) {
    throw driverError(err);
  }
}

/** WebSocket (neon-serverless): a whole Postgres session for one query; kept
 * to compare against. The Client is closed by `waitUntil`, after the response has gone. */
export async function nearestOverWebSocket(databaseUrl: string, waitUntil: (promise: Promise<unknown>) => void, point: Point): Promise<LocatedPlace[]> {
  const client = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
  client.on('error', () => {}); // a dropped socket after the answer is not this request's failure
  await client.connect();
  try {
    const { fields, nearestFirst } = knn(point);
    return await sessionDb(client).select(fields).from(places).orderBy(nearestFirst).limit(10);
  } catch (err) {
    throw driverError(err);
  } finally {
    waitUntil(client.end());
  }
}
