// The README's migrations loop, followed literally (support/migrations-loop.ts),
// for the Drizzle variants of worker-raw and worker-hyperdrive.
import { describeDrizzleLoop } from './support/migrations-loop.ts';

describeDrizzleLoop('worker-raw');
describeDrizzleLoop('worker-hyperdrive');
