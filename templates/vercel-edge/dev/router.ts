// Routes /api/<name> to api/<name>.ts, as Vercel does for a project without a
// framework. Used by the local server (dev/server.ts) and by the workerd tests.
import nearest from '../api/nearest';
import now from '../api/now';
import tx from '../api/tx';

const routes: Record<string, (request: Request) => Promise<Response>> = {
  '/api/now': now,
  '/api/tx': tx,
  '/api/nearest': nearest,
};

export function route(request: Request): Promise<Response> {
  const handler = routes[new URL(request.url).pathname.replace(/\/$/, '')];
  if (handler) return handler(request);
  return Promise.resolve(Response.json({ error: 'not found', routes: Object.keys(routes) }, { status: 404 }));
}

export default { fetch: route };
