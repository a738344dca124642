// Drizzle on Neon's serverless driver, with the transport that fits the work:
// neon-http (one HTTP request per query) for one-shot queries, neon-serverless
// (a WebSocket session from a Pool) for interactive transactions. As for the
// raw routes, create them inside the request and end the Pool with
// ctx.waitUntil(pool.end()).

import { neon, type Pool } from '@neondatabase/serverless';
import { drizzle as drizzleHttp } from 'drizzle-orm/neon-http';
import { drizzle as drizzleSession } from 'drizzle-orm/neon-serverless';
import * as schema from './schema.ts';

export { schema };

/** One-shot queries over HTTP. */
export const httpDb = (databaseUrl: string) => drizzleHttp(neon(databaseUrl), { schema });

/** Transactions (db.transaction(async (tx) => …)) on a Pool's WebSocket sessions. */
export const sessionDb = (pool: Pool) => drizzleSession(pool, { schema });
