// The explorer (explorer.ts): what reached the database, read off the real
// driver's traffic through the proxy, over WebSocket and HTTP, in front of
// PostgreSQL and of the embedded database; the tables view, read only; and
// the page's endpoints, as guarded as the rest of the proxy, and more: GET
// only, its own page only, no CORS. The page in a real browser:
// test/e2e-explorer.test.ts.

import http from 'node:http';
import { Client, neon, neonConfig, Pool } from '@neondatabase/serverless';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { configureNeonDriver } from '../src/driver.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/embedded.ts';
import { readTables, ROW_LIMIT } from '../src/explorer-tables.ts';
import { startProxy, type LocalProxy } from '../src/proxy.ts';
import { MAX_TEXT_CHARS, QueryLog, type GroupView, type StatementView } from '../src/query-log.ts';
import { statementLine } from '../src/query-lines.ts';
import { targetOf } from '../src/targets.ts';
import { WireObserver } from '../src/wire-observer.ts';
import { startPostgres, type TestPostgres } from '../../../test/support/postgres.ts';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request with exactly these headers (Host defaults to the proxy's own). */
function request(proxy: LocalProxy, method: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: proxy.port, method, path, headers: { Host: proxy.address, ...headers }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Reads Server-Sent Events from /explorer/events until `until` is satisfied by what came. */
function readEvents(proxy: LocalProxy, until: (events: { event: string; data: unknown }[]) => boolean, start: () => Promise<void> = async () => {}) {
  return new Promise<{ event: string; data: unknown }[]>((resolve, reject) => {
    const events: { event: string; data: unknown }[] = [];
    const req = http.get({ host: '127.0.0.1', port: proxy.port, path: '/explorer/events', headers: { Host: proxy.address }, agent: false }, (res) => {
      let buffer = '';
      let started = false;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
        }
        if (!started && events.length) {
          started = true;
          start().catch(reject);
        }
        if (until(events)) {
          req.destroy();
          resolve(events);
        }
      });
    });
    req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
  });
}

// --- a driver written out by hand, for what the real drivers never send (several statements in one flush) ---

const cstr = (s: string) => Buffer.from(`${s}\0`);
const int16 = (n: number) => Buffer.from([n >> 8, n & 255]);
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
function message(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from(type), int32(body.length + 4), body]);
}
function startup(user: string, database: string): Buffer {
  const body = Buffer.concat([
    int32(196608),
    cstr('user'),
    cstr(user),
    cstr('database'),
    cstr(database),
    cstr('application_name'),
    cstr('by hand'),
    Buffer.from([0]),
  ]);
  return Buffer.concat([int32(body.length + 4), body]);
}
/** Parse, Bind and Execute of one statement with text parameters (unnamed statement and portal). */
function extended(text: string, params: string[] = []): Buffer {
  return Buffer.concat([
    message('P', cstr(''), cstr(text), int16(0)),
    message('B', cstr(''), cstr(''), int16(0), int16(params.length), ...params.flatMap((p) => [int32(Buffer.byteLength(p)), Buffer.from(p)]), int16(0)),
    message('E', cstr(''), int32(0)),
  ]);
}
const SYNC = message('S');

async function rawSession(proxy: LocalProxy, databaseUrl: string): Promise<WebSocket> {
  const url = new URL(databaseUrl);
  const ws = new WebSocket(`ws://${proxy.address}/v1?address=${targetOf(databaseUrl)}`);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  ws.send(startup(decodeURIComponent(url.username), url.pathname.slice(1)));
  ws.send(message('p', cstr(decodeURIComponent(url.password))));
  return ws;
}

// --- the targets ---

interface Target {
  name: string;
  databaseUrl: () => string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

let postgres: TestPostgres | undefined;
let embedded: EmbeddedPostgres | undefined;
const TARGETS: Target[] = [
  {
    name: 'PostgreSQL',
    databaseUrl: () => postgres!.url,
    start: async () => void (postgres = await startPostgres()),
    stop: async () => postgres?.destroy(),
  },
  {
    name: 'the embedded database',
    databaseUrl: () => embedded!.url,
    start: async () => void (embedded = await startEmbeddedPostgres('memory')),
    stop: async () => embedded?.close(),
  },
];

describe.each(TARGETS)('what reached $name', (target) => {
  let proxy: LocalProxy;
  let url: string;

  beforeAll(async () => {
    await target.start();
    url = target.databaseUrl();
    proxy = await startProxy({ allow: [targetOf(url)], explorer: { databaseUrl: url } });
    neonConfig.webSocketConstructor = WebSocket;
  }, 60_000);
  afterAll(async () => {
    await proxy?.close();
    await target.stop();
  });

  const groupsSince = (id: number) => proxy.queries.snapshot().groups.filter((g) => g.id > id);
  const statementsOf = (group: GroupView) => proxy.queries.snapshot().statements.filter((s) => s.groupId === group.id);
  const lastGroupId = () => proxy.queries.snapshot().groups.at(-1)?.id ?? 0;
  const ended = async (since: number, count: number) => {
    await expect.poll(() => groupsSince(since).filter((g) => g.endedAt !== undefined).length, { timeout: 10_000 }).toBe(count);
    return groupsSince(since);
  };

  it('a Client: one session, its statements in order, each in its turn, with command, rows and the SQLSTATE of an error', async () => {
    configureNeonDriver(neonConfig, url, proxy.address);
    const since = lastGroupId();
    const client = new Client(url);
    await client.connect();
    await client.query('select now()');
    await client.query('create temp table seen (n int)');
    await client.query('insert into seen select generate_series(1, $1::int)', [3]);
    await expect(client.query('select * from no_such_table')).rejects.toThrow('no_such_table');
    await client.end();
    const [session] = await ended(since, 1);
    expect(session).toMatchObject({ transport: 'websocket', user: new URL(url).username, database: new URL(url).pathname.slice(1), turns: 4, connectTurns: 1 });
    expect(session.application).toMatch(/neondatabase/);
    expect(
      statementsOf(session).map(({ turn, text, status, command, rows, paramCount, error }) => ({ turn, text, status, command, rows, paramCount, error })),
    ).toEqual([
      // The driver pipelines its login and first statement: one turn for both.
      { turn: 1, text: 'select now()', status: 'ok', command: 'SELECT', rows: 1, paramCount: 0, error: undefined },
      { turn: 2, text: 'create temp table seen (n int)', status: 'ok', command: 'CREATE TABLE', rows: undefined, paramCount: 0, error: undefined },
      { turn: 3, text: 'insert into seen select generate_series(1, $1::int)', status: 'ok', command: 'INSERT', rows: 3, paramCount: 1, error: undefined },
      {
        turn: 4,
        text: 'select * from no_such_table',
        status: 'error',
        command: undefined,
        rows: undefined,
        paramCount: 0,
        error: { code: '42P01', message: 'relation "no_such_table" does not exist' },
      },
    ]);
    for (const s of statementsOf(session)) expect(s.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("worker-raw's /tx: a Pool transaction, begin, two selects and commit in one session, four turns", async () => {
    configureNeonDriver(neonConfig, url, proxy.address);
    const since = lastGroupId();
    const pool = new Pool({ connectionString: url });
    const client = await pool.connect();
    await client.query('begin');
    const { rows } = await client.query('select txid_current()::text as txid, now() as started');
    await client.query('select txid_current() = $1::bigint as same_txid', [rows[0].txid]);
    await client.query('commit');
    client.release();
    await pool.end();
    const [session] = await ended(since, 1);
    expect(statementsOf(session).map((s) => [s.turn, s.command, s.text])).toEqual([
      [1, 'BEGIN', 'begin'],
      [2, 'SELECT', 'select txid_current()::text as txid, now() as started'],
      [3, 'SELECT', 'select txid_current() = $1::bigint as same_txid'],
      [4, 'COMMIT', 'commit'],
    ]);
    expect(session.turns).toBe(4);
  });

  it('neon() over HTTP: a group per request, a batch marked as one transaction, errors with their SQLSTATE', async () => {
    configureNeonDriver(neonConfig, url, proxy.address);
    const since = lastGroupId();
    const sql = neon(url);
    await sql`select now()`;
    await sql.transaction([sql`select 1 as one`, sql`select ${2}::int as two`]);
    await expect(sql`select 1/0`).rejects.toThrow('division by zero');
    const [single, batch, failed] = await ended(since, 3);
    expect(single).toMatchObject({ transport: 'http', batch: false, turns: 1, statements: 1 });
    expect(statementsOf(single)).toMatchObject([{ text: 'select now()', status: 'ok', command: 'SELECT', rows: 1 }]);
    expect(batch).toMatchObject({ transport: 'http', batch: true, statements: 2 });
    expect(statementsOf(batch).map((s) => [s.text, s.paramCount])).toEqual([
      ['select 1 as one', 0],
      ['select $1::int as two', 1],
    ]);
    expect(statementsOf(failed)).toMatchObject([{ text: 'select 1/0', status: 'error', error: { code: '22012', message: 'division by zero' } }]);
  });

  it('statements sent together share a turn; after a failure, the rest of the pipeline is marked not run', async () => {
    const since = lastGroupId();
    const ws = await rawSession(proxy, url);
    await expect.poll(() => groupsSince(since)[0]?.connectTurns, { timeout: 10_000 }).toBeDefined();
    ws.send(Buffer.concat([extended('select $1::int as a', ['7']), extended('select 2 as b'), SYNC]));
    await expect.poll(() => statementsOf(groupsSince(since)[0]).filter((s) => s.status !== 'running').length, { timeout: 10_000 }).toBe(2);
    ws.send(Buffer.concat([extended('select 1/0'), extended('select 3 as c'), SYNC]));
    await expect.poll(() => statementsOf(groupsSince(since)[0]).filter((s) => s.status !== 'running').length, { timeout: 10_000 }).toBe(4);
    ws.send(message('X', Buffer.alloc(0)));
    ws.close();
    const [session] = await ended(since, 1);
    expect(session.application).toBe('by hand');
    const turn = session.connectTurns! + 1;
    expect(statementsOf(session).map(({ turn, text, status, rows, error }) => ({ turn, text, status, rows, code: error?.code }))).toEqual([
      { turn, text: 'select $1::int as a', status: 'ok', rows: 1, code: undefined },
      { turn, text: 'select 2 as b', status: 'ok', rows: 1, code: undefined },
      { turn: turn + 1, text: 'select 1/0', status: 'error', rows: undefined, code: '22012' },
      { turn: turn + 1, text: 'select 3 as c', status: 'skipped', rows: undefined, code: undefined },
    ]);
  });

  it('a refused login is the session’s error, with its SQLSTATE', async () => {
    const since = lastGroupId();
    const wrong = new URL(url);
    wrong.password = 'not-the-password';
    const ws = await rawSession(proxy, wrong.toString());
    await new Promise((resolve) => ws.once('close', resolve));
    const [session] = await ended(since, 1);
    expect(session.error).toMatchObject({ code: '28P01' });
    expect(session.statements).toBe(0);
  });

  it('parameter values are hidden (only how many), and the database password appears nowhere: log, page, events, tables', async () => {
    configureNeonDriver(neonConfig, url, proxy.address);
    const password = decodeURIComponent(new URL(url).password);
    const since = lastGroupId();
    const sql = neon(url);
    await sql`select ${'a-secret-value'}::text as v`;
    const client = new Client(url);
    await client.connect();
    await client.query('select $1::text as v', ['another-secret-value']);
    await client.query(`select '${password}' as typed_into_a_statement`);
    await client.end();
    const groups = await ended(since, 2);
    const statements = groups.flatMap(statementsOf);
    expect(statements.map((s) => [s.paramCount, s.params])).toEqual([
      [1, undefined],
      [1, undefined],
      [0, undefined],
    ]);
    expect(statements[2].text).toBe("select '****' as typed_into_a_statement");
    const everything = [
      JSON.stringify(proxy.queries.snapshot()),
      (await request(proxy, 'GET', '/explorer')).body,
      (await request(proxy, 'GET', '/explorer/log')).body,
      (await request(proxy, 'GET', '/explorer/tables')).body,
      JSON.stringify(await readEvents(proxy, (events) => events.length > 0)),
    ].join('\n');
    expect(everything).toContain('typed_into_a_statement');
    for (const secret of [password, encodeURIComponent(password), 'a-secret-value', 'another-secret-value']) expect(everything).not.toContain(secret);
  });

  it('the events stream: a snapshot first, then each statement as it starts and ends', async () => {
    configureNeonDriver(neonConfig, url, proxy.address);
    const sql = neon(url);
    const events = await readEvents(
      proxy,
      (seen) =>
        seen.some((e) => e.event === 'statement' && (e.data as StatementView).text === 'select 42 as live' && (e.data as StatementView).status === 'ok'),
      async () => void (await sql`select 42 as live`),
    );
    expect(events[0].event).toBe('snapshot');
    expect(events[0].data).toMatchObject({ rttMs: 0, showValues: false, database: expect.stringContaining(':****@') });
    const live = events
      .filter((e) => e.event === 'statement' && (e.data as StatementView).text === 'select 42 as live')
      .map((e) => (e.data as StatementView).status);
    expect(live).toEqual(['running', 'ok'].slice(-live.length)); // both, or only the last when they came within one tick
    expect(live.at(-1)).toBe('ok');
  });

  it('the tables view: user tables with exact row counts, partitions in their parent, odd names quoted', async () => {
    const admin = new pg.Client(url);
    await admin.connect();
    try {
      await admin.query(`create table "we""ird; drop table x --" (n int)`);
      await admin.query(`insert into "we""ird; drop table x --" select generate_series(1, 5)`);
      await admin.query('create schema other');
      await admin.query('create table other.events (at int) partition by range (at)');
      await admin.query('create table other.events_1 partition of other.events for values from (0) to (100)');
      await admin.query('insert into other.events select generate_series(0, 9)');
      const answer = await request(proxy, 'GET', '/explorer/tables');
      expect(answer.status, answer.body).toBe(200);
      const { tables } = JSON.parse(answer.body) as { tables: { schema: string; name: string; rows: number }[] };
      expect(tables).toEqual(
        expect.arrayContaining([
          { schema: 'public', name: 'we"ird; drop table x --', rows: 5 },
          { schema: 'other', name: 'events', rows: 10 },
        ]),
      );
      expect(tables.find((t) => t.name === 'events_1')).toBeUndefined();
      expect(tables.findIndex((t) => t.schema === 'public')).toBe(0); // public first
    } finally {
      await admin.query(`drop table "we""ird; drop table x --"`).catch(() => {});
      await admin.query('drop schema other cascade').catch(() => {});
      await admin.end();
    }
  });
});

describe('the tables view is read only and bounded (PostgreSQL)', () => {
  let db: TestPostgres;
  let reader: string;
  beforeAll(async () => {
    db = await startPostgres();
    // A reader bound by row-level security, whose policy tries to write on every row it reads.
    const admin = new pg.Client(db.url);
    await admin.connect();
    await admin.query("create role reader login password 'reader-pw'");
    await admin.query('create table writes (n int)');
    await admin.query('grant insert, select on writes to reader');
    await admin.query("create function write_something() returns boolean language plpgsql as 'begin insert into writes values (1); return true; end'");
    await admin.query('create table guarded (id int)');
    await admin.query('insert into guarded select generate_series(1, 3)');
    await admin.query('alter table guarded enable row level security');
    await admin.query('create policy everyone on guarded using (write_something())');
    await admin.query('grant select on guarded to reader');
    await admin.query('create table big (id int)');
    await admin.query(`insert into big select generate_series(1, ${ROW_LIMIT + 10})`);
    await admin.query('grant select on big to reader');
    await admin.end();
    reader = db.url.replace(/\/\/app:[^@]+@/, '//reader:reader-pw@');
  }, 60_000);
  afterAll(async () => db?.destroy());

  it('a table whose reading would write is not counted, and nothing is written', async () => {
    // The same policy outside a read-only transaction does write: the test would see it.
    const control = new pg.Client(reader);
    await control.connect();
    await control.query('begin');
    await control.query('select count(*) from guarded');
    expect((await control.query('select count(*)::int as n from writes')).rows[0].n).toBe(3);
    await control.query('rollback');
    await control.end();

    const tables = await readTables(reader);
    expect(tables.find((t) => t.name === 'guarded')).toEqual({ schema: 'public', name: 'guarded', rows: null });
    const admin = new pg.Client(db.url);
    await admin.connect();
    expect((await admin.query('select count(*)::int as n from writes')).rows[0].n).toBe(0);
    await admin.end();
  });

  it(`counts stop at ${ROW_LIMIT.toLocaleString('en-US')} rows, and a locked table costs only itself, within seconds`, async () => {
    const locker = new pg.Client(db.url);
    await locker.connect();
    await locker.query('begin');
    await locker.query('lock table guarded in access exclusive mode');
    try {
      const started = Date.now();
      const tables = await readTables(reader);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(tables.find((t) => t.name === 'big')).toEqual({ schema: 'public', name: 'big', rows: ROW_LIMIT, more: true });
      expect(tables.find((t) => t.name === 'guarded')?.rows).toBeNull();
      expect(tables.find((t) => t.name === 'writes')).toEqual({ schema: 'public', name: 'writes', rows: 0 });
    } finally {
      await locker.query('rollback');
      await locker.end();
    }
  });
});

describe('the explorer’s endpoints', () => {
  let db: TestPostgres;
  let proxy: LocalProxy;
  const PATHS = ['/explorer', '/explorer/events', '/explorer/log', '/explorer/tables'];
  beforeAll(async () => {
    db = await startPostgres();
    proxy = await startProxy({ allow: [targetOf(db.url)], explorer: { databaseUrl: db.url } });
  }, 60_000);
  afterAll(async () => {
    await proxy?.close();
    await db?.destroy();
  });

  it('answer GET and HEAD only: every other method gets 405 on each path, and nothing runs', async () => {
    for (const path of PATHS) {
      for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
        const answer = await request(proxy, method, path, { Origin: `http://${proxy.address}` });
        expect(answer.status, `${method} ${path}`).toBe(405);
        expect(answer.headers.allow).toBe('GET, HEAD');
        expect(answer.headers['access-control-allow-origin']).toBeUndefined();
      }
      const head = await request(proxy, 'HEAD', path);
      expect(head.status, `HEAD ${path}`).toBe(200);
      expect(head.body).toBe('');
    }
    expect(proxy.stats.httpQueries + proxy.stats.wsConnections).toBe(0);
  });

  it('refuse a foreign Host (DNS rebinding) with 403', async () => {
    for (const host of ['evil.example', `evil.example:${proxy.port}`, `127.0.0.1.nip.io:${proxy.port}`, `localhost:${proxy.port + 1}`]) {
      for (const path of PATHS) expect((await request(proxy, 'GET', path, { Host: host })).status, `${host} ${path}`).toBe(403);
    }
  });

  it('refuse every other page, even one on this machine, by Origin or Sec-Fetch-Site, and never send CORS headers', async () => {
    const refused: [string, Record<string, string>][] = [
      ['a foreign page', { Origin: 'https://evil.example' }],
      ['another page on this machine', { Origin: 'http://localhost:8787' }],
      ['the same port under another name', { Origin: `http://localhost:${proxy.port}`, Host: `127.0.0.1:${proxy.port}` }],
      ['an opaque origin', { Origin: 'null' }],
      ['a cross-site image or script (no Origin)', { 'Sec-Fetch-Site': 'cross-site' }],
      ['a same-site page on another port (no Origin)', { 'Sec-Fetch-Site': 'same-site' }],
    ];
    for (const [who, headers] of refused) {
      for (const path of PATHS) {
        const answer = await request(proxy, 'GET', path, headers);
        expect(answer.status, `${who}: ${path}`).toBe(403);
        expect(answer.headers['access-control-allow-origin']).toBeUndefined();
      }
    }
  });

  it('serve their own page: same origin, a direct visit, or a client that is not a browser', async () => {
    const own: Record<string, string>[] = [{ Origin: `http://${proxy.address}`, 'Sec-Fetch-Site': 'same-origin' }, { 'Sec-Fetch-Site': 'none' }, {}];
    for (const headers of own) {
      for (const path of ['/explorer', '/explorer/log', '/explorer/tables']) {
        const answer = await request(proxy, 'GET', path, headers);
        expect(answer.status, `${JSON.stringify(headers)} ${path}`).toBe(200);
        expect(answer.headers['access-control-allow-origin']).toBeUndefined();
        expect(answer.headers['x-content-type-options']).toBe('nosniff');
        expect(answer.headers['cache-control']).toBe('no-store');
      }
    }
    expect((await request(proxy, 'GET', '/explorer/nothing')).status).toBe(404);
  });

  it('the page: everything inline, no address elsewhere, a nonce-only script policy, a script that parses', async () => {
    const page = await request(proxy, 'GET', '/explorer');
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(page.headers['content-security-policy'] ?? '');
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    // No external asset: every src/href/url() is a data: URL; only the SVG namespace names another address.
    const addresses = [...page.body.matchAll(/(?:src|href)\s*=\s*"([^"]*)"|url\(([^)]*)\)|@import/g)].map((m) => m[1] ?? m[2] ?? m[0]);
    for (const address of addresses) expect(address, address).toMatch(/^data:/);
    expect(page.body.replaceAll('http://www.w3.org/2000/svg', '')).not.toMatch(/https?:\/\//);
    const scripts = [...page.body.matchAll(/<script nonce="([^"]+)">([\s\S]*?)<\/script>/g)];
    expect(scripts).toHaveLength(1);
    expect(scripts[0][1]).toBe(nonce);
    expect(() => new Function(scripts[0][2])).not.toThrow();
    // A new nonce each time.
    expect((await request(proxy, 'GET', '/explorer')).headers['content-security-policy']).not.toBe(csp);
  });

  it('take no SQL: a query string is ignored, and the only paths are the four above', async () => {
    const before = proxy.stats.httpQueries;
    const answer = await request(proxy, 'GET', '/explorer/tables?sql=drop%20table%20x&query=drop%20table%20x');
    expect(answer.status).toBe(200);
    expect(proxy.stats.httpQueries).toBe(before);
    for (const path of ['/explorer/sql', '/explorer/query', '/explorer/run']) expect((await request(proxy, 'GET', path)).status).toBe(404);
  });
});

describe('bounded memory', () => {
  let db: TestPostgres;
  let proxy: LocalProxy;
  beforeAll(async () => {
    db = await startPostgres();
    proxy = await startProxy({ allow: [targetOf(db.url)], explorer: { capacity: 50, showValues: true } });
    neonConfig.webSocketConstructor = WebSocket;
    configureNeonDriver(neonConfig, db.url, proxy.address);
  }, 60_000);
  afterAll(async () => {
    await proxy?.close();
    await db?.destroy();
  });

  it('keeps a ring of the newest statements, forgets ended sessions with none left, and cuts long texts and values short', async () => {
    const client = new Client(db.url);
    await client.connect();
    for (let i = 0; i < 120; i++) await client.query(`select ${i} as n`);
    const long = `select '${'x'.repeat(50_000)}' as long`;
    await client.query(long);
    await client.query('select length($1::text) as n', ['y'.repeat(1_000_000)]);
    await client.end();
    const sql = neon(db.url);
    for (let i = 0; i < 60; i++) await sql`select ${i}::int as n`;
    await expect.poll(() => proxy.queries.snapshot().statements.filter((s) => s.status === 'running').length).toBe(0);
    const { groups, statements } = proxy.queries.snapshot();
    expect(statements).toHaveLength(50);
    expect(statements.every((s) => s.text === 'select $1::int as n')).toBe(true);
    // The WebSocket session's statements all left the ring: the ended session went with them.
    expect(groups.every((g) => g.transport === 'http')).toBe(true);
    expect(groups).toHaveLength(50);
    const cut = await (async () => {
      const c = new Client(db.url);
      await c.connect();
      await c.query(long);
      await c.query('select length($1::text) as n', ['y'.repeat(1_000_000)]);
      await c.end();
      return proxy.queries.snapshot().statements.slice(-2);
    })();
    expect(cut[0].text).toHaveLength(MAX_TEXT_CHARS + 1);
    expect(cut[0].text.endsWith('…')).toBe(true);
    expect(cut[1].params![0]!.length).toBeLessThanOrEqual(201);
    expect(cut[1].rows).toBe(1);
  });
});

describe('reading the wire protocol, without a database', () => {
  // A session as the relay sees it: login, a pipeline of two statements, a simple query, in and out.
  const fromDriver = Buffer.concat([
    startup('app', 'app'),
    message('p', cstr('the-password')),
    extended('select $1::text as a', ['x']),
    extended('select 2'),
    SYNC,
    message('Q', cstr('begin; select 1')),
  ]);
  const row = (...values: string[]) => message('D', int16(values.length), ...values.flatMap((v) => [int32(Buffer.byteLength(v)), Buffer.from(v)]));
  const fromPostgres = [
    message('R', int32(3)),
    Buffer.concat([message('R', int32(0)), message('S', cstr('server_version'), cstr('15')), message('K', int32(1), int32(2)), message('Z', Buffer.from('I'))]),
    Buffer.concat([
      message('1'),
      message('2'),
      row('x'),
      message('C', cstr('SELECT 1')),
      message('1'),
      message('2'),
      row('2'),
      message('C', cstr('SELECT 1')),
      message('Z', Buffer.from('I')),
    ]),
    Buffer.concat([message('C', cstr('BEGIN')), row('1'), message('C', cstr('SELECT 1')), message('Z', Buffer.from('T'))]),
  ];
  const replay = (split: (bytes: Buffer) => Buffer[]) => {
    const log = new QueryLog({ showValues: true });
    const observer = new WireObserver(log.openGroup('websocket'), true);
    for (const chunk of split(fromDriver)) observer.clientBytes(chunk);
    for (const answer of fromPostgres) for (const chunk of split(answer)) observer.serverBytes(chunk);
    observer.closed();
    const { groups, statements } = log.snapshot();
    return { group: { ...groups[0], startedAt: 0, endedAt: 0 }, statements: statements.map(({ startedAt, durationMs, ...rest }) => rest) };
  };

  it('gives the same statements whether the bytes come whole, one by one, or in odd pieces, and never keeps the password', () => {
    const whole = replay((b) => [b]);
    expect(whole.group).toMatchObject({ user: 'app', database: 'app', turns: 1, connectTurns: 1, statements: 3 });
    expect(whole.statements).toEqual([
      { id: 1, groupId: 1, turn: 1, text: 'select $1::text as a', paramCount: 1, params: ['x'], status: 'ok', command: 'SELECT', rows: 1 },
      { id: 2, groupId: 1, turn: 1, text: 'select 2', paramCount: 0, params: [], status: 'ok', command: 'SELECT', rows: 1 },
      { id: 3, groupId: 1, turn: 1, text: 'begin; select 1', paramCount: 0, params: undefined, status: 'ok', command: 'SELECT', rows: 1 },
    ]);
    const bytes = (b: Buffer) => [...b].map((byte) => Buffer.from([byte]));
    const odd = (b: Buffer) => {
      const pieces: Buffer[] = [];
      for (let at = 0, size = 1; at < b.length; at += size, size = (size % 7) + 1) pieces.push(b.subarray(at, at + size));
      return pieces;
    };
    expect(replay(bytes)).toEqual(whole);
    expect(replay(odd)).toEqual(whole);
    expect(JSON.stringify(whole)).not.toContain('the-password');
  });

  it('stops following a stream that is not the Postgres protocol, and says so, without throwing', () => {
    const log = new QueryLog();
    const observer = new WireObserver(log.openGroup('websocket'), false);
    observer.clientBytes(Buffer.concat([startup('app', 'app'), Buffer.from('Q'), int32(2)]));
    observer.clientBytes(message('Q', cstr('select 1')));
    expect(log.snapshot().groups[0].error?.message).toMatch(/stopped showing them/);
    expect(log.snapshot().statements).toEqual([]);
  });
});

describe('bounded memory, without a database', () => {
  it('of the groups that ended without a statement (refused logins), only the newest 200 are kept', () => {
    const log = new QueryLog({ capacity: 10 });
    for (let i = 0; i < 500; i++) log.openGroup('websocket').end(new Error('refused'));
    const { groups } = log.snapshot();
    expect(groups).toHaveLength(200);
    expect(groups[0].id).toBe(301);
  });
});

describe('one line per statement (run --log-queries)', () => {
  const group: GroupView = { id: 3, transport: 'websocket', startedAt: 0, turns: 2, statements: 2 };
  const base: StatementView = {
    id: 1,
    groupId: 3,
    turn: 2,
    text: 'select *\n  from todos\n where id = $1',
    paramCount: 1,
    startedAt: 0,
    status: 'ok',
    durationMs: 0.4123,
    command: 'SELECT',
    rows: 1,
  };

  it('says where, how long, how many rows, and the text on one line', () => {
    expect(statementLine(base, group)).toBe('[neon-on-localhost] ws #3 turn 2 · 0.41 ms · 1 row · select * from todos where id = $1');
    expect(statementLine({ ...base, status: 'running' }, group)).toBeUndefined();
    expect(statementLine({ ...base, rows: undefined, command: 'BEGIN', text: 'begin', durationMs: 12.34 }, group)).toBe(
      '[neon-on-localhost] ws #3 turn 2 · 12.3 ms · BEGIN · begin',
    );
    expect(
      statementLine(
        { ...base, turn: undefined, groupId: 4, status: 'error', rows: undefined, error: { code: '42P01', message: 'relation "nope" does not exist' } },
        { ...group, id: 4, transport: 'http' },
      ),
    ).toBe('[neon-on-localhost] http #4 · 0.41 ms · error 42P01 relation "nope" does not exist · select * from todos where id = $1');
    expect(statementLine({ ...base, status: 'skipped', durationMs: undefined }, group)).toBe(
      '[neon-on-localhost] ws #3 turn 2 · not run (an earlier statement sent with it failed) · select * from todos where id = $1',
    );
    expect(statementLine({ ...base, params: ['7'] }, group)).toMatch(/ · \$1='7'$/);
  });
});
