// GET /api/nearest[?lat=&lng=] — the 10 nearest places, when the database has
// the `places` table of the worker-postgis template (the query is in
// lib/nearest.ts). The caller's point comes from Vercel's geolocation headers
// unless lat/lng are given; it is rounded to 0.01° (~1 km) first.
import { geolocation } from '@vercel/functions';
import { connectionString, databaseUnavailable, json, onlyGet } from '../lib/database';
import { isMissingTable, missingPlaces, nearestPlaces } from '../lib/nearest';
import { ATTRIBUTION, cellKey, cellOf, locate } from '../lib/places';

export const config = { runtime: 'edge' };

export default async function handler(request: Request): Promise<Response> {
  const wrongMethod = onlyGet(request);
  if (wrongMethod) return wrongMethod;
  const query = new URL(request.url).searchParams;
  const point = locate({ lat: query.get('lat') ?? undefined, lng: query.get('lng') ?? undefined }, geolocation(request));
  if ('error' in point) return json({ error: point.error }, 400);
  const url = connectionString();
  if (url instanceof Response) return url;
  const cell = cellOf(point);
  try {
    const places = await nearestPlaces(url, cell);
    return json(places, 200, { 'X-Cell': cellKey(cell), 'X-Attribution': ATTRIBUTION });
  } catch (err) {
    if (isMissingTable(err)) return json({ error: await missingPlaces(url) }, 404);
    return databaseUnavailable(err);
  }
}
