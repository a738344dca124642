// Routes /api/<name> to the default export of api/<name>.ts, as Vercel does
// for a project without a framework. The table is built from the files in
// api/ by the local server (dev/server.ts), so a new file is a new route.

export type Routes = Record<string, (request: Request) => Promise<Response>>;

/** `api/notes.ts` → `/api/notes`; `api/index.ts` → `/api`; `api/a/index.ts` → `/api/a`. */
export function routeOf(file: string): string {
  return `/${file.replace(/\.[cm]?[jt]s$/, '')}`.replace(/\/index$/, '');
}

export function route(request: Request, routes: Routes): Promise<Response> {
  const path = new URL(request.url).pathname.replace(/(.)\/$/, '$1');
  const handler = routes[path];
  if (handler) return handler(request);
  return Promise.resolve(Response.json({ error: 'not found', routes: Object.keys(routes) }, { status: 404 }));
}
