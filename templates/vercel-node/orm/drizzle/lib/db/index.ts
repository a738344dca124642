// Drizzle on this instance's pg Pool (lib/database.ts: one Pool per function
// instance, registered with attachDatabasePool), with drizzle-orm/node-postgres:
// `drizzleOn(pool)` in a function, as api/now.ts does.

import { DrizzleQueryError } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import * as schema from './schema.js';

export { schema };

export const drizzleOn = (pool: pg.Pool) => drizzle(pool, { schema });

/**
 * The driver's own error. Drizzle wraps it in an error whose message is the
 * failed query and its parameters; a log line gets the driver's reason (the
 * database is down, the table does not exist) and no parameters.
 */
export function driverError(err: unknown): unknown {
  return err instanceof DrizzleQueryError && err.cause !== undefined ? err.cause : err;
}
