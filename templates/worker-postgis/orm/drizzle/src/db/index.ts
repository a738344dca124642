// Drizzle on Neon's HTTP driver (one HTTP request per query), the transport
// the Worker's /nearest route already uses. Create it inside the request, from
// env.DATABASE_URL, as the route creates its neon() client.

import { neon } from '@neondatabase/serverless';
import { drizzle } from 'drizzle-orm/neon-http';
import * as schema from './schema.ts';

export { schema };

export const db = (databaseUrl: string) => drizzle(neon(databaseUrl), { schema });
