// The embedded database on its own: PGlite served over the wire protocol,
// persisted to a folder, guarded against a second opener, and correct under
// concurrent sessions through the local proxy and the real driver.

import { neon, neonConfig, Pool } from '@neondatabase/serverless';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { configureNeonDriver } from '../src/driver.ts';
import { startEmbeddedPostgres } from '../src/embedded.ts';
import { startNeonLocalProxy } from '../src/proxy.ts';
import { targetOf } from '../src/targets.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'neon-edge-pglite-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function query<T>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('startEmbeddedPostgres', () => {
  it('keeps what was written across close and reopen', async () => {
    const dataDir = path.join(dir, 'pgdata');
    const first = await startEmbeddedPostgres(dataDir);
    await query(first.url, 'create table notes (body text)');
    await query(first.url, 'insert into notes values ($1)', ['kept']);
    await first.close();
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
    const second = await startEmbeddedPostgres(dataDir);
    try {
      expect(await query(second.url, 'select body from notes')).toEqual([{ body: 'kept' }]);
    } finally {
      await second.close();
    }
  }, 60_000);

  it('refuses a folder another live process holds, naming it', async () => {
    const dataDir = path.join(dir, 'pgdata');
    mkdirSync(dataDir);
    writeFileSync(`${dataDir}.lock`, String(process.ppid)); // a live process that is not us
    await expect(startEmbeddedPostgres(dataDir)).rejects.toThrow(`in use by process ${process.ppid}`);
  });

  it('takes over a stale lock', async () => {
    const dataDir = path.join(dir, 'pgdata');
    writeFileSync(`${dataDir}.lock`, '999999999');
    const db = await startEmbeddedPostgres(dataDir);
    await db.close();
  }, 60_000);

  it('moves a half-initialised folder aside and starts afresh', async () => {
    const dataDir = path.join(dir, 'pgdata');
    mkdirSync(path.join(dataDir, 'base'), { recursive: true });
    writeFileSync(path.join(dataDir, 'postgresql.conf'), '# interrupted initdb');
    const db = await startEmbeddedPostgres(dataDir);
    try {
      expect(await query(db.url, 'select 1 as one')).toEqual([{ one: 1 }]);
    } finally {
      await db.close();
    }
    expect(readdirSync(dir).some((e) => e.startsWith('pgdata.incomplete-'))).toBe(true);
  }, 60_000);
});

describe('through the local proxy, with the real driver', () => {
  it('keeps concurrent sessions apart: a transaction holds the others back until it ends', async () => {
    const db = await startEmbeddedPostgres('memory');
    const proxy = await startNeonLocalProxy({ allow: [targetOf(db.url)] });
    neonConfig.webSocketConstructor = WebSocket;
    configureNeonDriver(neonConfig, db.url, proxy.address);
    const pool = new Pool({ connectionString: db.url, max: 4 });
    try {
      const sql = neon(db.url);
      await sql`create table counter (n int)`;
      await sql`insert into counter values (0)`;
      // Ten read-modify-write transactions at once, each through its own session.
      await Promise.all(
        Array.from({ length: 10 }, async () => {
          const client = await pool.connect();
          try {
            await client.query('begin');
            const { rows } = await client.query('select n from counter');
            await new Promise((r) => setTimeout(r, 5));
            await client.query('update counter set n = $1', [rows[0].n + 1]);
            await client.query('commit');
          } finally {
            client.release();
          }
        }),
      );
      expect(await sql`select n from counter`).toEqual([{ n: 10 }]);
    } finally {
      await pool.end();
      await proxy.close();
      await db.close();
    }
  }, 60_000);
});
