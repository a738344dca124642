// The local proxy authenticates WebSocket sessions the way Neon's proxy does:
// it asks the driver for the password (AuthenticationCleartextPassword) and
// proves it to Postgres itself, with whatever Postgres asks for. So the driver
// never runs SCRAM (4096 awaited HMACs, seconds per burst inside an edge
// runtime), and Neon's pipelined connect works locally too. Real clusters with
// scram-sha-256, md5 and cleartext password auth, the real driver, raw sockets.

import { Client, neonConfig, Pool } from '@neondatabase/serverless';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { configureNeonDriver } from '../src/driver.ts';
import { startProxy, type LocalProxy } from '../src/proxy.ts';
import { targetOf } from '../src/targets.ts';
import { startPostgres, type PasswordAuth, type TestPostgres } from '../../../test/support/postgres.ts';

const METHODS: PasswordAuth[] = ['scram-sha-256', 'md5', 'password'];
const clusters = new Map<PasswordAuth, { db: TestPostgres; proxy: LocalProxy }>();

beforeAll(async () => {
  neonConfig.webSocketConstructor = WebSocket;
  await Promise.all(
    METHODS.map(async (auth) => {
      const db = await startPostgres({ auth });
      clusters.set(auth, { db, proxy: await startProxy({ allow: [targetOf(db.url)], maxConnections: 60 }) });
    }),
  );
});

afterAll(async () => {
  for (const { db, proxy } of clusters.values()) {
    await proxy.close();
    await db.destroy();
  }
});

function use(auth: PasswordAuth): { db: TestPostgres; proxy: LocalProxy } {
  const cluster = clusters.get(auth)!;
  configureNeonDriver(neonConfig, cluster.db.url, cluster.proxy.address);
  return cluster;
}

async function until(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A Client that records which authentication requests reached the driver. */
function watchedClient(config: string | { connectionString: string; connectionTimeoutMillis?: number }, pipeline = false) {
  const client = new Client(config);
  client.on('error', () => {});
  client.neonConfig.pipelineConnect = pipeline ? 'password' : false; // configureNeonDriver turns it on
  const seen: string[] = [];
  for (const event of ['authenticationSASL', 'authenticationMD5Password', 'authenticationCleartextPassword']) {
    client.connection.on(event, () => seen.push(event));
  }
  return { client, seen };
}

describe.each(METHODS)('Postgres asking for %s', (auth) => {
  it('the driver connects with the password only; the proxy does the rest', async () => {
    const { db, proxy } = use(auth);
    const { client, seen } = watchedClient(db.url);
    await client.connect();
    const { rows } = await client.query('select current_user as who, $1::int + 1 as n', [41]);
    await client.end();
    expect(rows).toEqual([{ who: 'app', n: 42 }]);
    expect(seen).toEqual(['authenticationCleartextPassword']); // never SASL or MD5 in the driver
    await until('the session to close', () => proxy.stats.wsOpen === 0);
  });

  it("works with Neon's pipelined connect (password and first query sent at once)", async () => {
    const { db } = use(auth);
    const { client } = watchedClient(db.url, true);
    await client.connect();
    expect((await client.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
    await client.end();
  });

  it('refuses a wrong password with Postgres’ own error, and frees the slot', async () => {
    const { db, proxy } = use(auth);
    const url = new URL(db.url);
    url.password = 'not-the-password';
    const { client } = watchedClient({ connectionString: url.toString(), connectionTimeoutMillis: 5_000 });
    await expect(client.connect()).rejects.toMatchObject({ code: '28P01', message: 'password authentication failed for user "app"' });
    // Pipelined, the driver counts itself connected at once (as with Neon): the first query gets the error.
    const { client: pipelined } = watchedClient({ connectionString: url.toString(), connectionTimeoutMillis: 5_000 }, true);
    await pipelined.connect();
    await expect(pipelined.query('select 1')).rejects.toMatchObject({ code: '28P01', message: 'password authentication failed for user "app"' });
    await until('the slots to be free', () => proxy.stats.wsOpen === 0);
  });
});

describe('sessions through the authenticating proxy', () => {
  it('passes on errors Postgres sends before authentication (an unknown database)', async () => {
    const { db } = use('scram-sha-256');
    const url = new URL(db.url);
    url.pathname = '/no_such_db';
    const { client } = watchedClient({ connectionString: url.toString(), connectionTimeoutMillis: 5_000 });
    await expect(client.connect()).rejects.toMatchObject({ code: '3D000', message: 'database "no_such_db" does not exist' });
  });

  it('answers an SSL request with N (plain, as over Neon’s WebSocket) and asks for the password first', async () => {
    const { db, proxy } = use('scram-sha-256');
    const ws = new WebSocket(`ws://${proxy.address}/v1?address=127.0.0.1:${db.port}`);
    const received: Buffer[] = [];
    ws.on('message', (data: Buffer) => received.push(data));
    await new Promise((resolve) => ws.once('open', resolve));
    const ssl = Buffer.alloc(8);
    ssl.writeInt32BE(8, 0);
    ssl.writeInt32BE(80877103, 4);
    ws.send(ssl);
    await until('the SSL answer', () => received.length === 1);
    expect(received[0].toString()).toBe('N');
    const params = Buffer.from('user\0app\0database\0app\0\0');
    const startup = Buffer.alloc(8 + params.length);
    startup.writeInt32BE(startup.length, 0);
    startup.writeInt32BE(196608, 4);
    params.copy(startup, 8);
    ws.send(startup);
    await until('the authentication request', () => received.length === 2);
    // 'R', length 8, 3 = AuthenticationCleartextPassword: what Neon's proxy asks, not Postgres' SCRAM.
    expect([...received[1]]).toEqual([0x52, 0, 0, 0, 8, 0, 0, 0, 3]);
    ws.close();
    await until('the slot to be free', () => proxy.stats.wsOpen === 0);
  });

  it('authenticates a burst of 50 sessions at once, each answering, none left open', async () => {
    const { db, proxy } = use('scram-sha-256');
    const pool = new Pool({ connectionString: db.url, max: 50 });
    pool.on('error', () => {});
    const clients = await Promise.all(Array.from({ length: 50 }, () => pool.connect()));
    const answers = await Promise.all(clients.map((c, i) => c.query('select $1::int as i', [i])));
    expect(answers.map((a) => a.rows[0].i)).toEqual([...Array(50).keys()]);
    for (const c of clients) c.release();
    await pool.end();
    await until('the slots to be free', () => proxy.stats.wsOpen === 0);
  });

  it('relays a CancelRequest without authentication, and Postgres cancels the query', async () => {
    const { db, proxy } = use('scram-sha-256');
    const { client } = watchedClient(db.url);
    await client.connect();
    const keys = client as unknown as { processID: number; secretKey: number };
    const running = client.query('select pg_sleep(30)').then(
      () => 'finished',
      (err: { code?: string }) => err.code,
    );
    await new Promise((r) => setTimeout(r, 200));
    const cancel = Buffer.alloc(16);
    cancel.writeInt32BE(16, 0);
    cancel.writeInt32BE(80877102, 4);
    cancel.writeInt32BE(keys.processID, 8);
    cancel.writeInt32BE(keys.secretKey, 12);
    const ws = new WebSocket(`ws://${proxy.address}/v1?address=127.0.0.1:${db.port}`);
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(cancel);
    const closedWith = await new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    expect(closedWith).toBe(1000); // Postgres hangs up after a cancel; the proxy passes that on
    expect(await running).toBe('57014'); // query_canceled
    await client.end();
    await until('the slots to be free', () => proxy.stats.wsOpen === 0);
  });

  it('says which database it could not reach', async () => {
    const { db, proxy } = use('password');
    const stopped = await startPostgres();
    const target = targetOf(stopped.url);
    await stopped.destroy();
    const lonely = await startProxy({ allow: [target] });
    try {
      configureNeonDriver(neonConfig, stopped.url, lonely.address);
      const { client } = watchedClient({ connectionString: stopped.url, connectionTimeoutMillis: 5_000 });
      await expect(client.connect()).rejects.toMatchObject({
        code: '08006',
        message: `neon-on-localhost: could not connect to the database (ECONNREFUSED) (${target})`,
      });
      await until('the slot to be free', () => lonely.stats.wsOpen === 0);
    } finally {
      await lonely.close();
      configureNeonDriver(neonConfig, db.url, proxy.address);
    }
  });
});
