// GET /api/now — select now() through Drizzle over HTTP (neon-http): one HTTP
// request, the fastest path for a one-shot query.
import { sql } from 'drizzle-orm';
import { databaseForGet, databaseUnavailable, json } from '../lib/database';
import { driverError, httpDb } from '../lib/db';

export const config = { runtime: 'edge' };

export default async function handler(request: Request): Promise<Response> {
  const url = databaseForGet(request);
  if (url instanceof Response) return url;
  try {
    const { rows } = await httpDb(url).execute<{ now: string }>(sql`select now()`);
    // Drizzle hands timestamps over as Postgres writes them; as a Date the answer is an ISO string.
    return json({ now: new Date(rows[0].now), via: 'http' });
  } catch (err) {
    return databaseUnavailable(driverError(err));
  }
}
