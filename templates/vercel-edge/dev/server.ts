// `npm start`: the functions in api/ on http://127.0.0.1:3000, inside the
// edge-runtime sandbox Vercel publishes (the same Web APIs as Vercel's edge,
// no Node APIs), with no Vercel account. `npm run dev` runs `vercel dev`
// instead when you have one.
//
//   node dev/server.ts [--port 3000] [--ip 127.0.0.1]   (PORT also sets the port)
//
// `neon-on-localhost run` starts it with DATABASE_URL and NEON_LOCALHOST_PROXY set.

import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { EdgeRuntime, runServer } from 'edge-runtime';
import { readDatabaseUrl } from 'neon-on-localhost';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '3000' },
    ip: { type: 'string', default: '127.0.0.1' },
  },
});

// Bundled as Vercel would: one script, the Web APIs only.
const bundle = await build({
  entryPoints: [new URL('./edge-entry.ts', import.meta.url).pathname],
  bundle: true,
  write: false,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  conditions: ['edge-light', 'worker', 'browser'],
  logLevel: 'warning',
});

const env: Record<string, string> = {};
const databaseUrl = readDatabaseUrl(process.cwd());
if (databaseUrl) env.DATABASE_URL = databaseUrl;
if (process.env.NEON_LOCALHOST_PROXY) env.NEON_LOCALHOST_PROXY = process.env.NEON_LOCALHOST_PROXY;

const runtime = new EdgeRuntime({
  initialCode: bundle.outputFiles[0].text,
  extend: (context) => Object.assign(context, { process: { env } }),
});
const server = await runServer({ runtime, port: Number(values.port), host: values.ip });
console.log(`Ready on ${server.url} (api/now, api/tx, api/nearest)`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void server.close().then(() => process.exit(0)));
}
