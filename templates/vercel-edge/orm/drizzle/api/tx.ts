// GET /api/tx — db.transaction() on a WebSocket Pool (neon-serverless), with
// logic between its statements (lib/transaction.ts). The pool lives for this
// request only and is closed with waitUntil(), after the response has gone.
import { Pool } from '@neondatabase/serverless';
import { waitUntil } from '@vercel/functions';
import { CONNECT_TIMEOUT_MS, databaseForGet, databaseUnavailable, json } from '../lib/database';
import { driverError, sessionDb } from '../lib/db';
import { transactionDemo } from '../lib/transaction';

export const config = { runtime: 'edge' };

export default async function handler(request: Request): Promise<Response> {
  const url = databaseForGet(request);
  if (url instanceof Response) return url;
  const pool = new Pool({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  pool.on('error', () => {}); // a socket dropped after the answer is not this request's failure
  try {
    return json({ ...(await sessionDb(pool).transaction(transactionDemo)), via: 'websocket pool' });
  } catch (err) {
    return databaseUnavailable(driverError(err));
  } finally {
    waitUntil(pool.end());
  }
}
