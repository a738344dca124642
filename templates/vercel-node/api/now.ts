// GET /api/now — select now() on a pooled connection of this instance.
import { database, databaseUnavailable, json } from '../lib/database.js';

export async function GET(): Promise<Response> {
  const pool = database();
  if (pool instanceof Response) return pool;
  try {
    const { rows } = await pool.query<{ now: Date }>('select now()');
    return json({ now: rows[0].now, via: 'pg pool' });
  } catch (err) {
    return databaseUnavailable(err);
  }
}
