// Drizzle on this instance's pg Pool (lib/database.ts: one Pool per function
// instance, attached to Vercel with attachDatabasePool): drizzle-orm/node-postgres.

import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import * as schema from './schema';

export { schema };

export const drizzleOn = (pool: pg.Pool) => drizzle(pool, { schema });
