// `npm start`: the functions in api/ on http://127.0.0.1:3000, inside the
// edge-runtime sandbox Vercel publishes (the same Web APIs as Vercel's edge,
// no Node APIs), with no Vercel account. As on Vercel, every file in api/ is a
// route (api/notes.ts is /api/notes). An edit in api/ or lib/, or a new file,
// is picked up at once; each request is logged with its status and time.
// It answers only to this machine's names and pages, like the local proxy
// (neon-on-localhost/dev-server: NEON_LOCALHOST_ALLOWED_HOSTS / _ORIGINS allow
// more); when port 3000 is taken it takes a free one and says so.
//
//   node dev/server.ts [--port 3000] [--ip 127.0.0.1]   (PORT also sets the port)
//
// `neon-on-localhost run` starts it with DATABASE_URL and NEON_LOCALHOST_PROXY set.

import { existsSync, readdirSync, watch } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { createHandler, EdgeRuntime } from 'edge-runtime';
import { readDatabaseUrl } from 'neon-on-localhost';
import { startDevServer } from 'neon-on-localhost/dev-server';
import { routeOf } from './router.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    ip: { type: 'string', default: '127.0.0.1' },
  },
});

const root = process.cwd();
const FUNCTION_FILE = /^[^.].*(?<!\.d)\.[cm]?[jt]s$/;

/** The function files under api/, relative to the project: api/now.ts, api/a/b.ts… */
function functionFiles(dir = 'api'): string[] {
  if (!existsSync(path.join(root, dir))) return [];
  return readdirSync(path.join(root, dir), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? functionFiles(`${dir}/${e.name}`) : FUNCTION_FILE.test(e.name) ? [`${dir}/${e.name}`] : []))
    .sort();
}

const env: Record<string, string> = {};
const databaseUrl = readDatabaseUrl(root);
if (databaseUrl) env.DATABASE_URL = databaseUrl;
if (process.env.NEON_LOCALHOST_PROXY) env.NEON_LOCALHOST_PROXY = process.env.NEON_LOCALHOST_PROXY;

/** Bundles api/ as Vercel would (one script, the Web APIs only) into a fresh sandbox. */
type Loaded = ReturnType<typeof createHandler> & { routes: string[] };

async function load(): Promise<Loaded> {
  const files = functionFiles();
  const routes = files.map((file) => routeOf(file));
  const contents = [
    `import { serve } from './dev/edge-entry.ts';`,
    ...files.map((file, i) => `import f${i} from './${file}';`),
    `serve({ ${files.map((file, i) => `${JSON.stringify(routes[i])}: f${i}`).join(', ')} });`,
  ].join('\n');
  const bundle = await build({
    stdin: { contents, resolveDir: root, sourcefile: 'api-routes.ts', loader: 'ts' },
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    conditions: ['edge-light', 'worker', 'browser'],
    logLevel: 'silent',
  });
  const runtime = new EdgeRuntime({
    initialCode: bundle.outputFiles[0].text,
    extend: (context) => Object.assign(context, { process: { env } }),
  });
  return { ...createHandler({ runtime }), routes };
}

let current = await load().catch((err: Error) => {
  console.error(`✖ ${err.message}`);
  return process.exit(1);
});

const dev = await startDevServer((req, res) => void current.handler(req, res), {
  port: values.port ?? process.env.PORT,
  defaultPort: 3000,
  ip: values.ip,
}).catch((err: Error) => {
  console.error(`✖ ${err.message}`);
  return process.exit(1);
});
if (dev.moved) console.log(dev.moved);
console.log(`Ready on ${dev.url} (${current.routes.join(', ')}); edits in api/ and lib/ reload`);

// Reload on change: a short pause lets an editor finish writing; a broken
// edit keeps the last good build running and says why.
let timer: NodeJS.Timeout | undefined;
const changed = new Set<string>();
for (const dir of ['api', 'lib']) {
  if (!existsSync(path.join(root, dir))) continue;
  watch(path.join(root, dir), { recursive: true }, (_event, file) => {
    if (file && /\.[cm]?[jt]s$/.test(file)) changed.add(`${dir}/${file}`); // not an editor's temp file
    clearTimeout(timer);
    timer = setTimeout(() => {
      const what = [...changed].join(', ');
      changed.clear();
      load().then(
        (next) => {
          current = next;
          console.log(`↻ reloaded after a change to ${what} (${next.routes.join(', ')})`);
        },
        (err: Error) => console.error(`✖ ${what}: ${err.message.split('\n').slice(0, 3).join(' ')} (still serving the last good build)`),
      );
    }, 100);
  });
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    dev.close();
    // Work handed to waitUntil (closing a Pool) finishes first, as on Vercel; but not forever.
    const waited = Promise.race([current.waitUntil(), new Promise((r) => setTimeout(r, 3_000))]);
    void waited.then(
      () => process.exit(0),
      () => process.exit(0),
    );
  });
}
