// GET /api/now — select now() through Drizzle, on a pooled connection of this instance.
import { sql } from 'drizzle-orm';
import { database, databaseUnavailable, json } from '../lib/database.js';
import { driverError, drizzleOn } from '../lib/db/index.js';

export async function GET(): Promise<Response> {
  const pool = database();
  if (pool instanceof Response) return pool;
  try {
    const { rows } = await drizzleOn(pool).execute<{ now: string }>(sql`select now()`);
    // Drizzle hands timestamps over as Postgres writes them; as a Date the answer is an ISO string.
    return json({ now: new Date(rows[0].now), via: 'pg pool' });
  } catch (err) {
    return databaseUnavailable(driverError(err));
  }
}
