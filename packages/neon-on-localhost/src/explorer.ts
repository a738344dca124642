// The explorer: a page served by the proxy that shows, live, what reached the
// database (query-log.ts) and a read-only view of its tables
// (explorer-tables.ts).
//
//   GET /explorer          the page (explorer-page.ts: inline, no external assets)
//   GET /explorer/events   Server-Sent Events: a snapshot, then each change
//   GET /explorer/log      the snapshot as JSON
//   GET /explorer/tables   tables and row counts
//
// On top of the proxy's own guard (origin-guard.ts: loopback Host, no foreign
// Origin), these answer GET and HEAD only, and only to the page itself: a
// request from any other page, even one on this machine, is refused (its
// Origin or Sec-Fetch-Site says where it comes from), and no CORS header is
// ever sent. Nothing here takes SQL or changes data.

import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { maskDatabaseUrl } from './database-url.ts';
import { explorerPage } from './explorer-page.ts';
import { readTables, type TableView } from './explorer-tables.ts';
import type { LogEvent, QueryLog } from './query-log.ts';
import { redact } from './redact.ts';

export const EXPLORER_PATH = '/explorer';

export interface ExplorerOptions {
  log: QueryLog;
  /** The emulated round trip in front of the proxy, in ms (known once it listens). */
  rttMs: () => number;
  /** The database whose tables are shown; without it, no tables view. */
  databaseUrl?: string;
}

// Open pages (live streams) at once, and what one may have unsent before it is cut off (it then reconnects).
const MAX_STREAMS = 16;
const MAX_UNSENT_BYTES = 4 * 1024 * 1024;
const KEEP_ALIVE_MS = 15_000;

const SECURITY_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

export function isExplorerPath(path: string): boolean {
  return path === EXPLORER_PATH || path.startsWith(`${EXPLORER_PATH}/`);
}

/** Why a request may not see the explorer, or undefined when it may. */
function refusal(req: IncomingMessage): { status: number; message: string } | undefined {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return { status: 405, message: 'the explorer only shows: use GET' };
  }
  const origin = req.headers.origin;
  if (origin !== undefined && origin.toLowerCase() !== `http://${req.headers.host ?? ''}`.toLowerCase()) {
    return { status: 403, message: `neon-on-localhost: refused Origin ${JSON.stringify(origin.slice(0, 100))}: the explorer answers its own page only` };
  }
  // Browsers say where a request comes from even when they send no Origin (images, scripts, navigations).
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return { status: 403, message: `neon-on-localhost: refused a ${site} request: the explorer answers its own page only` };
  }
  return undefined;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function createExplorer({ log, rttMs, databaseUrl }: ExplorerOptions) {
  const streams = new Set<() => void>();
  const database = databaseUrl && maskDatabaseUrl(databaseUrl);
  let reading: Promise<TableView[]> | undefined;

  const snapshot = () => ({ rttMs: rttMs(), showValues: log.showValues, database: database ?? null, ...log.snapshot() });

  function page(res: ServerResponse): void {
    const nonce = randomBytes(16).toString('base64');
    const html = explorerPage(nonce);
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': Buffer.byteLength(html),
      'Content-Security-Policy':
        `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src data:; ` +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    });
    res.end(html);
  }

  function events(req: IncomingMessage, res: ServerResponse): void {
    if (streams.size >= MAX_STREAMS) return sendJson(res, 503, { message: `too many explorer pages open (${MAX_STREAMS}): close some` });
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8' });
    if (req.method === 'HEAD') return void res.end();
    const write = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    res.write('retry: 2000\n\n');
    write('snapshot', snapshot());
    // Changes within one tick go out together, each statement and group once, in its latest state.
    const pending = new Map<string, LogEvent>();
    let scheduled: NodeJS.Immediate | undefined;
    const flush = () => {
      scheduled = undefined;
      for (const event of pending.values()) write(event.type, event.type === 'group' ? event.group : event.statement);
      pending.clear();
      // A page that does not keep up starts again from a snapshot (EventSource reconnects).
      if (res.writableLength > MAX_UNSENT_BYTES) res.destroy();
    };
    const unsubscribe = log.subscribe((event) => {
      const key = event.type === 'group' ? `g${event.group.id}` : `s${event.statement.id}`;
      pending.delete(key);
      pending.set(key, event);
      scheduled ??= setImmediate(flush);
    });
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
    const stop = () => {
      unsubscribe();
      clearInterval(keepAlive);
      if (scheduled) clearImmediate(scheduled);
      streams.delete(stop);
      res.destroy();
    };
    streams.add(stop);
    res.once('close', stop);
  }

  async function tables(res: ServerResponse): Promise<void> {
    if (!databaseUrl)
      return sendJson(res, 200, { database: null, tables: null, message: 'the proxy was started without a database URL, so it has no tables to show' });
    try {
      // One read at a time, shared by every page that asks meanwhile.
      reading ??= readTables(databaseUrl).finally(() => (reading = undefined));
      sendJson(res, 200, { database, tables: await reading });
    } catch (err) {
      sendJson(res, 503, {
        database,
        tables: null,
        message: `could not read the tables: ${redact(err instanceof Error ? err.message : String(err), databaseUrl)}`,
      });
    }
  }

  return {
    /** Answers a request under /explorer (isExplorerPath). */
    handle(req: IncomingMessage, res: ServerResponse, path: string): void {
      const refused = refusal(req);
      if (refused) {
        if (refused.status === 405) res.setHeader('Allow', 'GET, HEAD');
        return sendJson(res, refused.status, { message: refused.message });
      }
      if (path === EXPLORER_PATH || path === `${EXPLORER_PATH}/`) return page(res);
      if (path === `${EXPLORER_PATH}/events`) return events(req, res);
      if (path === `${EXPLORER_PATH}/log`) return sendJson(res, 200, snapshot());
      if (path === `${EXPLORER_PATH}/tables`) return void tables(res);
      sendJson(res, 404, { message: `not found: the explorer is at ${EXPLORER_PATH}` });
    },
    /** Ends the open pages' streams. */
    close(): void {
      for (const stop of [...streams]) stop();
    },
  };
}
