// Drizzle on node-postgres (pg), the driver this Worker already uses through
// the Hyperdrive binding: make the Client per request as src/index.ts does
// (withClient), then drizzleOn(client). Hyperdrive pools the connections.

import { drizzle } from 'drizzle-orm/node-postgres';
import type { Client } from 'pg';
import * as schema from './schema.ts';

export { schema };

export const drizzleOn = (client: Client) => drizzle(client, { schema });
