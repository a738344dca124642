// The nearest-places query, shared by the templates that answer it: where the
// caller is, the ~1 km cell that answers for them, and the KNN query itself.

export interface Point {
  lat: number;
  lng: number;
}

// Plain decimal numbers only: no exponents, hex, Infinity or trailing junk.
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

export const HOW_TO_PASS_LOCATION = 'pass ?lat=<-90..90>&lng=<-180..180>, e.g. ?lat=48.8566&lng=2.3522';

/**
 * The point from `?lat=&lng=` when given (local dev has no cf location, and
 * tests choose their points), else from Cloudflare's request.cf.
 */
export function locate(query: { lat?: string; lng?: string }, cf?: { latitude?: unknown; longitude?: unknown }): Point | { error: string } {
  const fromQuery = query.lat !== undefined || query.lng !== undefined;
  const lat = fromQuery ? query.lat : cf?.latitude;
  const lng = fromQuery ? query.lng : cf?.longitude;
  if (lat === undefined || lng === undefined || lat === '' || lng === '') {
    return { error: fromQuery ? `both lat and lng are needed: ${HOW_TO_PASS_LOCATION}` : `your location is unknown: ${HOW_TO_PASS_LOCATION}` };
  }
  if (!DECIMAL.test(String(lat)) || !DECIMAL.test(String(lng))) {
    return { error: `lat and lng must be decimal numbers: ${HOW_TO_PASS_LOCATION}` };
  }
  const point = { lat: Number(lat), lng: Number(lng) };
  if (Math.abs(point.lat) > 90 || Math.abs(point.lng) > 180) {
    return { error: `lat must be within -90..90 and lng within -180..180: ${HOW_TO_PASS_LOCATION}` };
  }
  return point;
}

const round2 = (x: number) => Math.round(x * 100) / 100 + 0; // + 0 turns -0 into 0

/** Rounds to 0.01° (about 1.1 km of latitude): nearby callers share one answer. */
export function cellOf(point: Point): Point {
  return { lat: round2(point.lat), lng: round2(point.lng) };
}

/** "48.86,2.35": the cell as it appears in cache keys and headers. */
export function cellKey(cell: Point): string {
  return `${cell.lat.toFixed(2)},${cell.lng.toFixed(2)}`;
}

export interface NearbyPlace {
  id: number;
  name: string;
  category: string | null;
  country: string | null;
  distance_m: number;
}

export const ATTRIBUTION = 'Places: GeoNames (https://www.geonames.org), CC BY 4.0';

/**
 * One parameterised KNN query ($1 = lng, $2 = lat): `<->` on geography walks
 * the GiST index nearest-first and gives the great-circle distance in metres.
 * Each place's own lng/lat come along for a map (placeCoordinates); the JSON
 * answer (toPlaces) leaves them out.
 */
export const NEAREST_SQL = `
  select id, name, category, country,
         round((location <-> st_setsrid(st_makepoint($1, $2), 4326)::geography)::numeric, 1)::float8 as distance_m,
         st_x(location::geometry) as lng, st_y(location::geometry) as lat
  from places
  order by location <-> st_setsrid(st_makepoint($1, $2), 4326)::geography
  limit 10`;

/** Parameters of NEAREST_SQL for a cell. */
export const nearestParams = (cell: Point): [number, number] => [cell.lng, cell.lat];

/** Rows of NEAREST_SQL as the API returns them (bigint ids arrive as strings; they fit a number). */
export function toPlaces(rows: readonly Record<string, unknown>[]): NearbyPlace[] {
  return rows.map((r) => ({
    id: Number(r.id),
    name: String(r.name),
    category: (r.category as string | null) ?? null,
    country: (r.country as string | null) ?? null,
    distance_m: Number(r.distance_m),
  }));
}

/** Where each row of NEAREST_SQL is, as [lng, lat] (for drawing them on a map). */
export function placeCoordinates(rows: readonly Record<string, unknown>[]): [number, number][] {
  return rows.map((r) => [Number(r.lng), Number(r.lat)]);
}
