// Drizzle on Neon's serverless driver: neon-http (one HTTP request per query)
// for the nearest-places query, and neon-serverless on a WebSocket Client for
// the /nearest/ws comparison. Create them inside the request, from
// env.DATABASE_URL, and end a Client with ctx.waitUntil(), as src/nearest.ts
// does: a Worker cannot keep a connection between requests.

import { neon, type Client, type Pool } from '@neondatabase/serverless';
import { DrizzleQueryError } from 'drizzle-orm';
import { drizzle as drizzleHttp } from 'drizzle-orm/neon-http';
import { drizzle as drizzleSession } from 'drizzle-orm/neon-serverless';
import * as schema from './schema.ts';

export { schema };

/** One-shot queries over HTTP. */
export const httpDb = (databaseUrl: string) => drizzleHttp(neon(databaseUrl), { schema });

/** Queries on a WebSocket session: a Client's, or a Pool's for db.transaction(). */
export const sessionDb = (client: Client | Pool) => drizzleSession(client, { schema });

/**
 * The driver's own error. Drizzle wraps it in an error whose message is the
 * failed query and its parameters; a log line gets the driver's reason (the
 * database is down, the table does not exist) and no parameters (here, the
 * caller's location).
 */
export function driverError(err: unknown): unknown {
  return err instanceof DrizzleQueryError && err.cause !== undefined ? err.cause : err;
}
