// Where the caller is, the ~1 km cell that answers for them, and the shape of
// an answer. No database here: the query is in nearest.ts.

export interface Point {
  lat: number;
  lng: number;
}

// Plain decimal numbers only: no exponents, hex, Infinity or trailing junk.
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

export const HOW_TO_PASS_LOCATION = 'pass ?lat=<-90..90>&lng=<-180..180>, e.g. ?lat=48.8566&lng=2.3522';

/**
 * The point from `?lat=&lng=` when given (tests choose their points, and
 * wrangler dev puts every request in one place), else from `request.cf`,
 * where Cloudflare puts the caller's location.
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

/** A place of the answer with its own position, for the map page; the JSON answer leaves the position out. */
export interface LocatedPlace extends NearbyPlace {
  lng: number;
  lat: number;
}

/** The place as the JSON answer gives it. */
export function withoutPosition({ lng: _lng, lat: _lat, ...place }: LocatedPlace): NearbyPlace {
  return place;
}

export const ATTRIBUTION = 'Places: GeoNames (https://www.geonames.org), CC BY 4.0';
