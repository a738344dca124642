// 2b. Round trips for the templates whose driver speaks Postgres over TCP
// (worker-hyperdrive's pg through the Hyperdrive binding, whose local
// connection is your database itself; vercel-node's pg Pool): they never pass
// the local proxy, so a counting TCP relay sits between the dev server and
// Postgres instead, and DATABASE_URL points at it. Counted the way the proxy
// counts a WebSocket session: chunks each way (one per socket read, so what
// Postgres sends in one go is one chunk), and a turn each time the flow
// switches from client→Postgres back to Postgres→client.

import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { cleanEnv } from '../test/support/cli.ts';
import { startDevServer } from '../test/support/dev-server.ts';
import type { Projects } from './projects.ts';

export interface TcpCount {
  connections: number;
  chunksIn: number;
  chunksOut: number;
  turns: number;
}

interface TcpStats extends TcpCount {
  open: number;
}

export interface TcpCounter {
  /** `127.0.0.1:PORT`, to put in place of the database's host and port. */
  readonly address: string;
  readonly stats: Readonly<TcpStats>;
  close(): Promise<void>;
}

/** A loopback relay to `target` that counts what crosses it. */
export async function startTcpCounter(target: { host: string; port: number }): Promise<TcpCounter> {
  const stats: TcpStats = { connections: 0, chunksIn: 0, chunksOut: 0, turns: 0, open: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ noDelay: true }, (client) => {
    stats.connections++;
    stats.open++;
    const upstream = net.connect({ ...target, noDelay: true });
    let last: 'in' | 'out' | undefined;
    for (const s of [client, upstream]) sockets.add(s);
    client.on('data', (chunk) => {
      stats.chunksIn++;
      last = 'in';
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      stats.chunksOut++;
      if (last === 'in') stats.turns++;
      last = 'out';
      client.write(chunk);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    let closed = false;
    const teardown = () => {
      if (closed) return;
      closed = true;
      stats.open--;
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const s of [client, upstream]) {
      s.on('error', teardown);
      s.on('close', teardown);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    stats,
    close() {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function delta(before: TcpStats, after: TcpStats): TcpCount {
  return {
    connections: after.connections - before.connections,
    chunksIn: after.chunksIn - before.chunksIn,
    chunksOut: after.chunksOut - before.chunksOut,
    turns: after.turns - before.turns,
  };
}

export interface TcpRoute {
  path: string;
  transport: string;
}

export interface TcpTemplate {
  name: 'worker-hyperdrive' | 'vercel-node';
  /** A path answered without the database, so that the first counted request is the cold one. */
  readyPath: string;
  routes: TcpRoute[];
}

export const TCP_TEMPLATES: TcpTemplate[] = [
  {
    name: 'worker-hyperdrive',
    readyPath: '/not-a-route',
    routes: [
      { path: '/', transport: 'pg Client via Hyperdrive (local: plain TCP)' },
      { path: '/tx', transport: 'pg Client via Hyperdrive, transaction' },
    ],
  },
  {
    name: 'vercel-node',
    readyPath: '/api/not-a-function',
    routes: [
      { path: '/api/now', transport: 'pg Pool, first request (new connection)' },
      { path: '/api/now', transport: 'pg Pool, next request (pooled connection)' },
      { path: '/api/tx', transport: 'pg Pool, transaction (pooled connection)' },
    ],
  },
];

/** `url` with its host and port replaced by `address`. */
function through(url: string, address: string): string {
  const u = new URL(url);
  u.host = address;
  return u.toString();
}

/** Waits until nothing has crossed the relay for a while (Hyperdrive's Client closes after the response). */
async function settled(counter: TcpCounter): Promise<void> {
  let seen = JSON.stringify(counter.stats);
  for (let quiet = 0, i = 0; quiet < 4 && i < 40; i++) {
    await new Promise((r) => setTimeout(r, 25));
    const now = JSON.stringify(counter.stats);
    quiet = now === seen ? quiet + 1 : 0;
    seen = now;
  }
}

/** Serves `template` with DATABASE_URL through a counting relay and counts each route once, in order. */
export async function countTcpRoutes(projects: Projects, template: TcpTemplate, databaseUrl: string): Promise<{ route: TcpRoute; count: TcpCount }[]> {
  const db = new URL(databaseUrl);
  const counter = await startTcpCounter({ host: db.hostname, port: Number(db.port || 5432) });
  try {
    // `neon-on-localhost run` takes DATABASE_URL from the environment before .dev.vars / .env,
    // and hands it to Hyperdrive's local connection.
    const env = cleanEnv({ DATABASE_URL: through(databaseUrl, counter.address) });
    const dev = await startDevServer(await projects.project(template.name), template.readyPath, env);
    const results: { route: TcpRoute; count: TcpCount }[] = [];
    try {
      await settled(counter); // migrations at startup also pass the relay
      for (const route of template.routes) {
        const before = { ...counter.stats };
        const response = await fetch(`${dev.base}${route.path}`);
        await response.arrayBuffer();
        if (!response.ok) throw new Error(`${template.name} ${route.path}: ${response.status}\n${dev.output()}`);
        await settled(counter);
        results.push({ route, count: delta(before, counter.stats) });
      }
    } finally {
      await dev.stop();
    }
    return results;
  } finally {
    await counter.close();
  }
}
