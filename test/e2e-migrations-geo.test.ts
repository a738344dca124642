// The README's migrations loop, followed literally (support/migrations-loop.ts),
// for the Drizzle variants of the two templates with places: worker-postgis
// (on PostgreSQL with PostGIS) and vercel-edge.
import { describeDrizzleLoop } from './support/migrations-loop.ts';

describeDrizzleLoop('worker-postgis');
describeDrizzleLoop('vercel-edge');
