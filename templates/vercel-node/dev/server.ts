// `npm start`: the functions in api/ on http://127.0.0.1:3000, in Node like
// Vercel's Node.js runtime, with no Vercel account. /api/<name> runs the
// handler api/<name>.ts exports for the request's method (GET, POST, …).
// An edit under api/ or lib/ is live on the next request: the functions are
// loaded afresh (a new module instance, so a new pool, like a new Vercel
// instance; the old pool's idle connections time out). Each request is
// logged with its status and time. It answers only to this machine's names
// and pages, like the local proxy (neon-on-localhost/dev-server:
// NEON_LOCALHOST_ALLOWED_HOSTS / _ORIGINS allow more); when port 3000 is
// taken it takes a free one and says so.
//
//   node dev/server.ts [--port 3000] [--ip 127.0.0.1]   (PORT also sets the port)
//
// `neon-on-localhost run` starts it with DATABASE_URL set (an embedded
// database when .env.local has none).

import { existsSync, readdirSync, watch } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { register } from 'node:module';
import { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startDevServer } from 'neon-on-localhost/dev-server';

const root = new URL('../', import.meta.url);

// Module loading, for the project's own files (not node_modules):
// - '../lib/database.js' is lib/database.ts here, as it is lib/database.js
//   once Vercel has compiled it. Vercel runs the compiled files as ES modules,
//   which Node finds only by their full name, so an import without the
//   extension fails here as it would there, saying what to write;
// - a generation number (?v=N) passed from each function to what it imports,
//   so after an edit a new import loads every project file again.
const hooks = String.raw`const root = ${JSON.stringify(root.href)};
const own = (url) => url.startsWith(root) && !url.includes('/node_modules/');
export async function resolve(specifier, context, next) {
  let result;
  try { result = await next(specifier, context); }
  catch (err) {
    if (!/^\.\.?\//.test(specifier) || !own(context.parentURL ?? '')) throw err;
    if (/\.js$/.test(specifier)) result = await next(specifier.slice(0, -3) + '.ts', context);
    else if (!/\.[cm]?[jt]s$/.test(specifier)) throw new Error('import "' + specifier + '" needs its extension: write "' + specifier + '.js" (Vercel runs api/ as ES modules, which Node loads only by their full name)');
    else throw err;
  }
  const generation = context.parentURL && own(context.parentURL) ? new URL(context.parentURL).searchParams.get('v') : null;
  if (generation && own(result.url) && !result.url.includes('?')) return { ...result, url: result.url + '?v=' + generation };
  return result;
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);

let generation = 0;
for (const dir of ['api', 'lib']) {
  const path = fileURLToPath(new URL(`${dir}/`, root));
  if (existsSync(path)) watch(path, { recursive: true }, () => (generation += 1));
}

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    ip: { type: 'string', default: '127.0.0.1' },
  },
});

const apiDir = fileURLToPath(new URL('api/', root));
const routes = () =>
  readdirSync(apiDir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `/api/${f.slice(0, -3)}`);

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
  const name = /^\/api\/([\w-]+)\/?$/.exec(url.pathname)?.[1];
  const file = name ? `${apiDir}${name}.ts` : undefined;
  if (!file || !existsSync(file)) return send(res, 404, { error: 'not found', routes: routes() });
  const module = (await import(`${pathToFileURL(file).href}?v=${generation}`)) as Record<string, unknown>;
  const method = req.method ?? 'GET';
  const handler = module[method] ?? (method === 'HEAD' ? module.GET : undefined);
  if (typeof handler !== 'function') {
    const allow = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((m) => typeof module[m] === 'function');
    return send(res, 405, { error: `method not allowed: use ${allow.join(', ')}` }, { Allow: allow.join(', ') });
  }
  const body = method === 'GET' || method === 'HEAD' ? undefined : (Readable.toWeb(req) as ReadableStream);
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(key, value);
  const request = new Request(url, { method, headers, body, duplex: 'half' } as RequestInit);
  const response = (await handler(request)) as Response;
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
}

const handler = (req: IncomingMessage, res: ServerResponse) => {
  handle(req, res).catch((err: Error) => {
    // A function that throws: Vercel answers 500; say which, without the stack.
    console.error(`${req.method} ${req.url}: ${err.message.split('\n')[0]}`);
    if (!res.headersSent) send(res, 500, { error: 'function failed' });
    else res.destroy();
  });
};
const dev = await startDevServer(handler, { port: values.port ?? process.env.PORT, defaultPort: 3000, ip: values.ip }).catch((err: Error) => {
  console.error(`✖ ${err.message}`);
  return process.exit(1);
});
if (dev.moved) console.log(dev.moved);
console.log(`Ready on ${dev.url} (${routes().join(', ')})`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    dev.close();
    process.exit(0);
  });
}
