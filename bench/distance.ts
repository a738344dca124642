// 6. Time to first query at a distance: the same local database, with every
// round trip between the caller and the proxy (or, for plain TCP, Postgres)
// made to cost 0, 10, 50 or 100 ms by neon-on-localhost's latency front
// (NEON_LOCALHOST_RTT_MS). From Node, each run on a new connection:
//   - the driver's Client over WebSocket, pipelineConnect off and 'password'
//   - the driver's neon() over HTTP, on a new TCP connection and on a warm one
//   - `pg` over TCP straight to Postgres through a latency front: the path a
//     Worker takes through Hyperdrive locally (wrangler dev connects to the
//     database itself), with the database's own scram-sha-256 login.
// The round trips column is the slope: (time at the largest RTT − time at 0) / RTT.

import http from 'node:http';
import { Client, neon, neonConfig } from '@neondatabase/serverless';
import pg from 'pg';
import WebSocket from 'ws';
import { configureNeonDriver } from '../packages/neon-on-localhost/src/driver.ts';
import { startLatencyFront, type LatencyFront } from '../packages/neon-on-localhost/src/latency.ts';
import { startProxy, type LocalProxy } from '../packages/neon-on-localhost/src/proxy.ts';
import { targetOf } from '../packages/neon-on-localhost/src/targets.ts';
import { median, timed } from './stats.ts';

export interface DistanceRow {
  path: string;
  /** What Neon (or Cloudflare) publish for the same path over the internet. */
  published: string;
  /** Median ms per RTT, in the order of `rtts`. */
  medians: number[];
  /** Round trips implied by the timings. */
  roundTrips: number;
}

/** neon()'s fetch on a new TCP connection every time (Node's global fetch keeps connections open). */
function fetchOnNewConnection(url: string, init: { method?: string; headers?: Record<string, string>; body?: string }): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: init.method ?? 'GET', headers: init.headers, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers.set(k, v);
        resolve(new Response(Buffer.concat(parts), { status: res.statusCode, headers }));
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

export async function measureDistance(databaseUrl: string, rtts: readonly number[], runs: number): Promise<DistanceRow[]> {
  neonConfig.webSocketConstructor = WebSocket;
  const target = targetOf(databaseUrl);
  const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  const paths: { path: string; published: string; once: (proxy: LocalProxy, tcp: string) => Promise<unknown> }[] = [
    {
      path: 'WebSocket `Client`, pipelineConnect off',
      published: '9 (Neon, before its connection work)',
      once: async (proxy) => {
        configureNeonDriver(neonConfig, databaseUrl, proxy.address);
        const client = new Client(databaseUrl);
        client.neonConfig.pipelineConnect = false;
        await client.connect();
        await client.query('select 1');
        void client.end();
      },
    },
    {
      path: 'WebSocket `Client`, pipelined (the default)',
      published: '4 (Neon: TCP, TLS 1.3, upgrade, 1 pipelined turn); 3 without TLS',
      once: async (proxy) => {
        configureNeonDriver(neonConfig, databaseUrl, proxy.address);
        const client = new Client(databaseUrl);
        await client.connect();
        await client.query('select 1');
        void client.end();
      },
    },
    {
      path: 'HTTP `neon()`, new connection',
      published: 'not published; TCP + TLS 1.3 + the request = 3, 2 without TLS',
      once: async (proxy) => {
        configureNeonDriver(neonConfig, databaseUrl, proxy.address);
        await neon(databaseUrl)`select 1`;
      },
    },
    {
      path: 'HTTP `neon()`, warm connection',
      published: '1 (the request)',
      once: async (proxy) => {
        configureNeonDriver(neonConfig, databaseUrl, proxy.address);
        await neon(databaseUrl)`select 1`;
      },
    },
    {
      path: '`pg` over TCP to Postgres (worker-hyperdrive, local)',
      published:
        '7 before the query without a pool (Cloudflare: TCP 1, TLS 3, auth 3); Hyperdrive pools near the database, so in production the Worker pays them once',
      once: async (_proxy, tcp) => {
        const url = new URL(databaseUrl);
        url.host = tcp;
        const client = new pg.Client(url.toString());
        await client.connect();
        await client.query('select 1');
        void client.end();
      },
    },
  ];

  const medians = paths.map(() => [] as number[]);
  for (const rtt of rtts) {
    const proxy = await startProxy({ allow: [target], rttMs: rtt, maxConnections: 100 });
    const front: LatencyFront | undefined = rtt > 0 ? await startLatencyFront({ target: { host, port }, rttMs: rtt }) : undefined;
    const tcp = front?.address ?? target;
    try {
      for (const [i, p] of paths.entries()) {
        const newConnection = p.path.includes('new connection');
        neonConfig.fetchFunction = newConnection ? fetchOnNewConnection : undefined;
        if (p.path.includes('warm')) await p.once(proxy, tcp); // open the connection it will reuse
        await p.once(proxy, tcp); // warm the code paths
        const samples: number[] = [];
        for (let r = 0; r < runs; r++) samples.push(await timed(() => p.once(proxy, tcp)));
        medians[i].push(median(samples));
      }
    } finally {
      neonConfig.fetchFunction = undefined;
      await front?.close();
      await proxy.close();
    }
  }
  const far = rtts.length - 1;
  return paths.map((p, i) => ({
    path: p.path,
    published: p.published,
    medians: medians[i],
    roundTrips: rtts[far] > 0 ? (medians[i][far] - medians[i][0]) / rtts[far] : Number.NaN,
  }));
}
