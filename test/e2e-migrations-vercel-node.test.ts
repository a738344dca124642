// The README's migrations loop, followed literally (support/migrations-loop.ts),
// for vercel-node: its Drizzle variant (and that variant built and served as
// Vercel runs it), and its plain SQL loop.
import { describeDrizzleLoop, describePlainVercelNodeLoop } from './support/migrations-loop.ts';

describeDrizzleLoop('vercel-node');
describePlainVercelNodeLoop();
