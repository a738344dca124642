// The CLI proper, bundled into dist/cli.js; bin/create-neon-edge.ts loads it.
import { main } from '../src/scaffold/run.ts';

process.exitCode = await main(process.argv.slice(2));
