// GET /api/nearest[?lat=&lng=] — the 10 nearest places, when the database has
// the `places` table of the worker-postgis template (PostGIS KNN on a GiST
// index, over HTTP neon()). The caller's point comes from Vercel's geolocation
// headers unless lat/lng are given; it is rounded to 0.01° (~1 km) first.
import { neon } from '@neondatabase/serverless';
import { geolocation } from '@vercel/functions';
import { connectionString, databaseUnavailable, json, onlyGet } from '../lib/database';
import { ATTRIBUTION, cellKey, cellOf, locate, NEAREST_SQL, nearestParams, toPlaces } from '../lib/places';

export const config = { runtime: 'edge' };

const UNDEFINED_TABLE = '42P01';

export default async function handler(request: Request): Promise<Response> {
  const wrongMethod = onlyGet(request);
  if (wrongMethod) return wrongMethod;
  const query = new URL(request.url).searchParams;
  const { latitude, longitude } = geolocation(request);
  const point = locate({ lat: query.get('lat') ?? undefined, lng: query.get('lng') ?? undefined }, { latitude, longitude });
  if ('error' in point) return json({ error: point.error }, 400);
  const url = connectionString();
  if (url instanceof Response) return url;
  const cell = cellOf(point);
  try {
    const sql = neon(url);
    const places = toPlaces(await sql.query(NEAREST_SQL, nearestParams(cell)));
    return json(places, 200, { 'X-Cell': cellKey(cell), 'X-Attribution': ATTRIBUTION });
  } catch (err) {
    if ((err as { code?: string }).code === UNDEFINED_TABLE) return json({ error: await missingPlaces(url) }, 404);
    return databaseUnavailable(err);
  }
}

/** What to do about a missing places table: loading it needs PostGIS, which not every database has. */
async function missingPlaces(url: string): Promise<string> {
  const load = 'load it with `npm run db:setup` from a worker-postgis project';
  try {
    const sql = neon(url);
    const [{ postgis }] = (await sql`select exists (select 1 from pg_available_extensions where name = 'postgis') as postgis`) as { postgis: boolean }[];
    if (postgis) return `this database has no places table: ${load}`;
  } catch {
    return `this database has no places table: ${load}`;
  }
  return `this database has no places table, and cannot have one: it needs PostGIS, which this database (the embedded PGlite one, if DATABASE_URL is not set) does not have. Point DATABASE_URL at a Neon database or a local Postgres with PostGIS, then ${load}`;
}
