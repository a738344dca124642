// What the local server runs inside Vercel's edge-runtime sandbox: a fetch
// listener in front of the router, given the functions found in api/.
// waitUntil() from @vercel/functions finds the event's waitUntil through
// Vercel's request-context symbol, as it does on Vercel.
import { route, type Routes } from './router';

interface FetchEvent extends Event {
  request: Request;
  respondWith(response: Promise<Response>): void;
  waitUntil(promise: Promise<unknown>): void;
}

const requestContext = Symbol.for('@vercel/request-context');

export function serve(routes: Routes): void {
  addEventListener('fetch', (event) => {
    const fetchEvent = event as FetchEvent;
    (globalThis as Record<symbol, unknown>)[requestContext] = {
      get: () => ({ waitUntil: (promise: Promise<unknown>) => fetchEvent.waitUntil(promise) }),
    };
    fetchEvent.respondWith(route(fetchEvent.request, routes));
  });
}
