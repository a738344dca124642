// Drizzle on Neon's serverless driver, with the transport that fits the work:
// neon-http (one HTTP request per query) for one-shot queries, and
// neon-serverless (a WebSocket session: a Pool's, or a Client's) for
// interactive transactions. An edge function makes its Pool inside the request
// and ends it with waitUntil(pool.end()) from @vercel/functions, as api/tx.ts does.

import { neon, type Client, type Pool } from '@neondatabase/serverless';
import { DrizzleQueryError } from 'drizzle-orm';
import { drizzle as drizzleHttp } from 'drizzle-orm/neon-http';
import { drizzle as drizzleSession } from 'drizzle-orm/neon-serverless';
import * as schema from './schema';

export { schema };

/** One-shot queries over HTTP. */
export const httpDb = (databaseUrl: string) => drizzleHttp(neon(databaseUrl), { schema });

/** Queries on a WebSocket session: a Pool's for db.transaction(), or a Client's. */
export const sessionDb = (client: Pool | Client) => drizzleSession(client, { schema });

/**
 * The driver's own error. Drizzle wraps it in an error whose message is the
 * failed query and its parameters; a log line gets the driver's reason (the
 * database is down, the table does not exist) and no parameters.
 */
export function driverError(err: unknown): unknown {
  return err instanceof DrizzleQueryError && err.cause !== undefined ? err.cause : err;
}
