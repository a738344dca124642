// Drizzle on node-postgres (pg), the driver this Worker uses through the
// Hyperdrive binding: src/index.ts makes a Client per request (withDb) and
// hands it to drizzleOn(). Hyperdrive pools the connections to the database.

import { DrizzleQueryError } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import type { Client } from 'pg';
import * as schema from './schema.ts';

export { schema };

export const drizzleOn = (client: Client) => drizzle(client, { schema });

export type Db = ReturnType<typeof drizzleOn>;

/**
 * The driver's own error. Drizzle wraps it in an error whose message is the
 * failed query and its parameters; a log line gets the driver's reason (the
 * database is down, the table does not exist) and no parameters.
 */
export function driverError(err: unknown): unknown {
  return err instanceof DrizzleQueryError && err.cause !== undefined ? err.cause : err;
}
