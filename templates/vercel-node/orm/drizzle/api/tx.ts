// GET /api/tx — db.transaction() on one pooled connection, with logic between
// its statements (lib/transaction.ts). Drizzle takes a connection from the
// pool, begins, commits (or rolls back when the work throws) and gives the
// connection back; pg discards one that broke, so an outage leaves none behind.
import { database, databaseUnavailable, json } from '../lib/database.js';
import { driverError, drizzleOn } from '../lib/db/index.js';
import { transactionDemo } from '../lib/transaction.js';

export async function GET(): Promise<Response> {
  const pool = database();
  if (pool instanceof Response) return pool;
  try {
    return json({ ...(await drizzleOn(pool).transaction(transactionDemo)), via: 'pg pool' });
  } catch (err) {
    return databaseUnavailable(driverError(err));
  }
}
