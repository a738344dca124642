// GET /api/tx — a transaction on one pooled connection, with logic between its
// statements (lib/transaction.ts). The connection goes back to the pool after;
// one that failed is discarded instead, so an outage leaves no broken ones.
import { database, databaseUnavailable, json } from '../lib/database.js';
import { transactionDemo } from '../lib/transaction.js';

export async function GET(): Promise<Response> {
  const pool = database();
  if (pool instanceof Response) return pool;
  try {
    const client = await pool.connect();
    let failure: Error | undefined;
    try {
      return json({ ...(await transactionDemo(client)), via: 'pg pool' });
    } catch (err) {
      failure = err instanceof Error ? err : new Error(String(err));
      throw err;
    } finally {
      client.release(failure);
    }
  } catch (err) {
    return databaseUnavailable(err);
  }
}
