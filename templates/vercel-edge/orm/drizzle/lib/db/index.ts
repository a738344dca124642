// Drizzle on Neon's serverless driver, with the transport that fits the work,
// as the raw functions do: neon-http (one HTTP request per query) for one-shot
// queries, neon-serverless (a WebSocket session from a Pool) for interactive
// transactions. An edge function makes its Pool inside the request and ends it
// with waitUntil(pool.end()) from @vercel/functions.

import { neon, type Pool } from '@neondatabase/serverless';
import { drizzle as drizzleHttp } from 'drizzle-orm/neon-http';
import { drizzle as drizzleSession } from 'drizzle-orm/neon-serverless';
import * as schema from './schema';

export { schema };

/** One-shot queries over HTTP. */
export const httpDb = (databaseUrl: string) => drizzleHttp(neon(databaseUrl), { schema });

/** Transactions (db.transaction(async (tx) => …)) on a Pool's WebSocket sessions. */
export const sessionDb = (pool: Pool) => drizzleSession(pool, { schema });
