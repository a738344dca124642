// 5. Time to the first answer on a new connection: directly over TCP with
// `pg`, through the local proxy over a WebSocket (the driver's Client), and
// over HTTP (neon()), all to the same database.

import { Client, neon, neonConfig } from '@neondatabase/serverless';
import pg from 'pg';
import WebSocket from 'ws';
import { configureNeonDriver } from '../packages/neon-on-localhost/src/driver.ts';
import { startProxy } from '../packages/neon-on-localhost/src/proxy.ts';
import { targetOf } from '../packages/neon-on-localhost/src/targets.ts';
import { median, timed } from './stats.ts';

export interface Overhead {
  directMs: number;
  webSocketMs: number;
  httpMs: number;
  /** Of webSocketMs: the TCP connect and the HTTP upgrade alone (a WebSocket opened and closed). */
  upgradeMs: number;
  /** Of directMs: pg's connect (TCP, startup, authentication), before the query. */
  directConnectMs: number;
}

export async function measureProxyOverhead(databaseUrl: string, runs: number): Promise<Overhead> {
  const proxy = await startProxy({ allow: [targetOf(databaseUrl)] });
  neonConfig.webSocketConstructor = WebSocket;
  configureNeonDriver(neonConfig, databaseUrl, proxy.address);
  const direct: number[] = [];
  const ws: number[] = [];
  const http: number[] = [];
  const upgrade: number[] = [];
  const directConnect: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      direct.push(
        await timed(async () => {
          const client = new pg.Client(databaseUrl);
          directConnect.push(await timed(() => client.connect()));
          await client.query('select 1');
          await client.end();
        }),
      );
      ws.push(
        await timed(async () => {
          const client = new Client(databaseUrl);
          await client.connect();
          await client.query('select 1');
          await client.end();
        }),
      );
      http.push(await timed(() => neon(databaseUrl)`select 1`));
      upgrade.push(
        await timed(
          () =>
            new Promise<void>((resolve, reject) => {
              const socket = new WebSocket(`ws://${proxy.address}/v1?address=${targetOf(databaseUrl)}`);
              socket.once('open', () => {
                socket.close();
                resolve();
              });
              socket.once('error', reject);
            }),
        ),
      );
    }
  } finally {
    await proxy.close();
  }
  return { directMs: median(direct), webSocketMs: median(ws), httpMs: median(http), upgradeMs: median(upgrade), directConnectMs: median(directConnect) };
}
