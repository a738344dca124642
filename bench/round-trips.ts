// 2. Database round trips per request, counted at the local proxy: WebSocket
// sessions, binary messages each way, and request–response turns (each time
// the flow switches from driver→Postgres back to Postgres→driver), plus HTTP
// /sql requests. Every Worker request opens a cold connection.

import { Client, neon, neonConfig } from '@neondatabase/serverless';
import WebSocket from 'ws';
import { configureNeonDriver } from '../packages/neon-on-localhost/src/driver.ts';
import { startProxy } from '../packages/neon-on-localhost/src/proxy.ts';
import type { ProxyStats } from '../packages/neon-on-localhost/src/stats.ts';
import { targetOf } from '../packages/neon-on-localhost/src/targets.ts';
import type { TestPostgres } from '../test/support/postgres.ts';

export interface TripCount {
  wsSessions: number;
  messagesIn: number;
  messagesOut: number;
  turns: number;
  httpRequests: number;
}

export async function readStats(proxy: string): Promise<ProxyStats> {
  return (await (await fetch(`http://${proxy}/_neon_localhost/stats`)).json()) as ProxyStats;
}

export function delta(before: ProxyStats, after: ProxyStats): TripCount {
  return {
    wsSessions: after.wsConnections - before.wsConnections,
    messagesIn: after.wsMessagesIn - before.wsMessagesIn,
    messagesOut: after.wsMessagesOut - before.wsMessagesOut,
    turns: after.wsTurns - before.wsTurns,
    httpRequests: after.httpRequests - before.httpRequests,
  };
}

/** Counts what one request to `url` costs at the proxy (waiting for the connection to close). */
export async function countRequest(url: string, proxy: string): Promise<TripCount> {
  const before = await readStats(proxy);
  const response = await fetch(url);
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  // The Worker closes its connection after responding (ctx.waitUntil): let it finish.
  for (let i = 0; i < 20 && (await readStats(proxy)).wsOpen > 0; i++) await new Promise((r) => setTimeout(r, 25));
  return delta(before, await readStats(proxy));
}

/**
 * The driver's own connect, from Node, against a cluster with cleartext
 * `password` auth (so pipelining can be tried): a Client with
 * pipelineConnect off and on, and neon() over HTTP.
 */
export async function countDriverModes(db: TestPostgres): Promise<{ mode: string; count: TripCount }[]> {
  const proxy = await startProxy({ allow: [targetOf(db.url)] });
  neonConfig.webSocketConstructor = WebSocket;
  const results: { mode: string; count: TripCount }[] = [];
  try {
    for (const pipelineConnect of [false, 'password'] as const) {
      configureNeonDriver(neonConfig, db.url, proxy.address);
      neonConfig.pipelineConnect = pipelineConnect;
      const before = { ...proxy.stats };
      const client = new Client(db.url);
      await client.connect();
      await client.query('select 1');
      await client.end();
      await new Promise((r) => setTimeout(r, 50));
      results.push({
        mode: `WebSocket Client, pipelineConnect ${pipelineConnect === false ? 'off' : "'password'"}`,
        count: delta(before, proxy.stats),
      });
    }
    configureNeonDriver(neonConfig, db.url, proxy.address);
    const before = { ...proxy.stats };
    await neon(db.url)`select 1`;
    results.push({ mode: 'HTTP neon()', count: delta(before, proxy.stats) });
  } finally {
    await proxy.close();
  }
  return results;
}
