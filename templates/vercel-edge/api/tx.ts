// GET /api/tx — a transaction over a WebSocket Pool, with logic between its
// statements (lib/transaction.ts). The pool lives for this request only and is
// closed with waitUntil(), after the response has gone.
import { Pool } from '@neondatabase/serverless';
import { waitUntil } from '@vercel/functions';
import { CONNECT_TIMEOUT_MS, databaseForGet, databaseUnavailable, json } from '../lib/database';
import { transactionDemo } from '../lib/transaction';

export const config = { runtime: 'edge' };

export default async function handler(request: Request): Promise<Response> {
  const url = databaseForGet(request);
  if (url instanceof Response) return url;
  const pool = new Pool({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  pool.on('error', () => {}); // a socket dropped after the answer is not this request's failure
  try {
    const client = await pool.connect();
    try {
      return json({ ...(await transactionDemo(client)), via: 'websocket pool' });
    } finally {
      client.release();
    }
  } catch (err) {
    return databaseUnavailable(err);
  } finally {
    waitUntil(pool.end());
  }
}
