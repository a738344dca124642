// GET /api/now — select now() with neon(): one HTTP request, the fastest path
// for a one-shot query.
import { neon } from '@neondatabase/serverless';
import { databaseForGet, databaseUnavailable, json } from '../lib/database';

export const config = { runtime: 'edge' };

export default async function handler(request: Request): Promise<Response> {
  const url = databaseForGet(request);
  if (url instanceof Response) return url;
  try {
    const sql = neon(url);
    const [row] = await sql`select now()`;
    return json({ now: row.now as Date, via: 'http' });
  } catch (err) {
    return databaseUnavailable(err);
  }
}
